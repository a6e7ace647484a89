/**
 * Keeps the agenda and us in step, both ways:
 * - write-back: the "Rejoindre" link, patient link, status and payment go to the agenda
 *   with `PUT /appointments/{id}/teleconsultation`, as a durable job retried with backoff;
 * - reconciliation: pages through `GET /appointments?updatedSince=` at start-up and on a
 *   schedule, so that a missed webhook is caught up, and re-plans any write-back that
 *   exhausted its retries.
 */
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, Tx } from '../db/client.ts';
import { syncState, teleconsultations, webhookReceipts } from '../db/schema/index.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { applyAppointment, type ApplyContext, type ApplyOutcome } from '../teleconsultations/apply.ts';
import { applyAppointments } from '../teleconsultations/apply-page.ts';
import type { ChangeListener } from '../teleconsultations/model.ts';
import { latestLinks, linkUrl } from '../teleconsultations/links.ts';
import type { AgendaEventType, Appointment, AppointmentRef, TeleconsultationWriteBack } from './appointment.ts';
import type { AgendaClient } from './client.ts';

export const AGENDA_EVENT_QUEUE = 'agenda-event';
export const WRITEBACK_QUEUE = 'agenda-writeback';
export const RECONCILE_QUEUE = 'agenda-reconcile';
const WATERMARK_KEY = 'agenda.updatedSince';
/** Re-read a little before the last change seen: clocks differ and pages race with writes. */
const WATERMARK_OVERLAP_MS = 5 * 60_000;
/** Pages of a reconciliation applied at once, each in its own transaction. */
const PAGES_IN_FLIGHT = 2;

/** Contributes the payment part of the write-back (the billing module provides it). */
export type PaymentWriteBack = (q: Database['db'], teleconsultationId: string) => Promise<TeleconsultationWriteBack['payment']>;

export interface AgendaSyncDeps {
  database: Database;
  queue: JobQueue;
  client: AgendaClient;
  log: Logger;
  publicUrl: string;
  linkSecret: string;
  apply: ApplyContext;
  payment?: PaymentWriteBack;
}

/** A verified agenda webhook, waiting to be applied. */
export type AgendaEventJob = { deliveryId: string; type: AgendaEventType } & ({ appointment: Appointment } | { deleted: AppointmentRef });

/**
 * Applies a received agenda event exactly once: the delivery id is recorded in the same
 * transaction as its effect, so a job that runs twice (a crash before it was marked done) or
 * a replay that arrives after the job was cleaned away finds it done. Older versions than
 * the one applied change nothing, whatever the order (see apply.ts).
 */
export async function applyAgendaEvent(deps: AgendaSyncDeps, job: AgendaEventJob): Promise<ApplyOutcome | 'duplicate'> {
  return deps.database.db.transaction(async (tx) => {
    const fresh = await tx.insert(webhookReceipts).values({ source: 'agenda', deliveryId: job.deliveryId, eventType: job.type })
      .onConflictDoNothing().returning({ id: webhookReceipts.deliveryId });
    if (fresh.length === 0) return 'duplicate';
    return applyAppointment(tx, deps.apply, 'appointment' in job ? { appointment: job.appointment } : { deleted: job.deleted }, { kind: 'webhook', source: 'agenda', delivery: job.deliveryId });
  });
}

/** Plans a write-back in the transaction of the change that needs it. */
export async function planWriteBack(queue: JobQueue, tx: Tx, teleconsultationId: string): Promise<void> {
  await queue.send(WRITEBACK_QUEUE, { teleconsultationId }, { tx, singletonKey: teleconsultationId });
}

/** The change listener that plans a write-back whenever the agenda has something to learn. */
export function writeBackListener(queue: JobQueue): ChangeListener {
  const one: ChangeListener = async (tx, change) => {
    const t = change.teleconsultation;
    if (t.revision > t.agendaRevision) await planWriteBack(queue, tx, t.id);
  };
  one.many = async (tx, changes) => {
    const due = [...new Set(changes.map((c) => c.teleconsultation).filter((t) => t.revision > t.agendaRevision).map((t) => t.id))];
    await queue.sendMany(WRITEBACK_QUEUE, due.map((id) => ({ data: { teleconsultationId: id }, singletonKey: id })), { tx });
  };
  return one;
}

/** Builds what the agenda should show for a teleconsultation, from the database. */
export async function writeBackBody(deps: AgendaSyncDeps, teleconsultationId: string): Promise<{ appointmentId: string; revision: number; agendaRevision: number; body: TeleconsultationWriteBack } | null> {
  const { db } = deps.database;
  const [t] = await db.select().from(teleconsultations).where(eq(teleconsultations.id, teleconsultationId));
  if (!t) return null;
  const links = await latestLinks(db, t.id);
  if (!links.practitioner || !links.patient) return null;
  return {
    appointmentId: t.appointmentId,
    revision: t.revision,
    agendaRevision: t.agendaRevision,
    body: {
      joinUrl: linkUrl(deps.publicUrl, deps.linkSecret, links.practitioner),
      patientUrl: linkUrl(deps.publicUrl, deps.linkSecret, links.patient),
      status: t.status,
      payment: deps.payment ? await deps.payment(db, t.id) : null,
    },
  };
}

/** One write-back attempt; throws (so the queue retries) when the agenda is unavailable. */
export async function runWriteBack(deps: AgendaSyncDeps, teleconsultationId: string): Promise<void> {
  const wb = await writeBackBody(deps, teleconsultationId);
  // Already acknowledged: a second job planned while the first was sending (a reconciliation's
  // re-plan, a change whose body the first one already carried) has nothing to tell.
  if (!wb || wb.revision <= wb.agendaRevision) return;
  try {
    await deps.client.putTeleconsultation(wb.appointmentId, wb.body);
  } catch (err) {
    const e = err as { code?: string; retryable?: boolean; status?: number };
    if (e.retryable === false) {
      // The agenda refused for good (e.g. the appointment is gone there): record and stop.
      deps.log.warn({ teleconsultationId, code: e.code, status: e.status }, 'agenda refused the write-back');
      return;
    }
    throw err;
  }
  await deps.database.db.update(teleconsultations)
    .set({ agendaRevision: sql`greatest(${teleconsultations.agendaRevision}, ${wb.revision})` })
    .where(eq(teleconsultations.id, teleconsultationId));
  deps.log.info({ teleconsultationId, revision: wb.revision, status: wb.body.status }, 'agenda write-back done');
}

/** Teleconsultations re-planned per statement when reconciliation looks for due write-backs. */
const REPLAN_CHUNK = 1000;

/**
 * Pages through the agenda's changes since the watermark and applies them, a page per
 * transaction (see apply-page.ts): a page is stored whole or not at all. Two pages are applied
 * at once and the next one is fetched meanwhile (at most three are held); the watermark moves
 * once a page and every page before it are stored, so it never passes an appointment that is
 * not. A failed page stops the run: the page beside it may be stored, and is read again with
 * the failed one next time (applying a version already applied changes nothing).
 */
export async function reconcile(deps: AgendaSyncDeps, pageSize = 100): Promise<{ seen: number; applied: number; replanned: number }> {
  const { db } = deps.database;
  // Write-backs whose retries ran out are planned again: the database remembers they are due.
  // Done first, so that it only meets what was due before this run: what the pages change
  // below plans its own write-back in its transaction.
  const replanned = await replanWriteBacks(deps);
  const [mark] = await db.select().from(syncState).where(eq(syncState.key, WATERMARK_KEY));
  let since = mark ? mark.value : new Date(0).toISOString();
  const from = since;
  let newest = Date.parse(since);
  let seen = 0;
  let applied = 0;
  // Two pages are applied at once, each in its own transaction, so that the database commits
  // one while our process builds the other. The watermark moves after its page has committed
  // and in page order, never inside a transaction (one waiting on another could wait forever
  // on a row the other holds): it may lag behind what is stored, which only re-reads a page,
  // and it never passes an appointment not stored.
  let marked: Promise<unknown> = Promise.resolve();
  const inFlight: Promise<void>[] = [];
  try {
    for await (const page of fetchingAhead(deps.client.pagesUpdatedSince(from, pageSize))) {
      if (page.length === 0) continue;
      seen += page.length;
      for (const a of page) newest = Math.max(newest, Date.parse(a.updatedAt));
      const next = new Date(Math.max(0, newest - WATERMARK_OVERLAP_MS)).toISOString();
      const advance = next > since;
      if (advance) since = next;
      const stored = db.transaction((tx) => applyAppointments(tx, deps.apply, page, { kind: 'system', process: 'reconcile' }));
      const mark = Promise.all([marked, stored]).then(async ([, outcomes]) => {
        applied += outcomes.filter((o) => o !== 'stale' && o !== 'ignored' && o !== 'unchanged').length;
        if (advance) {
          await db.insert(syncState).values({ key: WATERMARK_KEY, value: next, updatedAt: deps.apply.now() })
            .onConflictDoUpdate({ target: syncState.key, set: { value: next, updatedAt: deps.apply.now() } });
        }
      });
      marked = mark;
      // Awaited below, perhaps after the next page's fetch: a failure meanwhile is not unhandled.
      mark.catch(() => undefined);
      inFlight.push(mark);
      if (inFlight.length >= PAGES_IN_FLIGHT) await inFlight.shift();
    }
    await Promise.all(inFlight.splice(0));
  } finally {
    // On a failure, the pages still in flight end before it is reported.
    await Promise.allSettled(inFlight);
  }
  deps.log.info({ seen, applied, replanned }, 'agenda reconciliation done');
  return { seen, applied, replanned };
}

/**
 * Plans again the write-back of every teleconsultation the agenda has not acknowledged
 * (past its retention period a teleconsultation has no links left to write back), a chunk of
 * ids at a time; one already queued stays the only one (singleton key). Returns how many
 * were planned.
 */
async function replanWriteBacks(deps: AgendaSyncDeps): Promise<number> {
  const { db } = deps.database;
  let replanned = 0;
  let after: string | undefined;
  for (;;) {
    const pending = await db.select({ id: teleconsultations.id }).from(teleconsultations)
      .where(and(gt(teleconsultations.revision, teleconsultations.agendaRevision), isNull(teleconsultations.purgedAt), after === undefined ? undefined : gt(teleconsultations.id, after)))
      .orderBy(teleconsultations.id).limit(REPLAN_CHUNK);
    for (const p of pending) {
      const id = await deps.queue.send(WRITEBACK_QUEUE, { teleconsultationId: p.id }, { singletonKey: p.id });
      if (id) replanned++;
    }
    if (pending.length < REPLAN_CHUNK) return replanned;
    after = pending.at(-1)!.id;
  }
}

/** The items of `source`, asking for the next one as soon as one is handed out. */
async function* fetchingAhead<T>(source: AsyncGenerator<T, void, undefined>): AsyncGenerator<T, void, undefined> {
  let next = source.next();
  // Awaited below; until then a failure must not count as unhandled.
  next.catch(() => {});
  try {
    for (;;) {
      const r = await next;
      if (r.done) return;
      next = source.next();
      next.catch(() => {});
      yield r.value;
    }
  } finally {
    // Stopped early (a page failed to apply): let the fetch in flight end, then close the source.
    await next.catch(() => undefined);
    await source.return(undefined);
  }
}

/** Registers the write-back and reconciliation jobs. */
export async function registerAgendaJobs(deps: AgendaSyncDeps, reconcileEveryMinutes: number): Promise<void> {
  await deps.queue.define<AgendaEventJob>(
    {
      name: AGENDA_EVENT_QUEUE, retryLimit: 20, retryDelaySeconds: 1, expireInSeconds: 60, batchSize: 20,
      // One appointment's events are applied in the order they arrived.
      orderKey: (job: AgendaEventJob) => {
        const ref = 'appointment' in job ? job.appointment : job.deleted;
        return `${ref.clinicId}/${ref.id}`;
      },
    },
    async (job) => {
      const outcome = await applyAgendaEvent(deps, job);
      deps.log.info({ deliveryId: job.deliveryId, eventType: job.type, outcome }, 'agenda event applied');
    },
  );
  await deps.queue.define<{ teleconsultationId: string }>(
    // About two days of retries with backoff; past that, reconciliation re-plans it.
    { name: WRITEBACK_QUEUE, retryLimit: 16, retryDelaySeconds: 2, expireInSeconds: 60, batchSize: 10, policy: 'stately' },
    (data) => runWriteBack(deps, data.teleconsultationId),
  );
  await deps.queue.define<object>(
    { name: RECONCILE_QUEUE, retryLimit: 3, retryDelaySeconds: 30, expireInSeconds: 15 * 60, batchSize: 1, policy: 'singleton' },
    async () => { await reconcile(deps); },
  );
  if (reconcileEveryMinutes > 0) await deps.queue.schedule(RECONCILE_QUEUE, `*/${reconcileEveryMinutes} * * * *`);
}
