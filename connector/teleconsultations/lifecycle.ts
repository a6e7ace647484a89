/**
 * The teleconsultation's lifecycle: every status move, the event trail, and the change
 * subscriptions through which features plan their follow-up work.
 *
 *   scheduled → waiting → in_progress → ended
 *        └──────────┴──────────┴──────→ cancelled (→ scheduled again, if the agenda revives it)
 *
 * A move bumps the revision (so the agenda write-back knows there is something new), records
 * its event and tells every subscriber, all in the caller's transaction: a subscriber that
 * throws rolls the move back. Subscribers are registered where the app is composed
 * (`app.ts`), before anything can change.
 */
import { eq, sql } from 'drizzle-orm';
import { insertRows } from '../db/bulk.ts';
import type { Db, Tx } from '../db/client.ts';
import { teleconsultationEvents, teleconsultations } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { EndedBy } from '#protocol/live';
import type { Actor, ChangeListener, Teleconsultation, TeleconsultationChange, TeleconsultationStatus } from './model.ts';

/** The moves the lifecycle allows, from each status. */
export const TRANSITIONS: Readonly<Record<TeleconsultationStatus, readonly TeleconsultationStatus[]>> = {
  scheduled: ['waiting', 'in_progress', 'ended', 'cancelled'],
  waiting: ['in_progress', 'ended', 'cancelled'],
  in_progress: ['ended', 'cancelled'],
  // The agenda has the last word: a consultation marked done there after all ends here.
  // A patient who hung up by mistake comes back while the practitioner is still there.
  ended: ['cancelled', 'in_progress'],
  cancelled: ['scheduled', 'ended'],
};


/** A sign of the call from the conference server (Jitsi's event_sync). */
export interface ConferenceEvent {
  kind: 'call_started' | 'call_ended' | 'other';
  at: Date;
  source: 'jitsi';
  /** The server's own name for what happened (e.g. `room_created`). */
  detail: string;
}

/** What a conference event did. */
export type ConferenceOutcome = { outcome: 'started' | 'ended' | 'recorded'; status?: TeleconsultationStatus };

/** Fields a move may set along with the status. */
export type MoveFields = Partial<Omit<typeof teleconsultations.$inferInsert, 'id' | 'status' | 'revision'>>;

export interface MoveOptions {
  /** Set in the same update (e.g. `endedAt`, or the appointment's new fields). */
  set?: MoveFields;
  /** The event to record, with who made the move; none when absent. */
  event?: { type: string; by: Actor; data?: Record<string, unknown>; at?: Date };
  /** Why (cancellations). */
  reason?: string;
  /** Tell subscribers this as a creation (a cancelled teleconsultation revived by the agenda). */
  asCreated?: boolean;
}

export interface Lifecycle {
  /** Subscribes to every change; call where the app is composed. */
  onChange(listener: ChangeListener): void;
  /** Tells the subscribers about a change made in `tx` (creations and updates by the agenda). */
  emit(tx: Tx, change: TeleconsultationChange): Promise<void>;
  /** The same for several changes made in `tx`: each subscriber hears all of them before the next. */
  emitMany(tx: Tx, changes: TeleconsultationChange[]): Promise<void>;
  /** Adds an event to the teleconsultation's trail, with who did it. */
  recordEvent(tx: Tx, t: Teleconsultation, type: string, by: Actor, data?: Record<string, unknown>, at?: Date): Promise<void>;
  /** Adds several events in one statement (see {@link recordEvents}). */
  recordEvents(tx: Tx, events: TrailEvent[]): Promise<void>;
  /** The teleconsultation, locked for update until `tx` ends. */
  lock(tx: Tx, id: string): Promise<Teleconsultation>;
  /** Moves the status (checked against {@link TRANSITIONS}), in `tx`. */
  moveStatus(tx: Tx, t: Teleconsultation, to: TeleconsultationStatus, options?: MoveOptions): Promise<Teleconsultation>;
  /** Ends a teleconsultation in its own transaction; false when it was already over or cancelled. */
  end(teleconsultationId: string, by: Actor): Promise<boolean>;
  /** Turns the conference server's signs of the call into the actual start, end and duration. */
  applyConferenceEvent(tx: Tx, t: Teleconsultation, event: ConferenceEvent): Promise<ConferenceOutcome>;
}

/** Who ended a teleconsultation, in the pages' words, from the actor of the end. */
export function endedByOf(by: Actor): EndedBy {
  switch (by.kind) {
    case 'practitioner':
    case 'patient':
    case 'integrator':
      return by.kind;
    case 'webhook':
      return by.source === 'agenda' ? 'agenda' : by.source === 'jitsi' ? 'conference' : 'system';
    default:
      return 'system';
  }
}

/** The teleconsultation an event belongs to (a row, or its ids). */
export type EventSubject = Pick<Teleconsultation, 'clinicId' | 'id'>;

/**
 * Adds an event to a teleconsultation's trail, in the caller's transaction: the one writer of
 * the trail, for the lifecycle and for features whose changes are not status moves (payments).
 */
export async function recordEvent(tx: Tx, t: EventSubject, type: string, by: Actor, data: Record<string, unknown> = {}, at?: Date): Promise<void> {
  await tx.insert(teleconsultationEvents).values({ clinicId: t.clinicId, teleconsultationId: t.id, type, actor: by, data, ...(at ? { at } : {}) });
}

/** One event of {@link recordEvents}. */
export interface TrailEvent {
  t: EventSubject;
  type: string;
  by: Actor;
  data?: Record<string, unknown>;
  at?: Date;
}

/** Adds several events to trails in one statement, in the caller's transaction. */
export async function recordEvents(tx: Tx, events: TrailEvent[]): Promise<void> {
  if (events.length === 0) return;
  // Every row sets `at` (insertRows takes one set of columns): now, unless the event says when.
  const now = new Date();
  await insertRows(tx, teleconsultationEvents, events.map((e) => ({
    clinicId: e.t.clinicId, teleconsultationId: e.t.id, type: e.type, actor: e.by, data: e.data ?? {}, at: e.at ?? now,
  })));
}

export interface LifecycleDeps {
  db: Db;
  now: () => Date;
}

/** Builds the lifecycle; subscribers are added with `onChange`. */
export function createLifecycle(deps: LifecycleDeps): Lifecycle {
  const listeners: ChangeListener[] = [];

  const emit: Lifecycle['emit'] = async (tx, change) => {
    for (const listener of listeners) await listener(tx, change);
  };

  const emitMany: Lifecycle['emitMany'] = async (tx, changes) => {
    if (changes.length === 0) return;
    for (const listener of listeners) {
      if (listener.many) await listener.many(tx, changes);
      else for (const change of changes) await listener(tx, change);
    }
  };

  const lock: Lifecycle['lock'] = async (tx, id) => {
    const [t] = await tx.select().from(teleconsultations).where(eq(teleconsultations.id, id)).for('update');
    if (!t) throw new AppError('TELECONSULTATION_NOT_FOUND', 'No such teleconsultation.');
    return t;
  };

  const moveStatus: Lifecycle['moveStatus'] = async (tx, t, to, options = {}) => {
    if (!TRANSITIONS[t.status].includes(to)) throw new Error(`teleconsultation status cannot move from ${t.status} to ${to}`);
    // Who ended it is kept with the end, and cleared when it comes back to life.
    const endedBy = to === 'ended' ? { endedBy: options.set?.endedBy ?? (options.event ? endedByOf(options.event.by) : 'system') } : { endedBy: null };
    const [row] = await tx.update(teleconsultations).set({
      ...options.set, ...endedBy, status: to, revision: sql`${teleconsultations.revision} + 1`, updatedAt: deps.now(),
    }).where(eq(teleconsultations.id, t.id)).returning();
    const moved = row!;
    if (options.event) await recordEvent(tx, moved, options.event.type, options.event.by, options.event.data, options.event.at);
    let change: TeleconsultationChange;
    if (options.asCreated) change = { kind: 'created', teleconsultation: moved };
    else if (to === 'ended') change = { kind: 'ended', teleconsultation: moved, previous: t };
    else if (to === 'cancelled') change = { kind: 'cancelled', teleconsultation: moved, previous: t, reason: options.reason ?? 'cancelled' };
    else change = { kind: 'status', teleconsultation: moved, previous: t };
    await emit(tx, change);
    return moved;
  };

  return {
    onChange(listener) {
      listeners.push(listener);
    },
    emit,
    emitMany,
    recordEvent,
    recordEvents,
    lock,
    moveStatus,
    async end(teleconsultationId, by) {
      const now = deps.now();
      return deps.db.transaction(async (tx) => {
        const t = await lock(tx, teleconsultationId);
        if (t.status === 'ended' || t.status === 'cancelled') return false;
        await moveStatus(tx, t, 'ended', {
          set: { endedAt: now, ...(t.startedAt ? {} : { startedAt: now }) },
          event: { type: 'teleconsultation.ended', by, data: { by: by.kind }, at: now },
        });
        return true;
      });
    },
    async applyConferenceEvent(tx, t, event) {
      const at = event.at;
      const by: Actor = { kind: 'webhook', source: event.source };
      if (event.kind === 'call_started') {
        // The earliest sign of the call wins, whatever order the events arrive in.
        if (t.startedAt && t.startedAt.getTime() <= at.getTime()) return { outcome: 'recorded' };
        await tx.update(teleconsultations).set({ startedAt: at, updatedAt: deps.now() }).where(eq(teleconsultations.id, t.id));
        await recordEvent(tx, t, 'call.started', by, { source: event.source, by: event.detail }, at);
        return { outcome: 'started' };
      }
      if (event.kind === 'call_ended') {
        const startedAt = t.startedAt;
        if (!startedAt || at.getTime() < startedAt.getTime()) return { outcome: 'recorded' };
        // A room can be destroyed and made again (everyone dropped); the last end counts.
        if (t.endedAt && t.endedAt.getTime() >= at.getTime()) return { outcome: 'recorded' };
        const durationSeconds = Math.round((at.getTime() - startedAt.getTime()) / 1000);
        if (t.status === 'ended' || t.status === 'cancelled') {
          await tx.update(teleconsultations).set({ endedAt: at, updatedAt: deps.now() }).where(eq(teleconsultations.id, t.id));
          await recordEvent(tx, t, 'call.ended', by, { source: event.source, durationSeconds }, at);
          return { outcome: 'ended' };
        }
        await recordEvent(tx, t, 'call.ended', by, { source: event.source, durationSeconds }, at);
        await moveStatus(tx, t, 'ended', {
          set: { endedAt: at },
          event: { type: 'teleconsultation.ended', by, data: { by: event.source, durationSeconds }, at },
        });
        return { outcome: 'ended', status: 'ended' };
      }
      return { outcome: 'recorded' };
    },
  };
}
