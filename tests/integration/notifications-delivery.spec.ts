/**
 * Delivery tracking and provider failures: signed Twilio status callbacks and SendGrid
 * events (made with the fakes' own signing), out of order and twice; bad signatures and
 * unknown messages; SMS refusals and their email fallback; retries after an outage.
 */
import { eq } from 'drizzle-orm';
import { messages } from '../../connector/db/schema/index.ts';
import { messagesOf } from '../../connector/notifications/send.ts';
import type { AgendaHub } from '../fakes/agenda-hub.ts';
import { startSendgridFake } from '../fakes/sendgrid.ts';
import { startTwilioFake, twilioSignature } from '../fakes/twilio.ts';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { deliverApplied, pick, providerEnv, PUBLIC_URL } from './notifications-helpers.ts';

describe('notifications: delivery tracking', () => {
  const { t, hub, sg, tw } = useAppWithHub({ sg: startSendgridFake, tw: startTwilioFake }, ({ sg, tw }) => ({ env: providerEnv(sg, tw) }));

  const db = () => t.app.services.database.db;
  const statusOf = async (id: string) => (await db().select().from(messages).where(eq(messages.id, id)))[0];

  /** Books and waits for both confirmations to leave; returns the teleconsultation and its two rows. */
  async function bookAndSend(overrides: Parameters<AgendaHub['makeAppointment']>[0] = {}) {
    const a = hub.upsert(hub.makeAppointment(overrides));
    const id = await deliverApplied(t, hub, 'appointment.created', a);
    const [email, sms] = await eventually(async () => {
      const rows = await messagesOf(db(), id);
      const e = pick(rows, 'confirmation', 'email').find((m) => m.status !== 'planned' && m.status !== 'sending');
      const s = pick(rows, 'confirmation', 'sms').find((m) => m.status !== 'planned' && m.status !== 'sending');
      return e && s ? [e, s] as const : undefined;
    }, 'both confirmations handled');
    return { a, id, email, sms };
  }

  /** Posts a Twilio status callback as Twilio would, to the app behind PUBLIC_URL. */
  async function twilioCallback(sid: string, status: string, opts: { errorCode?: number; token?: string; url?: string } = {}) {
    const cb = tw.statusCallback(sid, status, { ...(opts.errorCode !== undefined ? { errorCode: opts.errorCode } : {}), ...(opts.url ? { url: opts.url } : {}) });
    const signature = opts.token ? twilioSignature(opts.token, cb.url, cb.params) : cb.signature;
    const local = cb.url.replace(PUBLIC_URL, t.url);
    return fetch(local, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
      body: new URLSearchParams(cb.params).toString(),
    });
  }

  it('ends an SMS delivered whatever the order and repetition of Twilio callbacks', async () => {
    const { sms } = await bookAndSend();
    expect(sms.status).toBe('sent');
    expect(sms.providerId).toMatch(/^SM[0-9a-f]{32}$/);
    for (const s of ['delivered', 'sent', 'queued', 'delivered', 'sent']) {
      const r = await twilioCallback(sms.providerId!, s);
      expect(r.status).toBe(200);
    }
    const row = await statusOf(sms.id);
    expect(row?.status).toBe('delivered');
    expect(row?.deliveredAt).not.toBeNull();
  });

  it('keeps an SMS failed once Twilio reported it failed, and falls back to email when none was sent', async () => {
    // No email at booking: the email confirmation is skipped; the SMS goes out.
    const { a, id, sms, email } = await bookAndSend({ patient: { email: null } });
    expect(email.status).toBe('skipped');
    expect(email.skipReason).toBe('email_missing');
    // The secretariat adds the email (same time); then Twilio says the SMS never arrived.
    const withEmail = hub.upsert({ ...a, patient: { ...a.patient, email: 'late.address@example.com' } }, { bump: true });
    await deliverApplied(t, hub, 'appointment.updated', withEmail);
    expect((await twilioCallback(sms.providerId!, 'undelivered', { errorCode: 30006 })).status).toBe(200);
    expect((await twilioCallback(sms.providerId!, 'delivered')).status).toBe(200);
    expect((await twilioCallback(sms.providerId!, 'sent')).status).toBe(200);
    const row = await statusOf(sms.id);
    expect(row?.status).toBe('failed');
    expect(row?.lastErrorCode).toBe('TWILIO_30006');
    const fallback = await eventually(async () => (await messagesOf(db(), id)).find((m) => m.fallbackOf === sms.id && m.status === 'sent'), 'fallback email sent');
    expect(fallback.channel).toBe('email');
    expect(fallback.kind).toBe('confirmation');
    expect(sg.sent.filter((m) => m.body.personalizations[0]?.to[0]?.email === 'late.address@example.com').length).toBe(1);
    // A second failure report does not plan a second fallback.
    await twilioCallback(sms.providerId!, 'failed', { errorCode: 30006 });
    expect((await messagesOf(db(), id)).filter((m) => m.fallbackOf === sms.id).length).toBe(1);
  });

  it('marks an SMS to an opted-out number failed (21610) and leaves the email, already on its way, alone', async () => {
    const phone = '+33600009901';
    tw.optOut(phone);
    const { id, sms, email } = await bookAndSend({ patient: { mobile: phone } });
    expect(sms.status).toBe('failed');
    expect(sms.lastErrorCode).toBe('SMS_OPTED_OUT');
    expect(email.status).toBe('sent');
    expect((await messagesOf(db(), id)).filter((m) => m.fallbackOf !== null)).toEqual([]);
  });

  it('falls back to email when an SMS-only message is refused as opted out', async () => {
    const phone = '+33600009902';
    tw.optOut(phone);
    const { id } = await bookAndSend({ patient: { mobile: phone } });
    const planned = await db().transaction((tx) => t.app.notifications.planMessage(tx, {
      teleconsultationId: id, kind: 'payment_request', channels: ['sms'],
      vars: { paymentUrl: 'https://pay.example.test/c/abc', amount: { value: 3000, currency: 'EUR' } },
    }));
    expect(planned.map((p) => p.channel)).toEqual(['sms']);
    const fallback = await eventually(async () => (await messagesOf(db(), id)).find((m) => m.fallbackOf === planned[0]!.id && m.status === 'sent'), 'fallback email sent');
    expect(fallback.kind).toBe('payment_request');
    expect((await statusOf(planned[0]!.id))?.lastErrorCode).toBe('SMS_OPTED_OUT');
    const mail = sg.sent.find((m) => m.body.custom_args?.message_ref === fallback.id);
    expect(JSON.stringify(mail?.body.content)).toContain('https://pay.example.test/c/abc');
  });

  it('refuses a Twilio callback with a bad signature (401) and changes nothing', async () => {
    const { sms } = await bookAndSend();
    const r = await twilioCallback(sms.providerId!, 'failed', { token: 'not-the-auth-token' });
    expect(r.status).toBe(401);
    expect((await statusOf(sms.id))?.status).toBe('sent');
    // Signed for another URL (another message id in the query) does not pass either.
    const other = `${PUBLIC_URL}/webhooks/twilio/status?m=00000000-0000-4000-8000-000000000000`;
    const cb = tw.statusCallback(sms.providerId!, 'failed', { url: other });
    const res = await fetch(`${t.url}/webhooks/twilio/status?m=${sms.id}`, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': cb.signature }, body: new URLSearchParams(cb.params).toString(),
    });
    expect(res.status).toBe(401);
    expect((await statusOf(sms.id))?.status).toBe('sent');
  });

  it('acknowledges and ignores a Twilio callback for an unknown message', async () => {
    const url = `${PUBLIC_URL}/webhooks/twilio/status?m=00000000-0000-4000-8000-000000000000`;
    const r = await twilioCallback(`SM${'ab'.repeat(16)}`, 'delivered', { url });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ignored' });
  });

  it('ends an email delivered, or bounced, whatever the order and repetition of SendGrid events', async () => {
    const first = await bookAndSend();
    const second = await bookAndSend();
    const ev = (providerId: string, e: string) => sg.eventFor(providerId, e);
    const p1 = first.email.providerId!;
    const p2 = second.email.providerId!;
    let r = await sg.postEvents(`${t.url}/webhooks/sendgrid/events`, [ev(p1, 'delivered'), ev(p1, 'processed'), ev(p2, 'bounce'), ev(p1, 'open')]);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ updated: 2, unchanged: 1, ignored: 1 });
    r = await sg.postEvents(`${t.url}/webhooks/sendgrid/events`, [ev(p1, 'delivered'), ev(p2, 'delivered'), ev(p2, 'processed'), ev(p1, 'deferred')]);
    expect(r.status).toBe(200);
    expect((await statusOf(first.email.id))?.status).toBe('delivered');
    const bounced = await statusOf(second.email.id);
    expect(bounced?.status).toBe('bounced');
    expect(bounced?.lastErrorCode).toBe('EMAIL_BOUNCED');
  });

  it('refuses SendGrid events that are tampered with (401), too old (400) or unsigned (400)', async () => {
    const { email } = await bookAndSend();
    const url = `${t.url}/webhooks/sendgrid/events`;
    const events = [sg.eventFor(email.providerId!, 'bounce')];
    expect((await sg.postEvents(url, events, { tamper: true })).status).toBe(401);
    const old = String(Math.floor(Date.now() / 1000) - 6 * 60);
    expect((await sg.postEvents(url, events, { timestamp: old })).status).toBe(400);
    const unsigned = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(events) });
    expect(unsigned.status).toBe(400);
    expect((await statusOf(email.id))?.status).toBe('sent');
  });

  it('acknowledges SendGrid events for unknown messages and ignores them', async () => {
    const stranger = { event: 'delivered', timestamp: Math.floor(Date.now() / 1000), sg_message_id: 'unknownid123.filter-1', message_ref: 'not-a-uuid', email: 'x@example.com' };
    const r = await sg.postEvents(`${t.url}/webhooks/sendgrid/events`, [stranger]);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ updated: 0, unchanged: 0, ignored: 1 });
  });

  it('retries a message through a provider outage and sends it once', async () => {
    sg.failNext(1, 503);
    tw.dropNext(1);
    const before = { mails: sg.sent.length, sms: tw.messages.length };
    const { email, sms } = await bookAndSend();
    expect(email.status).toBe('sent');
    expect(sms.status).toBe('sent');
    expect(email.attempts).toBe(2);
    expect(sms.attempts).toBe(2);
    expect(email.lastErrorCode).toBeNull();
    expect(sg.sent.length - before.mails).toBe(1);
    expect(tw.messages.length - before.sms).toBe(1);
  });

  it('marks an SMS to a number Twilio refuses as failed, without retrying', async () => {
    const phone = '+33600009903';
    tw.markInvalid(phone);
    const { sms } = await bookAndSend({ patient: { mobile: phone } });
    expect(sms.status).toBe('failed');
    expect(sms.lastErrorCode).toBe('SMS_INVALID_NUMBER');
    expect(sms.attempts).toBe(1);
  });

  it('has no dev outbox when both providers are configured', async () => {
    expect((await fetch(`${t.url}/dev/outbox`)).status).toBe(404);
    expect((await fetch(`${t.url}/dev/outbox.json`)).status).toBe(404);
  });
});
