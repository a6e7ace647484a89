/**
 * Documents past the retention period: their bytes (chunks, or S3 objects) and their rows go
 * together. The objects are deleted first, inside the purge's transaction: if S3 fails, the
 * transaction rolls back and the nightly job tries again, so no row is lost while its bytes
 * stay. Also the hourly sweep of chunks that no document holds (an upload cut short).
 */
import { inArray } from 'drizzle-orm';
import { documents, type DocumentStorageKind } from '../db/schema/index.ts';
import type { PurgeableData } from '../retention/purge.ts';
import type { Services } from '../services.ts';
import { sweepOrphanChunks } from './database-storage.ts';
import type { DocumentStores } from './stores.ts';

export const ORPHAN_SWEEP_QUEUE = 'documents-orphan-sweep';
/** Chunks younger than this may belong to an upload still under way. */
const ORPHAN_AFTER_MS = 3_600_000;

/** The documents of these teleconsultations, bytes first, then rows (connector/retention/purge.ts). */
export function documentsPurge(stores: DocumentStores): PurgeableData {
  return {
    name: 'documents',
    async purge(tx, ids) {
      const rows = await tx.select({ storage: documents.storage, storageKey: documents.storageKey }).from(documents).where(inArray(documents.teleconsultationId, ids));
      for (const kind of ['s3', 'database'] as const satisfies readonly DocumentStorageKind[]) {
        const keys = rows.filter((r) => r.storage === kind).map((r) => r.storageKey);
        if (keys.length > 0) await stores.of(kind, tx).delete(keys);
      }
      return (await tx.delete(documents).where(inArray(documents.teleconsultationId, ids)).returning({ id: documents.id })).length;
    },
  };
}

/** The hourly job that removes abandoned chunks. */
export async function registerOrphanSweep(services: Services): Promise<void> {
  await services.queue.define<object>(
    { name: ORPHAN_SWEEP_QUEUE, retryLimit: 2, retryDelaySeconds: 300, expireInSeconds: 600, batchSize: 1, policy: 'singleton' },
    async () => {
      const swept = await sweepOrphanChunks(services.database.db, new Date(services.now().getTime() - ORPHAN_AFTER_MS));
      if (swept > 0) services.log.info({ chunks: swept }, 'abandoned document chunks removed');
    },
  );
  await services.queue.schedule(ORPHAN_SWEEP_QUEUE, '41 * * * *');
}
