/**
 * Shared by the notifications integration specs: the env that points the app at the
 * provider fakes, and small readers of the message plan and pg-boss jobs.
 */
import { sql } from 'drizzle-orm';
import { SEND_QUEUE } from '../../connector/notifications/plan.ts';
import type { Message, SendDeps } from '../../connector/notifications/send.ts';
import type { SendgridFake } from '../fakes/sendgrid.ts';
import type { TwilioFake } from '../fakes/twilio.ts';
import { eventually, type TestApp } from '../support/harness.ts';
import type { AgendaHub } from '../fakes/agenda-hub.ts';
import type { Appointment } from '../../connector/agenda/appointment.ts';

/** Public base URL of the app in these tests (as behind a reverse proxy). */
export const PUBLIC_URL = 'https://tc.example.test';

/** The env that points the app at the provider fakes. */
export function providerEnv(sg: SendgridFake | undefined, tw: TwilioFake | undefined): Record<string, string> {
  return {
    PUBLIC_URL,
    MAIL_FROM: 'rdv@cabinet.example.com',
    ...(sg ? { SENDGRID_API_KEY: sg.apiKey, SENDGRID_API_URL: sg.url, SENDGRID_WEBHOOK_PUBLIC_KEY: sg.publicKey } : {}),
    ...(tw ? { TWILIO_ACCOUNT_SID: tw.accountSid, TWILIO_AUTH_TOKEN: tw.authToken, TWILIO_FROM: '+15005550006', TWILIO_API_URL: tw.url } : {}),
  };
}

/** The pg-boss job that carries a message. */
export async function jobOf(t: TestApp, messageId: string): Promise<{ start_after: Date; state: string } | undefined> {
  const r = await t.app.services.database.db.execute(
    sql`select start_after, state from pgboss.job where name = ${SEND_QUEUE} and data->'messageIds' @> jsonb_build_array(${messageId}::text)`,
  );
  const row = (r as unknown as { rows: { start_after: Date | string; state: string }[] }).rows[0];
  return row ? { start_after: new Date(row.start_after), state: row.state } : undefined;
}

/** The teleconsultation id of an appointment. */
export async function tcId(t: TestApp, appointmentId: string): Promise<string> {
  const r = await t.app.services.database.db.execute(sql`select id from teleconsultations where appointment_id = ${appointmentId}`);
  const row = (r as unknown as { rows: { id: string }[] }).rows[0];
  if (!row) throw new Error(`no teleconsultation for ${appointmentId}`);
  return row.id;
}

/**
 * Delivers an agenda webhook and waits until the teleconsultation reflects that version
 * (the intake acknowledges first and applies in a job). Returns the teleconsultation id.
 */
export async function deliverApplied(t: TestApp, hub: AgendaHub, type: string, a: Appointment): Promise<string> {
  const r = await hub.deliver(`${t.url}/webhooks/agenda`, type, a);
  if (r.status >= 300) throw new Error(`agenda webhook refused: ${r.status} ${r.body}`);
  return eventually(async () => {
    const q = await t.app.services.database.db.execute(sql`select id from teleconsultations where appointment_id = ${a.id} and appointment_version >= ${a.version}`);
    return (q as unknown as { rows: { id: string }[] }).rows[0]?.id;
  }, `appointment ${type} v${a.version} applied`);
}

/** Messages of one kind and channel (and status). */
export function pick(rows: Message[], kind: string, channel: string, status?: string): Message[] {
  return rows.filter((m) => m.kind === kind && m.channel === channel && (!status || m.status === status));
}

/** The sending job's dependencies, as the app builds them (for calling the job by hand). */
export function sendDeps(t: TestApp): SendDeps {
  const s = t.app.services;
  return {
    db: s.database.db, queue: s.queue, log: s.log, publicUrl: s.config.publicUrl, linkSecret: s.config.linkSecret,
    clinicDefaults: s.config.clinicDefaults, providers: t.app.notifications.providers, links: t.app.notifications.links, now: s.now,
  };
}
