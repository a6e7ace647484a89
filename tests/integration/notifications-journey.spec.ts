/**
 * The journey's messages end to end: agenda webhooks in, the real app, SendGrid and Twilio
 * fakes out (through the real SDKs). Due times far ahead are checked on the planned rows
 * and on pg-boss's jobs; messages due now are really delivered by the sending job.
 */
import { DateTime } from 'luxon';
import type { Appointment } from '../../connector/agenda/appointment.ts';
import { clinics } from '../../connector/db/schema/index.ts';
import { messagesOf, sendMessage } from '../../connector/notifications/send.ts';
import { activeLinks, latestLinks, linkUrl } from '../../connector/teleconsultations/links.ts';
import { startSendgridFake } from '../fakes/sendgrid.ts';
import { startTwilioFake } from '../fakes/twilio.ts';
import { eventually, TEST_LINK_SECRET, useAppWithHub } from '../support/harness.ts';
import { deliverApplied, jobOf, pick, providerEnv, PUBLIC_URL, sendDeps } from './notifications-helpers.ts';

const PARIS = 'Europe/Paris';

function paris(d: Date): string {
  return DateTime.fromJSDate(d, { zone: PARIS }).toFormat('yyyy-LL-dd HH:mm');
}

describe('notifications: the journey', () => {
  const { t, hub, sg, tw } = useAppWithHub({ sg: startSendgridFake, tw: startTwilioFake }, ({ sg, tw }) => ({ env: providerEnv(sg, tw) }));

  // Names and addresses of made-up patients repeat: match what the fakes got by our message ids.
  const idsOf = async (tc: string) => new Set((await messagesOf(t.app.services.database.db, tc)).map((m) => m.id));
  const mailsOf = async (tc: string) => { const ids = await idsOf(tc); return sg.sent.filter((m) => ids.has(m.body.custom_args?.message_ref ?? '')); };
  const smsOf = async (tc: string) => { const ids = await idsOf(tc); return tw.messages.filter((m) => ids.has(new URL(m.statusCallback ?? 'http://x/').searchParams.get('m') ?? '')); };

  async function book(a: Appointment): Promise<string> {
    return deliverApplied(t, hub, 'appointment.created', hub.upsert(a));
  }

  it('books tomorrow 10:30: confirmation now by email and SMS with the link, reminder at the clinic offset, invitation at 10:15; moves to 11:00; cancels', async () => {
    const db = t.app.services.database.db;
    // The clinic's own setting overrides the default 24 h: a reminder 2 h before.
    await db.insert(clinics).values({ id: 'clinic_reminder_2h', settings: { reminderOffsetsMinutes: [120] } });
    const a = hub.makeAppointment({ clinicId: 'clinic_reminder_2h' });
    const id = await book(a);
    const patientLink = linkUrl(PUBLIC_URL, TEST_LINK_SECRET, (await activeLinks(db, id)).patient!);

    // Confirmation, delivered now through the job, on both channels, with the patient link.
    await eventually(async () => pick(await messagesOf(db, id), 'confirmation', 'email', 'sent').length && pick(await messagesOf(db, id), 'confirmation', 'sms', 'sent').length, 'both confirmations sent');
    const [mail] = await mailsOf(id);
    expect(mail?.body.subject ?? mail?.body.personalizations[0]?.subject).toContain('Téléconsultation confirmée');
    expect(JSON.stringify(mail?.body.content)).toContain(patientLink);
    expect(mail?.body.from.email).toBe('rdv@cabinet.example.com');
    const [sms] = await smsOf(id);
    expect(sms?.body).toContain(patientLink);
    expect(sms?.statusCallback).toMatch(new RegExp(`^${PUBLIC_URL}/webhooks/twilio/status\\?m=`));

    // Reminder at 08:30 and invitation at 10:15 tomorrow, Paris time: rows and pg-boss jobs.
    const day = DateTime.fromISO(a.startsAt, { zone: PARIS }).toFormat('yyyy-LL-dd');
    let rows = await messagesOf(db, id);
    for (const channel of ['email', 'sms']) {
      const [reminder] = pick(rows, 'reminder', channel, 'planned');
      const [invitation] = pick(rows, 'invitation', channel, 'planned');
      expect(paris(reminder!.dueAt)).toBe(`${day} 08:30`);
      expect(paris(invitation!.dueAt)).toBe(`${day} 10:15`);
      expect((await jobOf(t, reminder!.id))?.start_after.toISOString()).toBe(reminder!.dueAt.toISOString());
      expect((await jobOf(t, invitation!.id))?.start_after.toISOString()).toBe(invitation!.dueAt.toISOString());
    }
    expect(rows.length).toBe(6);

    // Moving to 11:00: the old reminder and invitation are dropped, 09:00 and 10:45 planned, a notice sent.
    const eleven = DateTime.fromISO(a.startsAt, { zone: PARIS }).set({ hour: 11, minute: 0 }).toISO({ suppressMilliseconds: true })!;
    const moved = hub.upsert({ ...a, startsAt: eleven }, { bump: true });
    await deliverApplied(t, hub, 'appointment.updated', moved);
    rows = await messagesOf(db, id);
    for (const channel of ['email', 'sms']) {
      expect(pick(rows, 'invitation', channel, 'cancelled').map((m) => m.skipReason)).toEqual(['moved']);
      expect(pick(rows, 'reminder', channel, 'cancelled').length).toBe(1);
      const [invitation] = pick(rows, 'invitation', channel, 'planned');
      const [reminder] = pick(rows, 'reminder', channel, 'planned');
      expect(paris(invitation!.dueAt)).toBe(`${day} 10:45`);
      expect(paris(reminder!.dueAt)).toBe(`${day} 09:00`);
      expect(invitation!.appointmentVersion).toBe(moved.version);
      expect((await jobOf(t, invitation!.id))?.start_after.toISOString()).toBe(invitation!.dueAt.toISOString());
    }
    await eventually(async () => pick(await messagesOf(db, id), 'rescheduled', 'email', 'sent').length && pick(await messagesOf(db, id), 'rescheduled', 'sms', 'sent').length, 'rescheduled notices sent');
    expect((await mailsOf(id)).at(-1)?.body.subject).toContain('Téléconsultation déplacée');
    expect((await smsOf(id)).at(-1)?.body).toContain('11h00');

    // Cancelling: everything planned is dropped, the cancellation goes out on both channels.
    const cancelled = hub.upsert({ ...moved, status: 'cancelled' }, { bump: true });
    await deliverApplied(t, hub, 'appointment.cancelled', cancelled);
    rows = await messagesOf(db, id);
    expect(rows.filter((m) => m.status === 'planned' && m.kind !== 'cancellation')).toEqual([]);
    expect(rows.filter((m) => m.skipReason === 'appointment_cancelled').length).toBe(4);
    await eventually(async () => pick(await messagesOf(db, id), 'cancellation', 'email', 'sent').length && pick(await messagesOf(db, id), 'cancellation', 'sms', 'sent').length, 'cancellations sent');
    expect((await mailsOf(id)).map((m) => m.body.subject)).toEqual([jasmine.stringContaining('confirmée'), jasmine.stringContaining('déplacée'), jasmine.stringContaining('Annulation')]);
    expect((await smsOf(id)).length).toBe(3);
    // The cancellation keeps the (revoked) link out of the message.
    const revoked = linkUrl(PUBLIC_URL, TEST_LINK_SECRET, (await latestLinks(db, id)).patient!);
    expect((await smsOf(id)).at(-1)?.body).not.toContain(revoked);
  });

  it('uses the default 24 h reminder only when it is still ahead', async () => {
    const db = t.app.services.database.db;
    const start = DateTime.now().plus({ days: 3 }).set({ second: 0, millisecond: 0 });
    const id = await book(hub.makeAppointment({ startsAt: start.toISO()! }));
    const [reminder] = pick(await messagesOf(db, id), 'reminder', 'email');
    expect(reminder?.dueAt.toISOString()).toBe(start.minus({ hours: 24 }).toJSDate().toISOString());
    const soon = DateTime.now().plus({ hours: 3 }).set({ second: 0, millisecond: 0 });
    const id2 = await book(hub.makeAppointment({ startsAt: soon.toISO()! }));
    expect(pick(await messagesOf(db, id2), 'reminder', 'email')).toEqual([]);
  });

  it('sends the confirmation and the invitation now for a booking 10 minutes ahead', async () => {
    const db = t.app.services.database.db;
    const a = hub.makeAppointment({ startsAt: new Date(Date.now() + 10 * 60_000).toISOString() });
    const id = await book(a);
    const rows = await messagesOf(db, id);
    expect(rows.map((m) => m.kind).sort()).toEqual(['confirmation', 'confirmation', 'invitation', 'invitation']);
    for (const m of rows) expect(m.dueAt.getTime()).toBeLessThanOrEqual(Date.now());
    await eventually(async () => (await messagesOf(db, id)).every((m) => m.status === 'sent'), 'all four sent');
    const subjects = (await mailsOf(id)).map((m) => m.body.subject);
    expect(subjects).toContain(jasmine.stringContaining('rejoignez la salle d’attente'));
    expect((await smsOf(id)).length).toBe(2);
  });

  it('writes to a French patient in French and to an English one in English', async () => {
    const db = t.app.services.database.db;
    const fr = hub.makeAppointment({ patient: { locale: 'fr-FR' } });
    const en = hub.makeAppointment({ patient: { locale: 'en-GB' } });
    const [idFr, idEn] = [await book(fr), await book(en)];
    await eventually(async () => (await messagesOf(db, idFr)).filter((m) => m.status === 'sent').length === 2 && (await messagesOf(db, idEn)).filter((m) => m.status === 'sent').length === 2, 'confirmations sent');
    expect((await mailsOf(idFr))[0]?.body.subject).toMatch(/^Téléconsultation confirmée le \S+ \d+ \S+ \d{4} à 10h30$/);
    expect((await mailsOf(idEn))[0]?.body.subject).toMatch(/^Teleconsultation confirmed on \S+ \d+ \S+ \d{4} at 10:30$/);
    expect((await smsOf(idEn))[0]?.body).toContain('your teleconsultation');
    expect((await smsOf(idFr))[0]?.body).toMatch(/votre t[ée]l[ée]consultation/);
    expect((await smsOf(idEn))[0]?.body).not.toContain('votre');
  });

  it('shows the right local time for an appointment on the night the clocks go forward', async () => {
    const db = t.app.services.database.db;
    // 28 March 2027, 01:30 UTC: 03:30 in Paris (summer time began at 02:00, now UTC+2).
    const a = hub.makeAppointment({ startsAt: '2027-03-28T01:30:00Z' });
    const id = await book(a);
    await eventually(async () => (await messagesOf(db, id)).filter((m) => m.kind === 'confirmation' && m.status === 'sent').length === 2, 'confirmations sent');
    expect((await mailsOf(id))[0]?.body.subject).toContain('28 mars 2027 à 03h30');
    expect((await smsOf(id))[0]?.body).toContain('03h30');
    const [invitation] = pick(await messagesOf(db, id), 'invitation', 'email');
    expect(paris(invitation!.dueAt)).toBe('2027-03-28 03:15');
  });

  it('sends the end message with the payment and documents links the other features provide', async () => {
    const db = t.app.services.database.db;
    t.app.notifications.links.payment = async (_q, id) => ({ url: `https://pay.example.test/${id}`, amount: { value: 3000, currency: 'EUR' } });
    t.app.notifications.links.documentsUrl = async (_q, id) => `${PUBLIC_URL}/documents/${id}`;
    try {
      const a = hub.makeAppointment({ startsAt: new Date(Date.now() + 5 * 60_000).toISOString() });
      const id = await book(a);
      await eventually(async () => pick(await messagesOf(db, id), 'confirmation', 'email', 'sent').length, 'confirmation sent');
      await deliverApplied(t, hub, 'appointment.updated', hub.upsert({ ...a, status: 'done' }, { bump: true }));
      const rows = await messagesOf(db, id);
      // Nothing of the scheduled kind goes out any more once it ended.
      expect(rows.filter((m) => m.status === 'planned' && m.kind !== 'ended')).toEqual([]);
      await eventually(async () => pick(await messagesOf(db, id), 'ended', 'email', 'sent').length && pick(await messagesOf(db, id), 'ended', 'sms', 'sent').length, 'end messages sent');
      const mail = (await mailsOf(id)).find((m) => m.body.subject?.startsWith('Fin de votre téléconsultation'));
      expect(JSON.stringify(mail?.body.content)).toContain(`https://pay.example.test/${id}`);
      expect(JSON.stringify(mail?.body.content)).toContain(`${PUBLIC_URL}/documents/${id}`);
      expect((await smsOf(id)).at(-1)?.body).toContain(`https://pay.example.test/${id}`);
    } finally {
      delete t.app.notifications.links.payment;
      delete t.app.notifications.links.documentsUrl;
    }
  });

  it('skips a channel without a usable contact and records why', async () => {
    const db = t.app.services.database.db;
    const a = hub.makeAppointment({ patient: { mobile: null, email: 'not-an-email' } });
    const id = await book(a);
    const rows = await messagesOf(db, id);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((m) => m.status === 'skipped')).toBeTrue();
    expect(new Set(rows.filter((m) => m.channel === 'sms').map((m) => m.skipReason))).toEqual(new Set(['sms_missing']));
    expect(new Set(rows.filter((m) => m.channel === 'email').map((m) => m.skipReason))).toEqual(new Set(['email_invalid_email']));
  });

  it('sends nothing for a change that no longer holds when due (moved before its time)', async () => {
    const db = t.app.services.database.db;
    // Invitation due now (10 min ahead), then moved a day later in the same breath.
    const a = hub.makeAppointment({ startsAt: new Date(Date.now() + 10 * 60_000).toISOString() });
    const id = await book(a);
    await eventually(async () => pick(await messagesOf(db, id), 'invitation', 'sms', 'sent').length, 'first invitation sent');
    const later = hub.upsert({ ...a, startsAt: new Date(Date.now() + 26 * 3600_000).toISOString() }, { bump: true });
    await deliverApplied(t, hub, 'appointment.updated', later);
    const rows = await messagesOf(db, id);
    // The new time's invitations wait for their time, one per channel. (An old one still being
    // sent during the move goes back to planned if its provider asks for a retry, and that
    // retry finds it superseded: the old version's rows are checked below.)
    const planned = rows.filter((m) => m.status === 'planned' && m.kind === 'invitation' && m.appointmentVersion === later.version);
    expect(planned.map((m) => m.channel).sort()).toEqual(['email', 'sms']);
    // The old version's rows never go out again, even if their job ran once more.
    // A send already under way during the move ends first (sent, or back to planned).
    await eventually(async () => !(await messagesOf(db, id)).some((m) => m.appointmentVersion === a.version && m.status === 'sending'), 'no old message being sent');
    const before = { sms: (await smsOf(id)).length, mails: (await mailsOf(id)).length };
    const deps = sendDeps(t);
    for (const m of (await messagesOf(db, id)).filter((r) => r.appointmentVersion === a.version)) await sendMessage(deps, m.id, { lastAttempt: async () => false });
    expect({ sms: (await smsOf(id)).length, mails: (await mailsOf(id)).length }).toEqual(before);
    const old = (await messagesOf(db, id)).filter((m) => m.appointmentVersion === a.version && m.kind === 'invitation');
    expect(old.filter((m) => m.status === 'planned' || m.status === 'sending')).toEqual([]);
  });
});

