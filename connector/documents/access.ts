/**
 * Who may add and who may read a consultation's documents. The practitioner always (until
 * the end, for adding); the patient once let in: adding while admitted, reading once admitted
 * (also after dropping out) and after the end, when the closing message sends them there.
 */
import { and, eq } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { participants, type LinkRole } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { Teleconsultation } from '../teleconsultations/model.ts';

async function patientRow(q: Queryable, teleconsultationId: string) {
  const [row] = await q.select({ state: participants.state, admittedAt: participants.admittedAt }).from(participants)
    .where(and(eq(participants.teleconsultationId, teleconsultationId), eq(participants.role, 'patient')));
  return row;
}

function notAdmitted(): AppError {
  return new AppError('NOT_ADMITTED', 'Wait until the practitioner lets you in.');
}

/**
 * Throws unless `role` may add a document to `t` now: TELECONSULTATION_CANCELLED,
 * TELECONSULTATION_ENDED, or NOT_ADMITTED for a patient who is not in the call.
 */
export async function assertMayAdd(q: Queryable, t: Teleconsultation, role: LinkRole): Promise<void> {
  if (t.status === 'cancelled') throw new AppError('TELECONSULTATION_CANCELLED', 'This teleconsultation was cancelled.');
  if (t.status === 'ended') throw new AppError('TELECONSULTATION_ENDED', 'The teleconsultation has ended: documents can no longer be added.');
  if (role === 'patient' && (await patientRow(q, t.id))?.state !== 'admitted') throw notAdmitted();
}

/** Throws NOT_ADMITTED unless `role` may read `t`'s documents and conversation. */
export async function assertMayRead(q: Queryable, t: Teleconsultation, role: LinkRole): Promise<void> {
  if (role === 'practitioner' || t.status === 'ended') return;
  const row = await patientRow(q, t.id);
  // Turned away (denied) is out until the end; a drop-out past the grace period is still one who was in.
  if (!row || row.state === 'denied' || (row.state !== 'admitted' && !row.admittedAt)) throw notAdmitted();
}
