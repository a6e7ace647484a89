/**
 * Retention: past the clinic's retention period (days after the appointment's end, default
 * 90, `retentionDays` of the clinic's settings), a daily job deletes the patient's data and
 * keeps what the clinic needs for its accounting: amounts, statuses, dates and ids.
 *
 * What is purged is a registry: each feature that stores patient data registers a
 * {@link PurgeableData} where the app is composed (app.ts), so a new kind of data (files,
 * drawings) joins the purge by registering, not by editing this file. Each batch of
 * teleconsultations is purged in one transaction, and marked purged in it.
 */
import { and, asc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Tx } from '../db/client.ts';
import { teleconsultations } from '../db/schema/index.ts';
import { recordEvent } from '../teleconsultations/lifecycle.ts';
import { clinicSettings } from '../teleconsultations/clinic-settings.ts';
import type { Services } from '../services.ts';

/** One kind of patient data, and how to delete it for some teleconsultations. */
export interface PurgeableData {
  /** A name for reports and logs (`chat`, `messages`). */
  name: string;
  /** Deletes (or blanks) this data of these teleconsultations in `tx`; returns the rows touched. */
  purge(tx: Tx, teleconsultationIds: string[]): Promise<number>;
}

export const RETENTION_QUEUE = 'retention-purge';
const BATCH = 200;

export interface PurgeReport {
  teleconsultations: number;
  /** Rows touched per kind of data. */
  rows: Record<string, number>;
}

export interface Retention {
  /** Adds a kind of data to the purge (where the app is composed). */
  register(data: PurgeableData): void;
  /** The names of the kinds of data purged, in order. */
  readonly registered: readonly string[];
  /** Purges every teleconsultation past its clinic's retention period at `now`. */
  purgeDue(now?: Date): Promise<PurgeReport>;
  /** The daily job. */
  registerJobs(): Promise<void>;
}

/** The retention of a service; the contacts on the teleconsultation row are always purged last. */
export function createRetention(services: Services): Retention {
  const registry: PurgeableData[] = [];
  const { db } = services.database;

  async function purgeBatch(ids: string[], now: Date, report: PurgeReport): Promise<void> {
    await db.transaction(async (tx) => {
      // Locked, and only those still unpurged: two instances' jobs never purge one twice.
      const rows = await tx.select({ id: teleconsultations.id, clinicId: teleconsultations.clinicId }).from(teleconsultations)
        .where(and(inArray(teleconsultations.id, ids), isNull(teleconsultations.purgedAt))).for('update', { skipLocked: true });
      if (rows.length === 0) return;
      const locked = rows.map((r) => r.id);
      for (const data of registry) report.rows[data.name] = (report.rows[data.name] ?? 0) + await data.purge(tx, locked);
      await tx.update(teleconsultations).set({ purgedAt: now, updatedAt: now }).where(inArray(teleconsultations.id, locked));
      for (const r of rows) await recordEvent(tx, r, 'teleconsultation.purged', { kind: 'system', process: 'retention' }, { kinds: registry.map((d) => d.name) }, now);
      report.teleconsultations += rows.length;
    });
  }

  const retention: Retention = {
    register(data) {
      if (registry.some((d) => d.name === data.name)) throw new Error(`purgeable data "${data.name}" registered twice`);
      registry.push(data);
    },
    get registered() { return registry.map((d) => d.name); },
    async purgeDue(now = services.now()) {
      const report: PurgeReport = { teleconsultations: 0, rows: {} };
      // The clinics with anything old enough for the shortest possible period (1 day).
      const clinicRows = await db.selectDistinct({ clinicId: teleconsultations.clinicId }).from(teleconsultations)
        .where(and(isNull(teleconsultations.purgedAt), lt(teleconsultations.startsAt, new Date(now.getTime() - 86_400_000))));
      for (const { clinicId } of clinicRows) {
        const { retentionDays } = await clinicSettings(db, clinicId, services.config.clinicDefaults);
        const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
        for (;;) {
          const due = await db.select({ id: teleconsultations.id }).from(teleconsultations)
            .where(and(
              eq(teleconsultations.clinicId, clinicId), isNull(teleconsultations.purgedAt),
              sql`${teleconsultations.startsAt} + make_interval(mins => ${teleconsultations.durationMinutes}) < ${cutoff}`,
            ))
            .orderBy(asc(teleconsultations.startsAt)).limit(BATCH);
          if (due.length === 0) break;
          const before = report.teleconsultations;
          await purgeBatch(due.map((d) => d.id), now, report);
          if (report.teleconsultations === before) break; // all locked by another instance's purge
        }
      }
      if (report.teleconsultations > 0) services.log.info({ purged: report.teleconsultations, rows: report.rows }, 'retention purge');
      return report;
    },
    async registerJobs() {
      await services.queue.define<object>(
        { name: RETENTION_QUEUE, retryLimit: 3, retryDelaySeconds: 300, expireInSeconds: 3600, batchSize: 1, policy: 'singleton' },
        async () => { await retention.purgeDue(); },
      );
      // Every night, at a quiet hour.
      await services.queue.schedule(RETENTION_QUEUE, '17 3 * * *');
    },
  };
  return retention;
}
