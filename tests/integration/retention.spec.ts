/**
 * Retention: past the clinic's period, the daily purge leaves no patient contact, chat or
 * message text anywhere in the database, the links answer 410, and the accounting stays.
 */
import { eq, sql } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { jobsSettled, useAppWithHub, type TestApp } from '../support/harness.ts';
import { LiveClient, makeTeleconsultation, openLink, type MadeTeleconsultation } from './live-helpers.ts';

const DAY = 86_400_000;

/** Every row of every table of ours, as text (pg-boss's job rows are deleted by pg-boss a day after they finish). */
async function databaseText(t: TestApp): Promise<string> {
  const db = t.app.services.database.db;
  const tables = await db.execute(sql`select tablename from pg_tables where schemaname = 'public'`);
  const out: string[] = [];
  for (const { tablename } of (tables as unknown as { rows: { tablename: string }[] }).rows) {
    const rows = await db.execute(sql`select row_to_json(x)::text as j from ${sql.identifier(tablename)} x`);
    out.push(...(rows as unknown as { rows: { j: string }[] }).rows.map((r) => `${tablename}: ${r.j}`));
  }
  return out.join('\n');
}

describe('retention', () => {
  let clock = new Date();
  const { t, hub } = useAppWithHub(() => ({ now: () => clock }));

  /** A whole consultation: links opened, knock, admitted, chat both ways, an invoice. */
  async function consult(chat: string): Promise<MadeTeleconsultation> {
    // A patient whose every datum is unique in the database (fixture names repeat, and the
    // practitioner's name may share a word with them).
    const unique = Math.random().toString(36).slice(2, 8);
    const tc = await makeTeleconsultation(t, hub, {
      clinicId: 'clinic_retention',
      patient: { firstName: `Maëlys${unique}`, lastName: `Quintard${unique}`, email: `maelys.${unique}@example.com`, mobile: `+3361${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}` },
    });
    const practitioner = await openLink(t.url, tc.practitionerToken);
    const patient = await openLink(t.url, tc.patientToken);
    const p = await LiveClient.connect(t.url, tc.id, 'practitioner', practitioner.cookie);
    const q = await LiveClient.connect(t.url, tc.id, 'patient', patient.cookie);
    q.send({ type: 'knock' });
    await p.next('presence', (m) => m.presence.patient === 'waiting');
    p.send({ type: 'admit' });
    await q.next('admitted');
    q.send({ type: 'chat', text: `${chat} (patient)` });
    p.send({ type: 'chat', text: `${chat} (praticien)` });
    await q.next('chat', (m) => m.text.endsWith('(praticien)'));
    const invoice = await fetch(`${t.url}/api/live/${tc.id}/practitioner/invoice`, {
      method: 'POST', headers: { cookie: practitioner.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ amount: { value: '30' } }),
    });
    expect(invoice.status).toBe(201);
    await invoice.arrayBuffer();
    await p.close();
    await q.close();
    await jobsSettled(t, ['agenda-event', 'notification-send', 'billing-checkout']);
    return tc;
  }

  it('deletes the patient\'s data after the period, keeps the accounting, and the links answer 410', async () => {
    clock = new Date();
    const old = await consult('Douleur au genou gauche depuis mardi');
    const db = t.app.services.database.db;
    const before = await databaseText(t);
    const patient = old.appointment.patient;
    for (const datum of [patient.firstName, patient.lastName, patient.email!, patient.mobile!, 'Douleur au genou gauche']) expect(before).withContext(datum).toContain(datum);

    // 89 days later: within the period, nothing goes.
    clock = new Date(old.appointment.startsAt);
    clock = new Date(clock.getTime() + 89 * DAY);
    await t.app.retention.purgeDue();
    const purgedAt = async () => (await db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.id, old.id)))[0]!.purgedAt;
    expect(await purgedAt()).toBeNull();
    expect(await databaseText(t)).toContain(patient.email!);

    // Past 90 days after the end.
    clock = new Date(new Date(old.appointment.startsAt).getTime() + 91 * DAY);
    const report = await t.app.retention.purgeDue();
    expect(report.teleconsultations).toBeGreaterThanOrEqual(1);
    expect(Object.keys(report.rows).sort()).toEqual([...t.app.retention.registered].sort());
    expect(report.rows['chat']).toBeGreaterThanOrEqual(2);
    expect(report.rows['messages']).toBeGreaterThanOrEqual(1);

    const after = await databaseText(t);
    for (const datum of [patient.firstName, patient.lastName, patient.email!, patient.mobile!, 'Douleur au genou gauche', old.patientToken, old.practitionerToken]) {
      expect(after).withContext(datum).not.toContain(datum);
    }
    // The accounting stays: the teleconsultation's ids, status and dates, the payment's amount and status.
    const [row] = await db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.id, old.id));
    expect(row!.status).toBe('in_progress');
    expect(row!.appointmentId).toBe(old.appointment.id);
    expect(row!.purgedAt).not.toBeNull();
    const [payment] = await db.select().from(schema.paymentRequests).where(eq(schema.paymentRequests.teleconsultationId, old.id));
    expect(payment!.amountCents).toBe(3000);
    const events = await db.select().from(schema.teleconsultationEvents).where(eq(schema.teleconsultationEvents.teleconsultationId, old.id));
    expect(events.map((e) => e.type)).toContain('teleconsultation.purged');
    expect(events.find((e) => e.type === 'teleconsultation.purged')!.actor).toEqual({ kind: 'system', process: 'retention' });

    // Both links answer "expired", as a page for a browser.
    for (const token of [old.patientToken, old.practitionerToken]) {
      const page = await fetch(`${t.url}/j/${token}`, { headers: { accept: 'text/html' }, redirect: 'manual' });
      expect(page.status).toBe(410);
      expect(await page.text()).toContain('Lien expiré');
    }
    // The agenda's later word about the appointment brings nothing back; a second purge has nothing to do.
    const revised = hub.upsert({ ...old.appointment, version: old.appointment.version + 1 });
    expect((await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.updated', revised)).status).toBe(202);
    await jobsSettled(t);
    expect(await databaseText(t)).not.toContain(patient.email!);
    const first = await purgedAt();
    await t.app.retention.purgeDue();
    expect(await purgedAt()).toEqual(first);
  });

  it('follows each clinic\'s own period', async () => {
    clock = new Date();
    const db = t.app.services.database.db;
    const short = await makeTeleconsultation(t, hub, { clinicId: 'clinic_short_retention' });
    const usual = await makeTeleconsultation(t, hub, { clinicId: 'clinic_usual_retention' });
    await db.update(schema.clinics).set({ settings: { retentionDays: 30 } }).where(eq(schema.clinics.id, 'clinic_short_retention'));
    clock = new Date(new Date(short.appointment.startsAt).getTime() + 31 * DAY);
    await t.app.retention.purgeDue();
    const purged = async (id: string) => (await db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.id, id)))[0]!.purgedAt !== null;
    expect(await purged(short.id)).toBeTrue();
    expect(await purged(usual.id)).toBeFalse();
    expect(await databaseText(t)).toContain(usual.appointment.patient.email!);
    expect(await databaseText(t)).not.toContain(short.appointment.patient.email!);
  });
});
