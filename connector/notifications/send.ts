/**
 * The sending job: at due time, each message is checked again under row locks and either
 * dropped (no longer right) or marked `sending` and committed BEFORE the provider is
 * called, then marked `sent`. A crash between the two leaves `sending`: the retried job
 * sends again, which is the one duplicate a crash may cost (counted in `attempts`).
 *
 * Provider outages (retryable errors) put the message back to `planned` and fail the job
 * so pg-boss retries it with backoff; permanent refusals mark it `failed`, and a refused
 * SMS falls back to email when no email of that kind reaches the patient otherwise.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { ClinicSettings } from '../../config/schema.ts';
import type { Db, Queryable } from '../db/client.ts';
import { clinics, messages, teleconsultations, type MessageExtraVars } from '../db/schema/index.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Teleconsultation } from '../teleconsultations/model.ts';
import { mergeClinicSettings } from '../teleconsultations/clinic-settings.ts';
import { activeLinks, linkUrl } from '../teleconsultations/links.ts';
import { channelProblem, SCHEDULE_KINDS, type SendJobData } from './plan.ts';
import { ProviderError, type EmailProvider, type SmsProvider } from './providers/types.ts';
import { fallbackToEmail, markFailed, SMS_FALLBACK_CODES } from './status.ts';
import { renderMessage } from './templates/render-message.ts';
import { TemplateError, type MessageKind, type MessageVars } from './templates/types.ts';

export type Message = typeof messages.$inferSelect;

/** Attempts of one send job before a still-failing message is given up as `failed`. */
export const SEND_RETRY_LIMIT = 12;

/** Links the billing and files modules contribute to the `ended` and payment messages. */
export interface MessageLinkRegistry {
  /** The payment link (and amount) of the teleconsultation's open invoice, if any. */
  payment?: (q: Queryable, teleconsultationId: string) => Promise<{ url: string; amount?: { value: number; currency: string } } | undefined>;
  /** The link to download the documents shared during the teleconsultation, if any. */
  documentsUrl?: (q: Queryable, teleconsultationId: string) => Promise<string | undefined>;
}

/** The providers messages go through, one per channel (real or dev outbox). */
export interface ChannelProviders {
  email: EmailProvider;
  sms: SmsProvider;
}

/** What sending needs. */
export interface SendDeps {
  db: Db;
  queue: JobQueue;
  log: Logger;
  publicUrl: string;
  linkSecret: string;
  clinicDefaults: ClinicSettings;
  providers: ChannelProviders;
  links: MessageLinkRegistry;
  now: () => Date;
}

/** Why a message is no longer to be sent, or null when it still is. */
export function staleness(m: Pick<Message, 'kind' | 'appointmentVersion'>, t: Teleconsultation, now: Date): { status: 'cancelled' | 'skipped'; reason: string } | null {
  const end = t.startsAt.getTime() + t.durationMinutes * 60_000;
  if ((SCHEDULE_KINDS as readonly string[]).includes(m.kind)) {
    if (t.status === 'cancelled') return { status: 'cancelled', reason: 'appointment_cancelled' };
    if (m.appointmentVersion !== t.appointmentVersion) return { status: 'cancelled', reason: 'superseded' };
    if (t.status === 'in_progress' || t.status === 'ended' || t.startedAt || t.endedAt) return { status: 'skipped', reason: 'already_started' };
    if ((m.kind === 'reminder' || m.kind === 'invitation') && t.status === 'waiting') return { status: 'skipped', reason: 'already_waiting' };
    if (m.kind === 'reminder' && now.getTime() >= t.startsAt.getTime()) return { status: 'skipped', reason: 'too_late' };
    if (now.getTime() >= end) return { status: 'skipped', reason: 'too_late' };
    return null;
  }
  if (m.kind === 'cancellation') {
    if (t.status !== 'cancelled') return { status: 'cancelled', reason: 'no_longer_cancelled' };
    if (m.appointmentVersion !== t.appointmentVersion) return { status: 'cancelled', reason: 'superseded' };
  }
  if (m.kind === 'ended' && t.status !== 'ended') return { status: 'cancelled', reason: 'not_ended' };
  return null;
}

interface Prepared {
  m: Message;
  t: Teleconsultation;
  resumed: boolean;
  vars: MessageVars;
  fromName: string;
}

/**
 * Locks the messages of one job (teleconsultation first, then its messages: the lock order
 * of the agenda changes, so no deadlock), re-checks each, marks the ones to send `sending`
 * and commits. Returns what to send; messages no longer right are marked and left out.
 */
async function prepare(deps: SendDeps, ids: string[], teleconsultationId?: string): Promise<Prepared[]> {
  if (ids.length === 0) return [];
  return deps.db.transaction(async (tx) => {
    const heads = teleconsultationId
      ? [{ teleconsultationId }]
      : await tx.selectDistinct({ teleconsultationId: messages.teleconsultationId }).from(messages).where(inArray(messages.id, ids));
    const out: Prepared[] = [];
    for (const { teleconsultationId } of heads) {
      const [row] = await tx.select({ t: teleconsultations, clinicName: clinics.name, clinicSettings: clinics.settings }).from(teleconsultations)
        .leftJoin(clinics, eq(clinics.id, teleconsultations.clinicId))
        .where(eq(teleconsultations.id, teleconsultationId)).for('share', { of: teleconsultations });
      const t = row?.t;
      const locked = await tx.select().from(messages)
        .where(and(inArray(messages.id, ids), eq(messages.teleconsultationId, teleconsultationId))).orderBy(messages.id).for('update');
      if (!t) continue;
      const now = deps.now();
      const toSend: Message[] = [];
      for (const m of locked) {
        if (m.status !== 'planned' && m.status !== 'sending') continue;
        const stale = staleness(m, t, now);
        const problem = stale ? null : deps.providers[m.channel].off ? 'channel_off' : channelProblem(t, m.channel);
        if (stale || problem) {
          await tx.update(messages).set({ status: stale?.status ?? 'skipped', skipReason: stale?.reason ?? problem, updatedAt: now }).where(eq(messages.id, m.id));
          deps.log.info({ messageId: m.id, kind: m.kind, channel: m.channel, teleconsultationId: t.id, status: stale?.status ?? 'skipped', reason: stale?.reason ?? problem }, 'message not sent');
        } else toSend.push(m);
      }
      if (toSend.length === 0) continue;
      await tx.update(messages).set({
        status: 'sending',
        attempts: sql`${messages.attempts} + 1`,
        provider: sql`case when ${messages.channel} = 'email' then ${deps.providers.email.name} else ${deps.providers.sms.name} end`,
        updatedAt: now,
      }).where(inArray(messages.id, toSend.map((m) => m.id)));

      const settings = mergeClinicSettings(deps.clinicDefaults, row.clinicSettings);
      const linkIds = await activeLinks(tx, t.id);
      for (const m of toSend) {
        const extra: MessageExtraVars = { ...m.vars };
        if (m.kind === 'ended' || m.kind === 'payment_request' || m.kind === 'payment_reminder') {
          if (!extra.paymentUrl && deps.links.payment) {
            const pay = await deps.links.payment(tx, t.id);
            if (pay) { extra.paymentUrl = pay.url; if (pay.amount && !extra.amount) extra.amount = pay.amount; }
          }
          if (!extra.documentsUrl && deps.links.documentsUrl) extra.documentsUrl = await deps.links.documentsUrl(tx, t.id);
        }
        const vars: MessageVars = {
          patientFirstName: t.patient.firstName,
          practitionerName: t.practitioner.name,
          clinicName: row.clinicName ?? settings.senderName,
          startsAt: t.startsAt,
          timezone: t.practitioner.timezone,
          ...(linkIds.patient ? { patientUrl: linkUrl(deps.publicUrl, deps.linkSecret, linkIds.patient) } : {}),
          ...(extra.previousStartsAt ? { previousStartsAt: new Date(extra.previousStartsAt) } : {}),
          ...(extra.paymentUrl ? { paymentUrl: extra.paymentUrl } : {}),
          ...(extra.documentsUrl ? { documentsUrl: extra.documentsUrl } : {}),
          ...(extra.amount ? { amount: extra.amount } : {}),
        };
        out.push({ m, t, resumed: m.status === 'sending', vars, fromName: settings.senderName });
      }
    }
    return out;
  });
}

/** Records the provider's acceptance; never moves a status back (a callback may have come first). */
async function markSent(deps: SendDeps, id: string, provider: string, providerId: string): Promise<void> {
  const now = deps.now();
  await deps.db.update(messages).set({
    status: sql`case when ${messages.status} in ('planned', 'sending') then 'sent' else ${messages.status} end`,
    provider,
    providerId: providerId || null,
    sentAt: sql`coalesce(${messages.sentAt}, ${now.toISOString()}::timestamptz)`,
    lastErrorCode: null,
    updatedAt: now,
  }).where(eq(messages.id, id));
}

/** The status callback URL given to Twilio for one message (validated against the same URL). */
export function smsStatusCallbackUrl(publicUrl: string, messageId: string): string {
  return `${publicUrl}/webhooks/twilio/status?m=${encodeURIComponent(messageId)}`;
}

/**
 * Sends one prepared message. Returns 'retry' when the provider was unavailable and the job
 * should run again; throws on anything unexpected (the job is retried, and a message left
 * `sending` is sent again).
 */
async function deliver(deps: SendDeps, p: Prepared, opts: { lastAttempt: () => Promise<boolean> }): Promise<'done' | 'retry'> {
  const { m, t } = p;
  const log = deps.log.child({ messageId: m.id, kind: m.kind, channel: m.channel, teleconsultationId: t.id });
  if (p.resumed) log.warn({ attempts: m.attempts + 1 }, 'message was being sent when its previous attempt stopped: sending again');
  const provider = deps.providers[m.channel];
  let rendered;
  try {
    rendered = renderMessage(m.kind as MessageKind, p.vars, t.patient.locale);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    await markFailed(deps.db, m.id, err.code, deps.now());
    log.error({ code: err.code, variable: err.variable }, 'message cannot be written');
    return 'done';
  }
  try {
    const result = m.channel === 'email'
      ? await deps.providers.email.sendEmail({ to: t.patientEmail ?? '', subject: rendered.email.subject, html: rendered.email.html, text: rendered.email.text, fromName: p.fromName, messageRef: m.id })
      : await deps.providers.sms.sendSms({ to: t.patientMobile ?? '', body: rendered.sms, messageRef: m.id, statusCallbackUrl: smsStatusCallbackUrl(deps.publicUrl, m.id) });
    await markSent(deps, m.id, provider.name, result.providerId);
    log.info({ provider: provider.name, attempts: m.attempts + 1 }, 'message sent');
    return 'done';
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    if (err.retryable && !(await opts.lastAttempt())) {
      await deps.db.update(messages).set({ status: 'planned', lastErrorCode: err.code, updatedAt: deps.now() })
        .where(sql`${messages.id} = ${m.id} and ${messages.status} = 'sending'`);
      log.warn({ code: err.code, status: err.status, providerCode: err.providerCode }, 'provider unavailable: message will be retried');
      return 'retry';
    }
    await markFailed(deps.db, m.id, err.code, deps.now());
    log.warn({ code: err.code, status: err.status, providerCode: err.providerCode }, 'message refused by the provider');
    if (m.channel === 'sms' && SMS_FALLBACK_CODES.has(err.code)) {
      const fallbackId = await deps.db.transaction((tx) => fallbackToEmail({ queue: deps.queue, now: deps.now }, tx, m.id));
      if (fallbackId) log.info({ fallbackId }, 'SMS refused: falling back to email');
    }
    return 'done';
  }
}

/**
 * Sends messages if they are (still) due: one transaction re-checks and marks them, then
 * each goes to its provider concurrently. Returns 'retry' when a provider was unavailable.
 */
export async function sendMessages(deps: SendDeps, ids: string[], opts: { lastAttempt: () => Promise<boolean>; teleconsultationId?: string }): Promise<'done' | 'retry'> {
  const prepared = await prepare(deps, ids, opts.teleconsultationId);
  const outcomes = await Promise.all(prepared.map((p) => deliver(deps, p, opts)));
  return outcomes.includes('retry') ? 'retry' : 'done';
}

/** Sends one message if it is (still) due (see `sendMessages`). */
export async function sendMessage(deps: SendDeps, id: string, opts: { lastAttempt: () => Promise<boolean> }): Promise<'done' | 'retry'> {
  return sendMessages(deps, [id], opts);
}

/** Thrown to make pg-boss retry a job with backoff (a provider was unavailable). */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
}

/** The job handler of `SEND_QUEUE`: sends the job's messages concurrently. */
export async function runSendJob(deps: SendDeps, data: SendJobData, meta: { id: string; retryCount: number }): Promise<void> {
  const ids = Array.isArray(data.messageIds) ? data.messageIds.filter((x): x is string => typeof x === 'string') : [];
  let last: Promise<boolean> | undefined;
  // The queue's handler does not carry pg-boss's retry count: read it when it matters.
  const lastAttempt = () => (last ??= jobRetryCount(deps.db, meta.id).then((n) => Math.max(n, meta.retryCount) >= SEND_RETRY_LIMIT));
  const teleconsultationId = typeof data.teleconsultationId === 'string' ? data.teleconsultationId : undefined;
  if ((await sendMessages(deps, ids, { lastAttempt, ...(teleconsultationId ? { teleconsultationId } : {}) })) === 'retry') throw new RetryLater('a provider was unavailable: retrying with backoff');
}

/** How many times pg-boss has retried a job (0 when unknown). */
async function jobRetryCount(db: Db, jobId: string): Promise<number> {
  try {
    const r = await db.execute(sql`select retry_count from pgboss.job where id = ${jobId}::uuid`);
    const row = (r as unknown as { rows: { retry_count: number }[] }).rows[0];
    return row?.retry_count ?? 0;
  } catch {
    return 0;
  }
}

/** Messages of a teleconsultation, oldest first (for pages and tests). */
export async function messagesOf(q: Queryable, teleconsultationId: string): Promise<Message[]> {
  return q.select().from(messages).where(eq(messages.teleconsultationId, teleconsultationId)).orderBy(messages.createdAt, messages.dueAt);
}

/** Messages by id (for tests and the outbox page). */
export async function messagesById(q: Queryable, ids: string[]): Promise<Message[]> {
  if (ids.length === 0) return [];
  return q.select().from(messages).where(inArray(messages.id, ids));
}
