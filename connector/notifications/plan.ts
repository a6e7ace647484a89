/**
 * The message plan of a teleconsultation, written in the transaction of the change that
 * causes it, with one durable job per due time planned in that same transaction: either
 * the change and its messages both exist, or neither does.
 *
 * - created: confirmation now, reminders at the clinic's offsets (future ones, before the
 *   invitation), invitation at start − invitationMinutesBefore (never in the past);
 * - moved: planned messages dropped; a `rescheduled` notice (or a confirmation, if the
 *   patient had not been told yet) and new reminders and invitation;
 * - cancelled: planned messages dropped; a `cancellation` notice if the patient was told;
 * - ended: planned messages dropped; an `ended` message.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ClinicSettings } from '../../config/schema.ts';
import type { Queryable, Tx } from '../db/client.ts';
import { messages, teleconsultations, type MessageChannel, type MessageExtraVars } from '../db/schema/index.ts';
import type { JobQueue, ManyJob } from '../jobs/queue.ts';
import { insertRows } from '../db/bulk.ts';
import type { ChangeListener, Teleconsultation } from '../teleconsultations/model.ts';
import { clinicSettings } from '../teleconsultations/clinic-settings.ts';
import type { MessageKind } from './templates/types.ts';

/** The pg-boss queue of message sends; a job carries the ids of the messages due together. */
export const SEND_QUEUE = 'notification-send';

/** Job payload of `SEND_QUEUE`. */
export interface SendJobData {
  messageIds: string[];
  /** The teleconsultation all these messages belong to (spares a look-up). */
  teleconsultationId?: string;
}

/** Kinds tied to one start time: dropped when it moves, not sent once it is past. */
export const SCHEDULE_KINDS: readonly MessageKind[] = ['confirmation', 'reminder', 'invitation', 'rescheduled'];
const CHANNELS: readonly MessageChannel[] = ['email', 'sms'];
/** Statuses meaning the patient has, or is being, told. */
const TOLD = ['sending', 'sent', 'delivered'] as const;

/** What planning needs. */
export interface PlanDeps {
  queue: JobQueue;
  clinicDefaults: ClinicSettings;
  now: () => Date;
}

/** One message to plan, on each of `channels`. */
interface PlanItem {
  kind: MessageKind;
  dueAt: Date;
  variant?: string;
  vars?: MessageExtraVars;
}

/** Why a channel cannot be used for this teleconsultation, or null when it can. */
export function channelProblem(t: Pick<Teleconsultation, 'patientEmail' | 'emailProblem' | 'patientMobile' | 'smsProblem'>, channel: MessageChannel): string | null {
  if (channel === 'email') return t.patientEmail ? null : `email_${t.emailProblem ?? 'missing'}`;
  return t.patientMobile ? null : `sms_${t.smsProblem ?? 'missing'}`;
}

/** A planned row as returned to callers. */
export interface PlannedMessage {
  id: string;
  kind: string;
  channel: MessageChannel;
  status: string;
  dueAt: Date;
  skipReason: string | null;
}

/**
 * Inserts messages (skipped at once when the channel has no usable contact) and plans one
 * job per due time for the planned ones. Rows that already exist (same teleconsultation,
 * kind, channel, version and variant) are left alone: planning twice is a no-op.
 */
async function insertPlan(deps: PlanDeps, tx: Tx, t: Teleconsultation, items: PlanItem[], channels: readonly MessageChannel[] = CHANNELS): Promise<PlannedMessage[]> {
  if (items.length === 0) return [];
  const inserted = await tx.insert(messages).values(planRows(t, items, channels, deps.now())).onConflictDoNothing()
    .returning({ id: messages.id, kind: messages.kind, channel: messages.channel, status: messages.status, dueAt: messages.dueAt, skipReason: messages.skipReason });
  await planJobs(deps, tx, t.id, inserted.filter((r) => r.status === 'planned'));
  return inserted;
}

/** The `messages` rows of a plan: skipped at once on a channel without a usable contact. */
function planRows(t: Teleconsultation, items: PlanItem[], channels: readonly MessageChannel[], now: Date) {
  return items.flatMap((item) => channels.map((channel) => {
    const problem = channelProblem(t, channel);
    return {
      clinicId: t.clinicId,
      teleconsultationId: t.id,
      kind: item.kind,
      channel,
      appointmentVersion: t.appointmentVersion,
      variant: item.variant ?? '',
      dueAt: item.dueAt,
      status: problem ? 'skipped' as const : 'planned' as const,
      skipReason: problem,
      vars: item.vars ?? {},
      createdAt: now,
      updatedAt: now,
    };
  }));
}

/** The send jobs of {@link planJobs}: one per distinct due time of one teleconsultation's messages. */
function sendJobs(teleconsultationId: string, rows: { id: string; dueAt: Date }[], now: number): ManyJob<SendJobData>[] {
  const byDue = new Map<number, string[]>();
  for (const r of rows) {
    const key = r.dueAt.getTime();
    byDue.set(key, [...(byDue.get(key) ?? []), r.id]);
  }
  return [...byDue].map(([due, ids]) => ({
    data: { messageIds: ids, teleconsultationId },
    ...(due > now ? { startAfter: new Date(due) } : {}),
    priority: duePriority(due),
  }));
}

/**
 * The plans of several new teleconsultations (a page of reconciliation), as `created` plans
 * each: the messages in one statement (chunked), their send jobs in one more.
 */
async function planCreated(deps: PlanDeps, tx: Tx, created: Teleconsultation[]): Promise<void> {
  if (created.length === 0) return;
  const now = deps.now();
  const settings = new Map<string, ClinicSettings>();
  for (const clinicId of new Set(created.map((t) => t.clinicId))) settings.set(clinicId, await clinicSettings(tx, clinicId, deps.clinicDefaults));
  const rows = created.flatMap((t) => planRows(t, schedule(t, settings.get(t.clinicId)!, now, { kind: 'confirmation', dueAt: now }), CHANNELS, now));
  const planned = new Map<string, { id: string; dueAt: Date }[]>();
  const inserted = await insertRows(tx, messages, rows, sql`on conflict do nothing
    returning id, teleconsultation_id, status, (extract(epoch from due_at) * 1000)::float8 as due_ms`);
  for (const r of inserted) {
    if (r.status !== 'planned') continue;
    const teleconsultationId = String(r.teleconsultation_id);
    planned.set(teleconsultationId, [...(planned.get(teleconsultationId) ?? []), { id: String(r.id), dueAt: new Date(Number(r.due_ms)) }]);
  }
  const jobs = [...planned].flatMap(([id, list]) => sendJobs(id, list, now.getTime()));
  await deps.queue.sendMany(SEND_QUEUE, jobs, { tx });
}

/** Plans one send job per distinct due time for messages of one teleconsultation, in the caller's transaction. */
export async function planJobs(deps: Pick<PlanDeps, 'queue' | 'now'>, tx: Queryable, teleconsultationId: string, rows: { id: string; dueAt: Date }[]): Promise<void> {
  for (const job of sendJobs(teleconsultationId, rows, deps.now().getTime())) {
    // Among due jobs the earliest-due goes first (pg-boss otherwise takes creation order).
    await deps.queue.send<SendJobData>(SEND_QUEUE, job.data, { tx, ...(job.startAfter ? { startAfter: job.startAfter } : {}), priority: job.priority });
  }
}

/** Higher for earlier due times; whole seconds from 2020 keep it within PostgreSQL's int. */
export function duePriority(dueMs: number): number {
  return -Math.floor((dueMs - Date.UTC(2020, 0, 1)) / 1000);
}

/** The confirmation-or-notice, reminders and invitation for the teleconsultation's current start. */
function schedule(t: Teleconsultation, settings: ClinicSettings, now: Date, first: PlanItem): PlanItem[] {
  const start = t.startsAt.getTime();
  const invitationAt = Math.max(now.getTime(), start - settings.invitationMinutesBefore * 60_000);
  const items: PlanItem[] = [first];
  for (const offset of [...new Set(settings.reminderOffsetsMinutes)].sort((a, b) => b - a)) {
    const at = start - offset * 60_000;
    if (at > now.getTime() && at < invitationAt) items.push({ kind: 'reminder', variant: `r${offset}`, dueAt: new Date(at) });
  }
  items.push({ kind: 'invitation', dueAt: new Date(invitationAt) });
  return items;
}

/** Drops the not-yet-sent messages of some kinds; returns how many. */
export async function cancelMessages(tx: Queryable, input: { teleconsultationId: string; kinds: readonly string[]; reason: string; at: Date }): Promise<number> {
  const dropped = await tx.update(messages)
    .set({ status: 'cancelled', skipReason: input.reason, updatedAt: input.at })
    .where(and(eq(messages.teleconsultationId, input.teleconsultationId), inArray(messages.kind, [...input.kinds]), eq(messages.status, 'planned')))
    .returning({ id: messages.id });
  return dropped.length;
}

/** True when a confirmation or notice of the appointment reached (or is reaching) the patient. */
async function patientWasTold(tx: Tx, teleconsultationId: string): Promise<boolean> {
  const rows = await tx.select({ id: messages.id }).from(messages)
    .where(and(eq(messages.teleconsultationId, teleconsultationId), inArray(messages.kind, [...SCHEDULE_KINDS]), inArray(messages.status, [...TOLD])))
    .limit(1);
  return rows.length > 0;
}

/**
 * The change listener: plans the messages of each teleconsultation change in its
 * transaction (see the module comment for the rules).
 */
export function messagePlanListener(deps: PlanDeps): ChangeListener {
  const one: ChangeListener = async (tx, change) => {
    const t = change.teleconsultation;
    const now = deps.now();
    switch (change.kind) {
      case 'created': {
        const settings = await clinicSettings(tx, t.clinicId, deps.clinicDefaults);
        await insertPlan(deps, tx, t, schedule(t, settings, now, { kind: 'confirmation', dueAt: now }));
        return;
      }
      case 'updated': {
        const previous = change.previous;
        if (t.startsAt.getTime() === previous.startsAt.getTime()) {
          // Same start: the plan stays right and follows the appointment's new version (sent
          // rows too, so that a fallback of a sent SMS belongs to the current version).
          await tx.update(messages).set({ appointmentVersion: t.appointmentVersion, updatedAt: now })
            .where(and(
              eq(messages.teleconsultationId, t.id),
              eq(messages.appointmentVersion, previous.appointmentVersion),
              inArray(messages.kind, [...SCHEDULE_KINDS]),
            ));
          return;
        }
        const told = await patientWasTold(tx, t.id);
        await cancelMessages(tx, { teleconsultationId: t.id, kinds: SCHEDULE_KINDS, reason: 'moved', at: now });
        const settings = await clinicSettings(tx, t.clinicId, deps.clinicDefaults);
        const first: PlanItem = told
          ? { kind: 'rescheduled', dueAt: now, vars: { previousStartsAt: previous.startsAt.toISOString() } }
          : { kind: 'confirmation', dueAt: now };
        await insertPlan(deps, tx, t, schedule(t, settings, now, first));
        return;
      }
      case 'cancelled': {
        const told = await patientWasTold(tx, t.id);
        await cancelMessages(tx, { teleconsultationId: t.id, kinds: SCHEDULE_KINDS, reason: 'appointment_cancelled', at: now });
        if (told) await insertPlan(deps, tx, t, [{ kind: 'cancellation', dueAt: now }]);
        return;
      }
      case 'ended': {
        await cancelMessages(tx, { teleconsultationId: t.id, kinds: SCHEDULE_KINDS, reason: 'ended', at: now });
        await insertPlan(deps, tx, t, [{ kind: 'ended', dueAt: now }]);
        return;
      }
    }
  };
  one.many = async (tx, changes) => {
    await planCreated(deps, tx, changes.filter((c) => c.kind === 'created').map((c) => c.teleconsultation));
    for (const change of changes) if (change.kind !== 'created') await one(tx, change);
  };
  return one;
}

/** What `planMessage` plans. */
export interface PlanMessageInput {
  teleconsultationId: string;
  kind: MessageKind;
  /** When to send; now when absent or past. */
  dueAt?: Date;
  /** Links and amounts the message needs beyond the teleconsultation (e.g. paymentUrl, amount). */
  vars?: MessageExtraVars;
  /** Channels to use (both by default). */
  channels?: readonly MessageChannel[];
  /** Tells apart several messages of one kind for the same appointment version (e.g. an invoice id). */
  variant?: string;
}

/**
 * Plans one message (on both channels unless told otherwise) in the caller's transaction,
 * for the billing module's `payment_request` and `payment_reminder` and for any other
 * feature. Idempotent for the same (teleconsultation, kind, channel, version, variant).
 * Throws when the teleconsultation does not exist.
 */
export async function planMessage(deps: PlanDeps, tx: Tx, input: PlanMessageInput): Promise<PlannedMessage[]> {
  const [t] = await tx.select().from(teleconsultations).where(eq(teleconsultations.id, input.teleconsultationId));
  if (!t) throw new Error(`planMessage: unknown teleconsultation ${input.teleconsultationId}`);
  const now = deps.now();
  const dueAt = input.dueAt && input.dueAt.getTime() > now.getTime() ? input.dueAt : now;
  return insertPlan(deps, tx, t, [{ kind: input.kind, dueAt, variant: input.variant, vars: input.vars }], input.channels ?? CHANNELS);
}
