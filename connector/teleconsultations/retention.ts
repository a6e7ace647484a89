/**
 * What the teleconsultation row itself holds of the patient, blanked past the retention
 * period: name, email, mobile and the appointment's reason label. Ids, status, dates,
 * duration and the practitioner stay (the clinic's accounting and the agenda's ids).
 */
import { inArray, sql } from 'drizzle-orm';
import { teleconsultations } from '../db/schema/index.ts';
import type { PurgeableData } from '../retention/purge.ts';

export const contactsPurge: PurgeableData = {
  name: 'contacts',
  async purge(tx, ids) {
    const rows = await tx.update(teleconsultations).set({
      patient: sql`jsonb_build_object('id', ${teleconsultations.patient}->>'id', 'firstName', '', 'lastName', '', 'locale', ${teleconsultations.patient}->>'locale')`,
      patientEmail: null,
      patientMobile: null,
      reasonLabel: '',
    }).where(inArray(teleconsultations.id, ids)).returning({ id: teleconsultations.id });
    return rows.length;
  },
};
