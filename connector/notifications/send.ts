/**
 * The sending job, a batch of jobs at a time: at due time, the messages of every job the
 * worker fetched are claimed in one transaction (`claim.ts`: checked again under row locks,
 * dropped or marked `sending`, committed BEFORE any provider is called), then each goes to
 * its provider concurrently and is marked `sent` as soon as the provider took it (group
 * commit: acceptances that arrive together share one statement, never one per batch). A
 * crash between the provider's acceptance and that commit leaves `sending`: the retried job
 * sends again, which is the one duplicate a crash may cost (counted in `attempts`); a message
 * claimed but not yet sent is sent once by the retry, and one already recorded `sent` is not.
 *
 * Provider outages (retryable errors) put the message back to `planned` and fail its job (only
 * that job of the batch) so pg-boss retries it with backoff; permanent refusals mark it
 * `failed`, and a refused SMS falls back to email when no email of that kind reaches the
 * patient otherwise.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { ClinicSettings } from '../../config/schema.ts';
import type { Db, Queryable } from '../db/client.ts';
import { messages } from '../db/schema/index.ts';
import { createBatcher } from '../jobs/batcher.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { claimMessages, type Message, type Prepared } from './claim.ts';
import type { SendJobData } from './plan.ts';
import { ProviderError, type EmailProvider, type SmsProvider } from './providers/types.ts';
import { fallbackToEmail, markFailed, SMS_FALLBACK_CODES } from './status.ts';
import { renderMessage } from './templates/render-message.ts';
import { TemplateError, type MessageKind, type RenderedMessage } from './templates/types.ts';

export type { Message } from './claim.ts';

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

/** A provider's acceptance of one message, to record. */
interface Acceptance {
  id: string;
  provider: string;
  providerId: string;
}

/** Records providers' acceptances in one statement; never moves a status back (a callback may have come first). */
async function markSentMany(deps: SendDeps, rows: Acceptance[]): Promise<void[]> {
  const now = deps.now().toISOString();
  const values = sql.join(rows.map((r) => sql`(${r.id}::uuid, ${r.provider}::text, ${r.providerId || null}::text)`), sql`, `);
  await deps.db.execute(sql`
    update ${messages} m set
      status = case when m.status in ('planned', 'sending') then 'sent' else m.status end,
      provider = v.provider, provider_id = v.provider_id,
      sent_at = coalesce(m.sent_at, ${now}::timestamptz), last_error_code = null, updated_at = ${now}::timestamptz
    from (values ${values}) as v(id, provider, provider_id)
    where m.id = v.id`);
  return rows.map(() => undefined);
}

/** What the messages of one batch share while they are sent. */
interface BatchContext {
  /** Records an acceptance, together with those that arrive in the same turn of the event loop. */
  recordSent: (a: Acceptance) => Promise<void>;
  /** Rendered messages by teleconsultation, kind, variant and variables: the email and the SMS of one message are written once. */
  rendered: Map<string, RenderedMessage | TemplateError>;
}

function batchContext(deps: SendDeps): BatchContext {
  return { recordSent: createBatcher((rows: Acceptance[]) => markSentMany(deps, rows), { maxBatch: 500 }), rendered: new Map() };
}

function render(ctx: BatchContext, p: Prepared): RenderedMessage {
  const key = `${p.t.id}\u0000${p.m.kind}\u0000${p.m.variant}\u0000${JSON.stringify(p.m.vars)}`;
  let r = ctx.rendered.get(key);
  if (!r) {
    try {
      r = renderMessage(p.m.kind as MessageKind, p.vars, p.t.patient.locale);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      r = err;
    }
    ctx.rendered.set(key, r);
  }
  if (r instanceof TemplateError) throw r;
  return r;
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
async function deliver(deps: SendDeps, ctx: BatchContext, p: Prepared, opts: { lastAttempt: () => Promise<boolean> }): Promise<'done' | 'retry'> {
  const { m, t } = p;
  const log = deps.log.child({ messageId: m.id, kind: m.kind, channel: m.channel, teleconsultationId: t.id });
  if (p.resumed) log.warn({ attempts: m.attempts + 1 }, 'message was being sent when its previous attempt stopped: sending again');
  const provider = deps.providers[m.channel];
  let rendered;
  try {
    rendered = render(ctx, p);
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
    await ctx.recordSent({ id: m.id, provider: provider.name, providerId: result.providerId });
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
 * Sends messages if they are (still) due: one transaction re-checks and claims them, then
 * each goes to its provider concurrently. Returns 'retry' when a provider was unavailable.
 */
export async function sendMessages(deps: SendDeps, ids: string[], opts: { lastAttempt: () => Promise<boolean>; teleconsultationId?: string }): Promise<'done' | 'retry'> {
  const [prepared = []] = await claimMessages(deps, [{ ids, ...(opts.teleconsultationId ? { teleconsultationId: opts.teleconsultationId } : {}) }]);
  const ctx = batchContext(deps);
  const outcomes = await Promise.all(prepared.map((p) => deliver(deps, ctx, p, opts)));
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

/** One job of `SEND_QUEUE`, as the queue hands it out. */
export interface SendJob {
  id: string;
  retryCount: number;
  data: SendJobData;
}

/**
 * The batch handler of `SEND_QUEUE`: claims the messages of all the jobs at once, sends them
 * concurrently, and settles each job on its own. Returns the jobs to retry, with why: a
 * provider was unavailable for one of their messages (`RetryLater`), or something unexpected
 * happened while sending them; the others are done.
 */
export async function runSendBatch(deps: SendDeps, jobs: SendJob[]): Promise<Map<string, Error>> {
  const requests = jobs.map((job) => {
    const data = job.data;
    const ids = Array.isArray(data.messageIds) ? data.messageIds.filter((x): x is string => typeof x === 'string') : [];
    const teleconsultationId = typeof data.teleconsultationId === 'string' ? data.teleconsultationId : undefined;
    return { ids, ...(teleconsultationId ? { teleconsultationId } : {}) };
  });
  const claimed = await claimMessages(deps, requests);
  const ctx = batchContext(deps);
  const failures = new Map<string, Error>();
  await Promise.all(jobs.map(async (job, i) => {
    let last: Promise<boolean> | undefined;
    // The retry count pg-boss handed out may be stale for an expired job: read it when it matters.
    const lastAttempt = () => (last ??= jobRetryCount(deps.db, job.id).then((n) => Math.max(n, job.retryCount) >= SEND_RETRY_LIMIT));
    const outcomes = await Promise.allSettled(claimed[i]!.map((p) => deliver(deps, ctx, p, { lastAttempt })));
    const thrown = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (thrown) failures.set(job.id, thrown.reason instanceof Error ? thrown.reason : new Error(String(thrown.reason)));
    else if (outcomes.some((o) => o.status === 'fulfilled' && o.value === 'retry')) failures.set(job.id, new RetryLater('a provider was unavailable: retrying with backoff'));
  }));
  return failures;
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
