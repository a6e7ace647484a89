/**
 * A process dying mid-send: the provider has taken the message, but the process stops before
 * recording it (the row stays `sending`). A fresh instance on the same database takes over:
 * every due message is sent, with at most one duplicate per crash, counted here.
 */
import { messagesOf } from '../../connector/notifications/send.ts';
import type { ChannelProviders } from '../../connector/notifications/send.ts';
import { startAgendaHub, type AgendaHub } from '../fakes/agenda-hub.ts';
import { startSendgridFake, type SendgridFake } from '../fakes/sendgrid.ts';
import { startTwilioFake, type TwilioFake } from '../fakes/twilio.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { agendaEnv, eventually, startTestApp, type TestApp } from '../support/harness.ts';
import { deliverApplied, providerEnv } from './notifications-helpers.ts';

/** Providers that "die" right after the provider answered, `crashes` times in all. */
function crashingAfterSend(real: ChannelProviders, budget: { left: number; happened: number }): ChannelProviders {
  const crash = () => {
    if (budget.left <= 0) return;
    budget.left--;
    budget.happened++;
    throw new Error('simulated crash: the process died after the provider took the message');
  };
  return {
    email: { name: real.email.name, async sendEmail(m) { const r = await real.email.sendEmail(m); crash(); return r; } },
    sms: { name: real.sms.name, async sendSms(m) { const r = await real.sms.sendSms(m); crash(); return r; } },
  };
}

describe('notifications: a crash mid-send', () => {
  let hub: AgendaHub;
  let sg: SendgridFake;
  let tw: TwilioFake;
  let database: TestDatabase;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    [hub, sg, tw] = await Promise.all([startAgendaHub(), startSendgridFake(), startTwilioFake()]);
    database = await freshDatabase();
  });
  afterAll(async () => {
    // The apps before their database (drop() would close any left), then the fakes they call.
    for (const a of apps) await a.close().catch(() => undefined);
    await database?.drop();
    await Promise.all([hub?.close(), sg?.close(), tw?.close()]);
  });

  it('sends every due message after a restart, with at most one duplicate per crash', async () => {
    const env = { ...agendaEnv(hub), ...providerEnv(sg, tw) };
    const first = await startTestApp({ env, database });
    apps.push(first);
    const budget = { left: 2, happened: 0 };
    first.app.notifications.providers = crashingAfterSend(first.app.notifications.providers, budget);

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await deliverApplied(first, hub, 'appointment.created', hub.upsert(hub.makeAppointment())));
    // Read through whichever instance is running (a closed app has closed its pool).
    let db = first.app.services.database.db;
    const all = async () => (await Promise.all(ids.map((id) => messagesOf(db, id)))).flat().filter((m) => m.kind === 'confirmation');

    // Two sends "crash"; the four others are recorded as sent.
    await eventually(async () => budget.happened === 2 && (await all()).filter((m) => m.status === 'sent').length === 4, 'two crashes and four sends');
    const beforeClose = await all();
    await first.close();

    // A new instance on the same database takes over.
    const second = await startTestApp({ env, database });
    apps.push(second);
    db = second.app.services.database.db;
    const stuck = beforeClose.filter((m) => m.status === 'sending');
    expect(stuck.length).toBe(2);
    await eventually(async () => (await all()).every((m) => m.status === 'sent'), 'every confirmation sent', 30_000);

    const rows = await all();
    expect(rows.length).toBe(6);
    const received = new Map<string, number>();
    for (const m of sg.sent) received.set(m.body.custom_args?.message_ref ?? '', (received.get(m.body.custom_args?.message_ref ?? '') ?? 0) + 1);
    for (const m of tw.messages) {
      const ref = new URL(m.statusCallback ?? 'http://x/').searchParams.get('m') ?? '';
      received.set(ref, (received.get(ref) ?? 0) + 1);
    }
    let duplicates = 0;
    for (const m of rows) {
      const n = received.get(m.id) ?? 0;
      expect(n).withContext(`${m.channel} ${m.id} received`).toBeGreaterThanOrEqual(1);
      duplicates += Math.max(0, n - 1);
    }
    expect(duplicates).toBeLessThanOrEqual(budget.happened);
    // The resent ones say so: two attempts each.
    for (const s of stuck) expect(rows.find((m) => m.id === s.id)?.attempts).toBe(2);
    await second.close();
  });
});
