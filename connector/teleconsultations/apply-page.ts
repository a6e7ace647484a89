/**
 * Applies a page of appointments (reconciliation) in the caller's transaction, with the
 * same effect as {@link applyAppointment} for each of them, in a few statements for the page
 * instead of a dozen round trips per appointment.
 *
 * The common case of a page, a new future video appointment, is done in bulk: its version
 * row, teleconsultation, links, event and what the change listeners plan (write-back,
 * messages) go in one statement per table for the whole page. Every other case (an update,
 * a cancellation, a revival, a deletion, a purged teleconsultation) takes the path of a
 * single appointment, inside the same transaction. Nothing is stored half-way: a failure
 * anywhere rolls back the caller's transaction, hence the whole page.
 */
import { randomUUID } from 'node:crypto';
import { and, inArray } from 'drizzle-orm';
import { appointmentOver, type Appointment } from '../agenda/appointment.ts';
import { insertRows } from '../db/bulk.ts';
import type { Tx } from '../db/client.ts';
import { accessLinks, clinics, teleconsultations } from '../db/schema/index.ts';
import { newRoomName } from '../../meet/rooms.ts';
import { appointmentRow, applyOver, claimVersions, fieldsFrom, targetStatus, type ApplyContext, type ApplyOutcome } from './apply.ts';
import { linkExpiry, newLinkId } from './links.ts';
import type { Actor, Teleconsultation, TeleconsultationChange } from './model.ts';

const keyOf = (clinicId: string, appointmentId: string) => `${clinicId}\u0000${appointmentId}`;

/**
 * Applies each appointment of `page`; returns the outcome of each, in the page's order.
 * An appointment listed twice counts once, at its highest version (the first of equal
 * ones): the others are 'stale', as they would be one after the other.
 */
export async function applyAppointments(tx: Tx, ctx: ApplyContext, page: readonly Appointment[], by: Actor): Promise<ApplyOutcome[]> {
  const now = ctx.now();
  const outcomes: ApplyOutcome[] = page.map(() => 'stale');
  const latest = new Map<string, number>();
  page.forEach((a, i) => {
    const key = keyOf(a.clinicId, a.id);
    const held = latest.get(key);
    if (held === undefined || page[held]!.version < a.version) latest.set(key, i);
  });
  // Rows are locked in key order: two transactions taking overlapping pages cannot deadlock.
  const order = [...latest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, i]) => i);
  const won = new Set((await claimVersions(tx, order.map((i) => appointmentRow({ appointment: page[i]! }, now)))).map((w) => keyOf(w.clinicId, w.appointmentId)));
  const winners = order.filter((i) => won.has(keyOf(page[i]!.clinicId, page[i]!.id)));
  if (winners.length === 0) return outcomes;

  const existing = new Map<string, Teleconsultation>();
  const ids = [...new Set(winners.map((i) => page[i]!.id))];
  const clinicsOf = [...new Set(winners.map((i) => page[i]!.clinicId))];
  // Both columns of the unique index; a row of another pair of the lists is not ours.
  const current = await tx.select().from(teleconsultations)
    .where(and(inArray(teleconsultations.clinicId, clinicsOf), inArray(teleconsultations.appointmentId, ids))).for('update');
  for (const t of current) if (won.has(keyOf(t.clinicId, t.appointmentId))) existing.set(keyOf(t.clinicId, t.appointmentId), t);

  const creations: number[] = [];
  for (const i of winners) {
    const a = page[i]!;
    const had = existing.get(keyOf(a.clinicId, a.id));
    const ended = appointmentOver(a, now);
    if (!had && a.reason.teleconsultation && targetStatus(a) === 'scheduled' && !ended) creations.push(i);
    else outcomes[i] = await applyOver(tx, ctx, { appointment: a }, had, by);
  }
  if (creations.length === 0) return outcomes;

  // New future video appointments: as applyOver creates one, for all of them at once.
  const clinicIds = [...new Set(creations.map((i) => page[i]!.clinicId))];
  await tx.insert(clinics).values(clinicIds.map((id) => ({ id }))).onConflictDoNothing();
  const rows = creations.map((i) => {
    const a = page[i]!;
    return { id: randomUUID(), clinicId: a.clinicId, appointmentId: a.id, ...fieldsFrom(a), status: 'scheduled' as const, roomName: newRoomName() };
  });
  await insertRows(tx, teleconsultations, rows);
  // Read back through Drizzle: the listeners get rows exactly as a single creation returns them.
  const created = await tx.select().from(teleconsultations).where(inArray(teleconsultations.id, rows.map((r) => r.id)));
  const links = created.flatMap((t) => {
    const expiresAt = linkExpiry(t.startsAt, t.durationMinutes, ctx.linkGraceHours);
    return (['practitioner', 'patient'] as const).map((role) => ({ id: newLinkId(), clinicId: t.clinicId, teleconsultationId: t.id, role, expiresAt }));
  });
  await insertRows(tx, accessLinks, links);
  const versionOf = new Map(creations.map((i) => [keyOf(page[i]!.clinicId, page[i]!.id), page[i]!.version]));
  await ctx.lifecycle.recordEvents(tx, created.map((t) => ({ t, type: 'teleconsultation.created', by, data: { version: versionOf.get(keyOf(t.clinicId, t.appointmentId)) } })));
  await ctx.lifecycle.emitMany(tx, created.map((t): TeleconsultationChange => ({ kind: 'created', teleconsultation: t })));
  for (const i of creations) outcomes[i] = 'created';
  return outcomes;
}
