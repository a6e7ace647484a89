/**
 * Where a message stands after it left us: statuses only move forward, whatever the order
 * or the number of times the providers report them, and a refused or undelivered SMS
 * falls back to email when nothing else of that kind reaches the patient by email.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable, Tx } from '../db/client.ts';
import { messages, teleconsultations, type MessageChannel, type MessageStatus } from '../db/schema/index.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { channelProblem, planJobs } from './plan.ts';
import type { ProviderErrorCode } from './providers/types.ts';

/** Order of statuses: a report never moves a message to a lower rank. Final ones share the top. */
export const STATUS_RANK: Readonly<Record<MessageStatus, number>> = {
  planned: 0, sending: 1, sent: 2, delivered: 3, failed: 4, bounced: 4, skipped: 4, cancelled: 4,
};

/** Provider refusals of an SMS after which email is tried instead. */
export const SMS_FALLBACK_CODES: ReadonlySet<ProviderErrorCode> = new Set(['SMS_OPTED_OUT', 'SMS_INVALID_NUMBER', 'SMS_UNROUTABLE', 'SMS_REJECTED']);

/** Statuses of an email that reaches, or will reach, the patient. */
const EMAIL_ALIVE: MessageStatus[] = ['planned', 'sending', 'sent', 'delivered'];

function lowerThan(status: MessageStatus): MessageStatus[] {
  return (Object.keys(STATUS_RANK) as MessageStatus[]).filter((s) => STATUS_RANK[s] < STATUS_RANK[status]);
}

/** Marks a message failed (unless it already reached a final status). */
export async function markFailed(q: Queryable, id: string, code: string, at: Date): Promise<void> {
  await q.update(messages).set({ status: 'failed', lastErrorCode: code, updatedAt: at })
    .where(and(eq(messages.id, id), inArray(messages.status, lowerThan('failed'))));
}

/** A delivery report, in our words. */
export interface DeliveryReport {
  /** Our message id, when the provider echoed it back. */
  messageId?: string;
  /** The provider's id of the message, to match when ours is absent. */
  providerId?: string;
  channel: MessageChannel;
  status: 'sent' | 'delivered' | 'failed' | 'bounced';
  errorCode?: string;
  at: Date;
}

/** What applying a report did. */
export type DeliveryOutcome =
  | { result: 'unknown' }
  | { result: 'unchanged' | 'updated'; messageId: string; status: MessageStatus };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Applies a delivery report if it moves the message forward; a duplicate or late report
 * changes nothing. Matches by our id first, then by the provider's id, on the report's channel.
 */
export async function recordDelivery(tx: Tx, report: DeliveryReport): Promise<DeliveryOutcome> {
  const byId = report.messageId && UUID.test(report.messageId) ? eq(messages.id, report.messageId) : undefined;
  const match = byId ?? (report.providerId ? eq(messages.providerId, report.providerId) : undefined);
  if (!match) return { result: 'unknown' };
  const [m] = await tx.select({ id: messages.id, status: messages.status }).from(messages)
    .where(and(match, eq(messages.channel, report.channel))).limit(1).for('update');
  if (!m) return { result: 'unknown' };
  if (STATUS_RANK[m.status] >= STATUS_RANK[report.status]) return { result: 'unchanged', messageId: m.id, status: m.status };
  await tx.update(messages).set({
    status: report.status,
    ...(report.status === 'delivered' ? { deliveredAt: report.at } : {}),
    ...(report.errorCode ? { lastErrorCode: report.errorCode } : {}),
    ...(m.status === 'planned' || m.status === 'sending' ? { sentAt: sql`coalesce(${messages.sentAt}, ${report.at.toISOString()}::timestamptz)` } : {}),
    updatedAt: new Date(),
  }).where(eq(messages.id, m.id));
  return { result: 'updated', messageId: m.id, status: report.status };
}

/**
 * Plans an email in place of a failed SMS, in the caller's transaction, when the patient has
 * a usable email and no email of the same kind and version is planned, sent or delivered.
 * Returns the new message's id, or null when no fallback is needed or possible.
 */
export async function fallbackToEmail(deps: { queue: JobQueue; now: () => Date }, tx: Tx, smsId: string): Promise<string | null> {
  const [head] = await tx.select({ teleconsultationId: messages.teleconsultationId }).from(messages).where(eq(messages.id, smsId));
  if (!head) return null;
  const [t] = await tx.select().from(teleconsultations).where(eq(teleconsultations.id, head.teleconsultationId)).for('share');
  const [sms] = await tx.select().from(messages).where(eq(messages.id, smsId));
  if (!t || !sms || sms.channel !== 'sms' || channelProblem(t, 'email')) return null;
  const variant = sms.variant ? `fallback:${sms.variant}` : 'fallback';
  const alive = await tx.select({ id: messages.id }).from(messages).where(and(
    eq(messages.teleconsultationId, t.id), eq(messages.kind, sms.kind), eq(messages.channel, 'email'),
    eq(messages.appointmentVersion, sms.appointmentVersion), inArray(messages.variant, [sms.variant, variant]),
    inArray(messages.status, EMAIL_ALIVE),
  )).limit(1);
  if (alive.length > 0) return null;
  const now = deps.now();
  const [row] = await tx.insert(messages).values({
    clinicId: sms.clinicId,
    teleconsultationId: sms.teleconsultationId,
    kind: sms.kind,
    channel: 'email',
    appointmentVersion: sms.appointmentVersion,
    variant,
    dueAt: now,
    status: 'planned',
    fallbackOf: sms.id,
    vars: sms.vars,
    createdAt: now,
    updatedAt: now,
  }).onConflictDoNothing().returning({ id: messages.id, dueAt: messages.dueAt });
  if (!row) return null;
  await planJobs(deps, tx, sms.teleconsultationId, [row]);
  return row.id;
}
