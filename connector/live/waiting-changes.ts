/**
 * What the agenda and the other consultations change in a waiting room, told live: the
 * appointment moved (its new summary), and the practitioner going into or out of another
 * of their consultations (the waiting patients' "busy" flag).
 */
import { and, eq, gte, inArray, lt, ne, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Tx } from '../db/client.ts';
import { teleconsultations } from '../db/schema/index.ts';
import type { Services } from '../services.ts';
import { teleconsultationSummary } from '../sessions/summary.ts';
import type { ChangeListener, Teleconsultation } from '../teleconsultations/model.ts';
import type { LiveHub } from './hub.ts';
import { DEFAULT_STALE_AFTER_MS, loadWaitingInfo } from './presence.ts';

/**
 * When a change's news is published, in ms after its listener ran: a listener runs inside
 * the change's transaction, which has no commit hook, so the first try comes once it has had
 * time to commit and the second catches a slow commit (the news is the same, sent again).
 */
export const AFTER_COMMIT_DELAYS_MS = [200, 2_000] as const;

/** Runs `publish` at each of `delays` (ms), after the current transaction has had time to commit. */
export function publishAfterCommit(delays: readonly number[], publish: () => Promise<void>): void {
  for (const delay of delays) {
    setTimeout(() => { publish().catch(() => {}); }, delay).unref();
  }
}

/** The practitioner's other consultations of the same day (their time zone) where a patient may wait. */
async function sameDayWaitingRooms(tx: Tx, t: Teleconsultation, now: Date): Promise<string[]> {
  const day = DateTime.fromJSDate(now).setZone(t.practitioner.timezone).startOf('day');
  const rows = await tx.select({ id: teleconsultations.id }).from(teleconsultations).where(and(
    eq(teleconsultations.clinicId, t.clinicId),
    sql`${teleconsultations.practitioner}->>'id' = ${t.practitioner.id}`,
    ne(teleconsultations.id, t.id),
    inArray(teleconsultations.status, ['scheduled', 'waiting']),
    gte(teleconsultations.startsAt, day.toJSDate()),
    lt(teleconsultations.startsAt, day.plus({ days: 1 }).toJSDate()),
  ));
  return rows.map((r) => r.id);
}

/**
 * The lifecycle listener that tells waiting rooms what changed around them: `teleconsultation`
 * with the new summary when the agenda moves an appointment, and a fresh `waiting` to the
 * practitioner's other consultations of the day when one of theirs goes into or out of
 * `in_progress`.
 */
export function publishWaitingRoomChanges(services: Services, hub: LiveHub, staleAfterMs = DEFAULT_STALE_AFTER_MS): ChangeListener {
  return async (tx, change) => {
    const t = change.teleconsultation;
    if (change.kind === 'updated') {
      if (!change.moved) return;
      const summary = teleconsultationSummary(services.config, t);
      publishAfterCommit(AFTER_COMMIT_DELAYS_MS.slice(0, 1), () => hub.publish(t.id, { kind: 'deliver', to: ['practitioner', 'patient'], message: { type: 'teleconsultation', teleconsultation: summary } }));
      return;
    }
    if (change.kind === 'created') return;
    if ((change.previous.status === 'in_progress') === (t.status === 'in_progress')) return;
    const rooms = await sameDayWaitingRooms(tx, t, services.now());
    if (rooms.length === 0) return;
    // Read after the commit: whether the practitioner is busy is the committed state.
    publishAfterCommit(AFTER_COMMIT_DELAYS_MS, async () => {
      for (const id of rooms) {
        const waiting = await loadWaitingInfo(services, { id, clinicId: t.clinicId, practitioner: t.practitioner }, staleAfterMs);
        await hub.publish(id, { kind: 'deliver', to: ['practitioner', 'patient'], message: { type: 'waiting', waiting } });
      }
    });
  };
}
