/**
 * Applies what the agenda says about an appointment, in the caller's transaction.
 *
 * The highest appointment version wins: the `appointments` row is only replaced by a
 * strictly newer version, under its row lock, so duplicates and late arrivals change
 * nothing whatever the order. Only appointments whose reason is flagged as video become
 * teleconsultations; everything a change needs afterwards (write-back, messages) is
 * planned in the same transaction through the change listeners.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Appointment, AppointmentRef } from '../agenda/appointment.ts';
import type { Tx } from '../db/client.ts';
import { appointments, clinics, teleconsultationEvents, teleconsultations, type TeleconsultationStatus } from '../db/schema/index.ts';
import { newRoomName } from '../../meet/rooms.ts';
import { checkEmail, checkMobile } from './contacts.ts';
import { createLink, extendLinks, linkExpiry, revokeLinks } from './links.ts';

export type Teleconsultation = typeof teleconsultations.$inferSelect;

/** What happened to a teleconsultation, for listeners that plan follow-up work. */
export type TeleconsultationChange =
  | { kind: 'created'; teleconsultation: Teleconsultation }
  | { kind: 'updated'; teleconsultation: Teleconsultation; previous: Teleconsultation; moved: boolean }
  | { kind: 'cancelled'; teleconsultation: Teleconsultation; previous: Teleconsultation; reason: string }
  | { kind: 'ended'; teleconsultation: Teleconsultation; previous: Teleconsultation };

/** Called inside the transaction of the change; throwing rolls the change back. */
export type ChangeListener = (tx: Tx, change: TeleconsultationChange) => Promise<void>;

export interface ApplyContext {
  linkGraceHours: number;
  listeners: readonly ChangeListener[];
  now: () => Date;
}

export type ApplyOutcome = 'stale' | 'ignored' | 'created' | 'updated' | 'cancelled' | 'ended' | 'unchanged';

/** The appointment's state as one of our statuses, for an appointment that is (still) video. */
function targetStatus(a: Appointment): TeleconsultationStatus | 'ended' | 'cancelled' {
  if (a.status === 'cancelled') return 'cancelled';
  if (a.status === 'done' || a.status === 'noshow') return 'ended';
  return 'scheduled';
}

async function recordEvent(tx: Tx, t: Teleconsultation, type: string, data: Record<string, unknown> = {}): Promise<void> {
  await tx.insert(teleconsultationEvents).values({ clinicId: t.clinicId, teleconsultationId: t.id, type, data });
}

async function notify(tx: Tx, ctx: ApplyContext, change: TeleconsultationChange): Promise<void> {
  for (const l of ctx.listeners) await l(tx, change);
}

/** The patient-facing fields of a teleconsultation, from the appointment. */
function fieldsFrom(a: Appointment) {
  const email = checkEmail(a.patient.email);
  const mobile = checkMobile(a.patient.mobile);
  return {
    appointmentVersion: a.version,
    startsAt: new Date(a.startsAt),
    durationMinutes: a.durationMinutes,
    reasonId: a.reason.id,
    reasonLabel: a.reason.label,
    practitioner: { ...a.practitioner },
    patient: { id: a.patient.id, firstName: a.patient.firstName, lastName: a.patient.lastName, locale: a.patient.locale },
    patientEmail: email.value,
    emailProblem: email.problem,
    patientMobile: mobile.value,
    smsProblem: mobile.problem,
    bookedOnline: a.bookedOnline,
  };
}

/**
 * Applies one appointment state (or its deletion). Returns what it did; 'stale' when a
 * version at least as new was already applied.
 */
export async function applyAppointment(tx: Tx, ctx: ApplyContext, input: { appointment: Appointment } | { deleted: AppointmentRef }): Promise<ApplyOutcome> {
  const now = ctx.now();
  const ref = 'appointment' in input ? input.appointment : input.deleted;
  const a = 'appointment' in input ? input.appointment : null;
  const isVideo = a !== null && a.reason.teleconsultation;

  const row = {
    clinicId: ref.clinicId,
    appointmentId: ref.id,
    version: ref.version,
    status: a?.status ?? 'deleted',
    teleconsultation: isVideo,
    deleted: a === null,
    agendaUpdatedAt: a ? new Date(a.updatedAt) : null,
    seenAt: now,
  };
  const won = await tx.insert(appointments).values(row)
    .onConflictDoUpdate({
      target: [appointments.clinicId, appointments.appointmentId],
      set: { version: row.version, status: row.status, teleconsultation: row.teleconsultation, deleted: row.deleted, agendaUpdatedAt: row.agendaUpdatedAt, seenAt: row.seenAt },
      setWhere: sql`${appointments.version} < excluded.version`,
    })
    .returning({ version: appointments.version });
  if (won.length === 0) return 'stale';

  const [existing] = await tx.select().from(teleconsultations)
    .where(and(eq(teleconsultations.clinicId, ref.clinicId), eq(teleconsultations.appointmentId, ref.id)))
    .for('update');

  if (!isVideo) {
    if (!existing || existing.status === 'cancelled') return 'ignored';
    return cancel(tx, ctx, existing, a === null ? 'appointment_deleted' : 'no_longer_teleconsultation', ref.version);
  }

  const target = targetStatus(a);
  if (!existing) {
    const ended = new Date(a.startsAt).getTime() + a.durationMinutes * 60_000 < now.getTime();
    // A cancelled or past appointment is recorded, but nothing is planned or linked for it.
    if (target !== 'scheduled' || ended) {
      if (target !== 'cancelled') return 'ignored';
      await tx.insert(clinics).values({ id: a.clinicId }).onConflictDoNothing();
      const [t] = await tx.insert(teleconsultations).values({
        clinicId: a.clinicId, appointmentId: a.id, ...fieldsFrom(a), status: 'cancelled', roomName: newRoomName(),
        cancelledAt: now, revision: 0, agendaRevision: 0,
      }).returning();
      await recordEvent(tx, t!, 'teleconsultation.cancelled', { reason: 'appointment_cancelled', version: a.version });
      return 'cancelled';
    }
    await tx.insert(clinics).values({ id: a.clinicId }).onConflictDoNothing();
    const [t] = await tx.insert(teleconsultations).values({
      clinicId: a.clinicId, appointmentId: a.id, ...fieldsFrom(a), status: 'scheduled', roomName: newRoomName(),
    }).returning();
    const created = t!;
    const expiresAt = linkExpiry(created.startsAt, created.durationMinutes, ctx.linkGraceHours);
    await createLink(tx, { clinicId: created.clinicId, teleconsultationId: created.id, role: 'practitioner', expiresAt });
    await createLink(tx, { clinicId: created.clinicId, teleconsultationId: created.id, role: 'patient', expiresAt });
    await recordEvent(tx, created, 'teleconsultation.created', { version: a.version });
    await notify(tx, ctx, { kind: 'created', teleconsultation: created });
    return 'created';
  }

  if (target === 'cancelled') {
    if (existing.status === 'cancelled') return 'unchanged';
    return cancel(tx, ctx, existing, 'appointment_cancelled', a.version);
  }

  const fields = fieldsFrom(a);
  const moved = fields.startsAt.getTime() !== existing.startsAt.getTime() || fields.durationMinutes !== existing.durationMinutes;
  let status: TeleconsultationStatus = existing.status;
  let revived = false;
  if (target === 'ended' && existing.status !== 'ended') status = 'ended';
  if (target === 'scheduled' && existing.status === 'cancelled') { status = 'scheduled'; revived = true; }
  const [updated] = await tx.update(teleconsultations).set({
    ...fields,
    status,
    ...(revived ? { cancelledAt: null } : {}),
    ...(status === 'ended' && !existing.endedAt ? { endedAt: now } : {}),
    revision: sql`${teleconsultations.revision} + 1`,
    updatedAt: now,
  }).where(eq(teleconsultations.id, existing.id)).returning();
  const t = updated!;
  const expiresAt = linkExpiry(t.startsAt, t.durationMinutes, ctx.linkGraceHours);
  if (revived) {
    await createLink(tx, { clinicId: t.clinicId, teleconsultationId: t.id, role: 'practitioner', expiresAt });
    await createLink(tx, { clinicId: t.clinicId, teleconsultationId: t.id, role: 'patient', expiresAt });
    await recordEvent(tx, t, 'teleconsultation.created', { version: a.version, revived: true });
    await notify(tx, ctx, { kind: 'created', teleconsultation: t });
    return 'created';
  }
  if (moved) await extendLinks(tx, t.id, expiresAt);
  if (status === 'ended' && existing.status !== 'ended') {
    await recordEvent(tx, t, 'teleconsultation.ended', { version: a.version, by: 'agenda' });
    await notify(tx, ctx, { kind: 'ended', teleconsultation: t, previous: existing });
    return 'ended';
  }
  await recordEvent(tx, t, 'teleconsultation.updated', { version: a.version, moved });
  await notify(tx, ctx, { kind: 'updated', teleconsultation: t, previous: existing, moved });
  return 'updated';
}

async function cancel(tx: Tx, ctx: ApplyContext, existing: Teleconsultation, reason: string, version: number): Promise<ApplyOutcome> {
  const now = ctx.now();
  const [updated] = await tx.update(teleconsultations).set({
    status: 'cancelled', cancelledAt: now, appointmentVersion: version,
    revision: sql`${teleconsultations.revision} + 1`, updatedAt: now,
  }).where(eq(teleconsultations.id, existing.id)).returning();
  const t = updated!;
  await revokeLinks(tx, t.id, now);
  await recordEvent(tx, t, 'teleconsultation.cancelled', { reason, version });
  await notify(tx, ctx, { kind: 'cancelled', teleconsultation: t, previous: existing, reason });
  return 'cancelled';
}
