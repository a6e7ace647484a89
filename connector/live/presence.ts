/**
 * The waiting room in the database: who is connected (one live connection per participant,
 * refreshed by a heartbeat) and where the patient stands (absent → waiting → admitted, or
 * denied). The teleconsultation's status moves that go with it (scheduled → waiting → in
 * progress) are the lifecycle's, in the same transaction. Every instance reads the same
 * rows, so presence survives reloads and instance changes.
 */
import { and, eq, gte, inArray, isNotNull, ne, sql } from 'drizzle-orm';
import type { DelayMinutes, Presence, WaitingInfo } from '#protocol/live';
import type { Tx } from '../db/client.ts';
import { participants, teleconsultations, type LinkRole, type ParticipantState, type TeleconsultationStatus } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { Actor, Teleconsultation } from '../teleconsultations/model.ts';
import type { PurgeableData } from '../retention/purge.ts';
import { callIsOpen } from '../sessions/summary.ts';

export type Participant = typeof participants.$inferSelect;

/** How long the waiting room remembers a patient who dropped out (default of LIVE_REJOIN_GRACE_SECONDS). */
export const DEFAULT_REJOIN_GRACE_MS = 5 * 60_000;
/** How often each instance marks its connections as still there. */
export const DEFAULT_HEARTBEAT_MS = 20_000;
/** A connection not seen for this long is gone (its instance died). */
export const DEFAULT_STALE_AFTER_MS = 3 * DEFAULT_HEARTBEAT_MS;

export interface PresenceTimings {
  rejoinGraceMs: number;
  staleAfterMs: number;
}

function connected(row: Participant | undefined, now: Date, staleAfterMs: number): boolean {
  return !!row?.connectionId && !!row.lastSeenAt && now.getTime() - row.lastSeenAt.getTime() <= staleAfterMs;
}

/** The presence both pages see, from the participants' rows. */
export function presenceFrom(rows: readonly Participant[], now: Date, staleAfterMs: number): Presence {
  const practitioner = rows.find((r) => r.role === 'practitioner');
  const patient = rows.find((r) => r.role === 'patient');
  const patientHere = connected(patient, now, staleAfterMs);
  const state: ParticipantState = patientHere && patient ? patient.state : 'absent';
  return {
    practitioner: connected(practitioner, now, staleAfterMs) ? 'online' : 'offline',
    patient: state,
    waitingSince: state === 'waiting' && patient?.knockedAt ? patient.knockedAt.toISOString() : null,
  };
}

async function rowsOf(q: Tx | Services['database']['db'], teleconsultationId: string): Promise<Participant[]> {
  return q.select().from(participants).where(eq(participants.teleconsultationId, teleconsultationId));
}

/** The current presence of a teleconsultation. */
export async function loadPresence(services: Services, teleconsultationId: string, staleAfterMs: number): Promise<Presence> {
  return presenceFrom(await rowsOf(services.database.db, teleconsultationId), services.now(), staleAfterMs);
}

/** The waiting room's information from the participants' rows (without the busy check). */
export function waitingFrom(rows: readonly Participant[]): Omit<WaitingInfo, 'practitionerBusy'> {
  const practitioner = rows.find((r) => r.role === 'practitioner');
  const patient = rows.find((r) => r.role === 'patient');
  const delay = practitioner?.delayMinutes;
  return {
    delayMinutes: delay === 5 || delay === 10 || delay === 15 ? delay : null,
    delayedAt: delay && practitioner?.delayedAt ? practitioner.delayedAt.toISOString() : null,
    deniedMessage: patient?.state === 'denied' ? patient.deniedMessage ?? null : null,
  };
}

/**
 * Whether the practitioner of `t` is, right now, in another of their teleconsultations: one
 * in progress whose practitioner is connected (a consultation left open in the agenda but
 * abandoned does not count).
 */
export async function practitionerBusyElsewhere(services: Services, t: Pick<Teleconsultation, 'id' | 'clinicId' | 'practitioner'>, staleAfterMs: number): Promise<boolean> {
  const since = new Date(services.now().getTime() - staleAfterMs);
  const rows = await services.database.db.select({ id: teleconsultations.id }).from(teleconsultations)
    .innerJoin(participants, and(eq(participants.teleconsultationId, teleconsultations.id), eq(participants.role, 'practitioner')))
    .where(and(
      eq(teleconsultations.clinicId, t.clinicId),
      sql`${teleconsultations.practitioner}->>'id' = ${t.practitioner.id}`,
      ne(teleconsultations.id, t.id),
      eq(teleconsultations.status, 'in_progress'),
      isNotNull(participants.connectionId),
      gte(participants.lastSeenAt, since),
    ))
    .limit(1);
  return rows.length > 0;
}

/** What the waiting patient is told beside the presence. */
export async function loadWaitingInfo(services: Services, t: Pick<Teleconsultation, 'id' | 'clinicId' | 'practitioner'>, staleAfterMs: number): Promise<WaitingInfo> {
  const rows = await rowsOf(services.database.db, t.id);
  return { ...waitingFrom(rows), practitionerBusy: await practitionerBusyElsewhere(services, t, staleAfterMs) };
}

async function lockParticipant(tx: Tx, teleconsultationId: string, role: LinkRole): Promise<Participant> {
  await tx.insert(participants).values({ teleconsultationId, role }).onConflictDoNothing();
  const [row] = await tx.select().from(participants)
    .where(and(eq(participants.teleconsultationId, teleconsultationId), eq(participants.role, role)))
    .for('update');
  return row!;
}

export interface ConnectResult {
  presence: Presence;
  /** The patient is (still) admitted: they come back in without knocking. */
  admitted: boolean;
}

/**
 * Records a new live connection of a participant (it takes over any older one). A patient
 * who was waiting or admitted and comes back within the grace window keeps that place;
 * later, they start over and must knock.
 */
export async function connectParticipant(services: Services, input: { teleconsultation: Teleconsultation; role: LinkRole; connectionId: string; by: Actor }, timings: PresenceTimings): Promise<ConnectResult> {
  const now = services.now();
  const t = input.teleconsultation;
  return services.database.db.transaction(async (tx) => {
    const row = await lockParticipant(tx, t.id, input.role);
    let state = row.state;
    let knockedAt = row.knockedAt;
    if (input.role === 'patient' && state !== 'absent') {
      // Still connected (a reload whose old socket has not closed yet) counts as present now.
      const lastPresent = row.connectionId ? row.lastSeenAt : row.leftAt;
      const within = !!lastPresent && now.getTime() - lastPresent.getTime() <= timings.rejoinGraceMs;
      if (!within) {
        state = 'absent';
        knockedAt = null;
      } else if (state === 'admitted' && !row.connectionId) {
        await services.lifecycle.recordEvent(tx, t, 'patient.rejoined', input.by, {}, now);
      }
    }
    await tx.update(participants).set({ connectionId: input.connectionId, connectedAt: now, lastSeenAt: now, state, knockedAt, updatedAt: now })
      .where(and(eq(participants.teleconsultationId, t.id), eq(participants.role, input.role)));
    const presence = presenceFrom(await rowsOf(tx, t.id), now, timings.staleAfterMs);
    return { presence, admitted: input.role === 'patient' && state === 'admitted' };
  });
}

/** Records that a connection closed; false when a newer connection had already taken over. */
export async function disconnectParticipant(services: Services, input: { teleconsultationId: string; role: LinkRole; connectionId: string }): Promise<boolean> {
  const now = services.now();
  const done = await services.database.db.update(participants).set({ connectionId: null, leftAt: now, updatedAt: now })
    .where(and(eq(participants.teleconsultationId, input.teleconsultationId), eq(participants.role, input.role), eq(participants.connectionId, input.connectionId)))
    .returning({ role: participants.role });
  return done.length > 0;
}

/** Rows touched per heartbeat statement: short statements hold their row locks briefly. */
const TOUCH_BATCH = 100;

/** Marks connections as still there (each instance, for its own sockets). */
export async function touchConnections(services: Services, connectionIds: readonly string[]): Promise<void> {
  for (let i = 0; i < connectionIds.length; i += TOUCH_BATCH) {
    const batch = connectionIds.slice(i, i + TOUCH_BATCH);
    await services.database.db.update(participants).set({ lastSeenAt: services.now() })
      .where(inArray(participants.connectionId, batch));
  }
}

export interface AdmissionResult {
  /** What the patient's state is after the request. */
  state: ParticipantState;
  /** Whether this request changed anything. */
  changed: boolean;
  presence: Presence;
  /** The new status when it moved. */
  status?: TeleconsultationStatus;
}

async function admission(
  services: Services,
  teleconsultationId: string,
  timings: PresenceTimings,
  decide: (tx: Tx, t: Teleconsultation, patient: Participant, now: Date) => Promise<{ state: ParticipantState; set?: Partial<Participant>; status?: TeleconsultationStatus }>,
): Promise<AdmissionResult> {
  const now = services.now();
  return services.database.db.transaction(async (tx) => {
    const t = await services.lifecycle.lock(tx, teleconsultationId);
    const patient = await lockParticipant(tx, teleconsultationId, 'patient');
    const d = await decide(tx, t, patient, now);
    const changed = d.set !== undefined;
    if (d.set) {
      await tx.update(participants).set({ ...d.set, state: d.state, updatedAt: now })
        .where(and(eq(participants.teleconsultationId, teleconsultationId), eq(participants.role, 'patient')));
    }
    const presence = presenceFrom(await rowsOf(tx, teleconsultationId), now, timings.staleAfterMs);
    return { state: d.state, changed, presence, ...(d.status ? { status: d.status } : {}) };
  });
}

/** The patient knocks: they wait, and a scheduled teleconsultation becomes `waiting`. */
export async function knock(services: Services, teleconsultationId: string, timings: PresenceTimings, by: Actor): Promise<AdmissionResult> {
  return admission(services, teleconsultationId, timings, async (tx, t, patient, now) => {
    if (patient.state === 'waiting' || patient.state === 'admitted') return { state: patient.state };
    await services.lifecycle.recordEvent(tx, t, 'patient.waiting', by, {}, now);
    let status: TeleconsultationStatus | undefined;
    if (t.status === 'scheduled') status = (await services.lifecycle.moveStatus(tx, t, 'waiting')).status;
    return { state: 'waiting', set: { knockedAt: now, deniedAt: null, deniedMessage: null }, ...(status ? { status } : {}) };
  });
}

/**
 * The practitioner lets the waiting patient in: recorded here first (the caller tells the
 * patient only after this commits); the teleconsultation moves to `in_progress`.
 */
export async function admit(services: Services, teleconsultationId: string, timings: PresenceTimings, by: Actor): Promise<AdmissionResult> {
  return admission(services, teleconsultationId, timings, async (tx, t, patient, now) => {
    if (patient.state === 'admitted') return { state: 'admitted' };
    if (patient.state !== 'waiting') throw new AppError('PATIENT_NOT_WAITING', 'The patient is not in the waiting room.');
    await services.lifecycle.recordEvent(tx, t, 'patient.admitted', by, {}, now);
    let status: TeleconsultationStatus | undefined;
    if (t.status === 'scheduled' || t.status === 'waiting') {
      // Without Jitsi the connector is the only witness of the start; with Jitsi, its events tell.
      const set = !services.config.jitsi && !t.startedAt ? { startedAt: now } : {};
      status = (await services.lifecycle.moveStatus(tx, t, 'in_progress', { set })).status;
    }
    // The announced delay is over once the patient is in.
    await tx.update(participants).set({ delayMinutes: null, delayedAt: null, updatedAt: now })
      .where(and(eq(participants.teleconsultationId, teleconsultationId), eq(participants.role, 'practitioner'), isNotNull(participants.delayMinutes)));
    return { state: 'admitted', set: { admittedAt: now }, ...(status ? { status } : {}) };
  });
}

/**
 * The practitioner turns the patient away (from the waiting room, or out of the call), with
 * an optional message for the patient, kept with the refusal (trimmed; blank is none).
 */
export async function deny(services: Services, teleconsultationId: string, timings: PresenceTimings, by: Actor, message?: string): Promise<AdmissionResult> {
  return admission(services, teleconsultationId, timings, async (tx, t, patient, now) => {
    if (patient.state !== 'waiting' && patient.state !== 'admitted') {
      throw new AppError('PATIENT_NOT_WAITING', 'The patient is not in the waiting room.');
    }
    await services.lifecycle.recordEvent(tx, t, 'patient.denied', by, { from: patient.state }, now);
    return { state: 'denied', set: { deniedAt: now, knockedAt: null, deniedMessage: message?.trim() || null } };
  });
}

/**
 * "Revenir dans la consultation": a patient who hung up comes back, as long as the
 * practitioner is still there (their page connected) and the call's window is open. The end
 * is undone (ended → in progress, its time and author cleared) and the patient is in again;
 * the end's messages are not sent twice (the plan keeps one per kind).
 */
export async function resume(services: Services, teleconsultationId: string, timings: PresenceTimings, by: Actor): Promise<{ ok: true; presence: Presence } | { ok: false }> {
  const now = services.now();
  return services.database.db.transaction(async (tx) => {
    const t = await services.lifecycle.lock(tx, teleconsultationId);
    if (t.status !== 'ended' || t.endedBy !== 'patient' || !callIsOpen(services.config, t, now)) return { ok: false };
    const rows = await rowsOf(tx, teleconsultationId);
    if (!connected(rows.find((r) => r.role === 'practitioner'), now, timings.staleAfterMs)) return { ok: false };
    await lockParticipant(tx, teleconsultationId, 'patient');
    await services.lifecycle.moveStatus(tx, t, 'in_progress', {
      set: { endedAt: null },
      event: { type: 'teleconsultation.resumed', by, at: now },
    });
    await tx.update(participants).set({ state: 'admitted', updatedAt: now })
      .where(and(eq(participants.teleconsultationId, teleconsultationId), eq(participants.role, 'patient')));
    return { ok: true, presence: presenceFrom(await rowsOf(tx, teleconsultationId), now, timings.staleAfterMs) };
  });
}

/**
 * The practitioner's "retard 5 / 10 / 15 min", counted from now, or its withdrawal (0);
 * returns what the waiting room shows then.
 */
export async function announceDelay(services: Services, t: Teleconsultation, minutes: DelayMinutes, by: Actor, staleAfterMs: number): Promise<WaitingInfo> {
  const now = services.now();
  await services.database.db.transaction(async (tx) => {
    await lockParticipant(tx, t.id, 'practitioner');
    await tx.update(participants).set({ delayMinutes: minutes === 0 ? null : minutes, delayedAt: minutes === 0 ? null : now, updatedAt: now })
      .where(and(eq(participants.teleconsultationId, t.id), eq(participants.role, 'practitioner')));
    await services.lifecycle.recordEvent(tx, t, minutes === 0 ? 'practitioner.delay_withdrawn' : 'practitioner.delayed', by, { minutes }, now);
  });
  return loadWaitingInfo(services, t, staleAfterMs);
}

/** Who was in the waiting room and when, deleted past the retention period. */
export const presencePurge: PurgeableData = {
  name: 'presence',
  async purge(tx, ids) {
    return (await tx.delete(participants).where(inArray(participants.teleconsultationId, ids)).returning({ role: participants.role })).length;
  },
};
