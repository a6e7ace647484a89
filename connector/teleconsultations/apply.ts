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
import { appointmentOver, type Appointment, type AppointmentRef } from '../agenda/appointment.ts';
import { insertRows } from '../db/bulk.ts';
import type { Tx } from '../db/client.ts';
import { appointments, clinics, teleconsultations, type TeleconsultationStatus } from '../db/schema/index.ts';
import { newRoomName } from '../../meet/rooms.ts';
import { checkEmail, checkMobile } from './contacts.ts';
import type { Lifecycle } from './lifecycle.ts';
import { createLink, extendLinks, linkExpiry, revokeLinks } from './links.ts';
import type { Actor, Teleconsultation } from './model.ts';

/** What applying an appointment needs. */
export interface ApplyContext {
  lifecycle: Lifecycle;
  linkGraceHours: number;
  now: () => Date;
}

export type ApplyOutcome = 'stale' | 'ignored' | 'created' | 'updated' | 'cancelled' | 'ended' | 'unchanged';

/** The appointment's state as one of our statuses, for an appointment that is (still) video. */
export function targetStatus(a: Appointment): TeleconsultationStatus | 'ended' | 'cancelled' {
  if (a.status === 'cancelled') return 'cancelled';
  if (a.status === 'done' || a.status === 'noshow') return 'ended';
  return 'scheduled';
}

/** The patient-facing fields of a teleconsultation, from the appointment. */
export function fieldsFrom(a: Appointment) {
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
export async function applyAppointment(tx: Tx, ctx: ApplyContext, input: { appointment: Appointment } | { deleted: AppointmentRef }, by: Actor): Promise<ApplyOutcome> {
  const ref = 'appointment' in input ? input.appointment : input.deleted;
  const won = await claimVersions(tx, [appointmentRow(input, ctx.now())]);
  if (won.length === 0) return 'stale';

  const [existing] = await tx.select().from(teleconsultations)
    .where(and(eq(teleconsultations.clinicId, ref.clinicId), eq(teleconsultations.appointmentId, ref.id)))
    .for('update');
  return applyOver(tx, ctx, input, existing, by);
}

/** The `appointments` row of what the agenda said. */
export function appointmentRow(input: { appointment: Appointment } | { deleted: AppointmentRef }, now: Date): typeof appointments.$inferInsert {
  const ref = 'appointment' in input ? input.appointment : input.deleted;
  const a = 'appointment' in input ? input.appointment : null;
  return {
    clinicId: ref.clinicId,
    appointmentId: ref.id,
    version: ref.version,
    status: a?.status ?? 'deleted',
    teleconsultation: a !== null && a.reason.teleconsultation,
    deleted: a === null,
    agendaUpdatedAt: a ? new Date(a.updatedAt) : null,
    seenAt: now,
  };
}

/**
 * Stores the rows of appointments whose version is strictly newer than the one stored (or
 * new), each under its row lock until the transaction ends; returns the keys that won.
 * At most one row per appointment (PostgreSQL refuses to update a row twice in a statement).
 */
export async function claimVersions(tx: Tx, rows: (typeof appointments.$inferInsert)[]): Promise<{ clinicId: string; appointmentId: string }[]> {
  const won = await insertRows(tx, appointments, rows, sql`on conflict (clinic_id, appointment_id) do update set
    version = excluded.version, status = excluded.status, teleconsultation = excluded.teleconsultation,
    deleted = excluded.deleted, agenda_updated_at = excluded.agenda_updated_at, seen_at = excluded.seen_at
    where ${appointments.version} < excluded.version
    returning clinic_id, appointment_id`);
  return won.map((w) => ({ clinicId: String(w.clinic_id), appointmentId: String(w.appointment_id) }));
}

/**
 * The rest of {@link applyAppointment}, once the version won: `existing` is the appointment's
 * teleconsultation (locked for update by the caller), if any.
 */
export async function applyOver(tx: Tx, ctx: ApplyContext, input: { appointment: Appointment } | { deleted: AppointmentRef }, existing: Teleconsultation | undefined, by: Actor): Promise<ApplyOutcome> {
  const now = ctx.now();
  const ref = 'appointment' in input ? input.appointment : input.deleted;
  const a = 'appointment' in input ? input.appointment : null;
  const isVideo = a !== null && a.reason.teleconsultation;

  // Past its retention period, a teleconsultation keeps only its accounting: the agenda's
  // later word about it brings no patient data back.
  if (existing?.purgedAt) return 'ignored';

  if (!isVideo) {
    if (!existing || existing.status === 'cancelled') return 'ignored';
    return cancel(tx, ctx, existing, a === null ? 'appointment_deleted' : 'no_longer_teleconsultation', ref.version, by);
  }

  const target = targetStatus(a);
  if (!existing) {
    const ended = appointmentOver(a, now);
    // A cancelled or past appointment is recorded, but nothing is planned or linked for it.
    if (target !== 'scheduled' || ended) {
      if (target !== 'cancelled') return 'ignored';
      await tx.insert(clinics).values({ id: a.clinicId }).onConflictDoNothing();
      const [t] = await tx.insert(teleconsultations).values({
        clinicId: a.clinicId, appointmentId: a.id, ...fieldsFrom(a), status: 'cancelled', roomName: newRoomName(),
        cancelledAt: now, revision: 0, agendaRevision: 0,
      }).returning();
      await ctx.lifecycle.recordEvent(tx, t!, 'teleconsultation.cancelled', by, { reason: 'appointment_cancelled', version: a.version });
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
    await ctx.lifecycle.recordEvent(tx, created, 'teleconsultation.created', by, { version: a.version });
    await ctx.lifecycle.emit(tx, { kind: 'created', teleconsultation: created });
    return 'created';
  }

  if (target === 'cancelled') {
    if (existing.status === 'cancelled') return 'unchanged';
    return cancel(tx, ctx, existing, 'appointment_cancelled', a.version, by);
  }

  const fields = fieldsFrom(a);
  const moved = fields.startsAt.getTime() !== existing.startsAt.getTime() || fields.durationMinutes !== existing.durationMinutes;
  const expiresAt = linkExpiry(fields.startsAt, fields.durationMinutes, ctx.linkGraceHours);
  if (target === 'scheduled' && existing.status === 'cancelled') {
    // Revived by the agenda: new links, and the journey starts again.
    await createLink(tx, { clinicId: existing.clinicId, teleconsultationId: existing.id, role: 'practitioner', expiresAt });
    await createLink(tx, { clinicId: existing.clinicId, teleconsultationId: existing.id, role: 'patient', expiresAt });
    await ctx.lifecycle.moveStatus(tx, existing, 'scheduled', {
      set: { ...fields, cancelledAt: null },
      event: { type: 'teleconsultation.created', by, data: { version: a.version, revived: true } },
      asCreated: true,
    });
    return 'created';
  }
  if (moved) await extendLinks(tx, existing.id, expiresAt);
  if (target === 'ended' && existing.status !== 'ended') {
    await ctx.lifecycle.moveStatus(tx, existing, 'ended', {
      set: { ...fields, ...(existing.endedAt ? {} : { endedAt: now }) },
      event: { type: 'teleconsultation.ended', by, data: { version: a.version, by: 'agenda' } },
    });
    return 'ended';
  }
  const [updated] = await tx.update(teleconsultations).set({
    ...fields, revision: sql`${teleconsultations.revision} + 1`, updatedAt: now,
  }).where(eq(teleconsultations.id, existing.id)).returning();
  const t = updated!;
  await ctx.lifecycle.recordEvent(tx, t, 'teleconsultation.updated', by, { version: a.version, moved });
  await ctx.lifecycle.emit(tx, { kind: 'updated', teleconsultation: t, previous: existing, moved });
  return 'updated';
}

async function cancel(tx: Tx, ctx: ApplyContext, existing: Teleconsultation, reason: string, version: number, by: Actor): Promise<ApplyOutcome> {
  const now = ctx.now();
  await revokeLinks(tx, existing.id, now);
  await ctx.lifecycle.moveStatus(tx, existing, 'cancelled', {
    set: { cancelledAt: now, appointmentVersion: version },
    event: { type: 'teleconsultation.cancelled', by, data: { reason, version } },
    reason,
  });
  return 'cancelled';
}
