/** Builds the storages of documents from the configuration (see `storage.ts` for the port). */
import type { DocumentsConfig } from '../../config/schema.ts';
import type { Queryable } from '../db/client.ts';
import type { DocumentStorageKind } from '../db/schema/index.ts';
import { databaseStorage } from './database-storage.ts';
import type { DocumentStorage } from './storage.ts';

/** The storages of a service: one for new documents, and each kind by name to read or delete older ones. */
export interface DocumentStores {
  /** Where new documents go (DOCUMENT_STORAGE). */
  readonly current: DocumentStorage;
  /** The storage of a document stored under `kind`; the database one bound to `q` (a purge's transaction). */
  of(kind: DocumentStorageKind, q?: Queryable): DocumentStorage;
  close(): Promise<void>;
}

/**
 * Builds the storages from the configuration: the database always (documents stored there
 * before a move to S3 stay readable), S3 when it is configured.
 */
export async function createDocumentStores(config: DocumentsConfig, db: Queryable): Promise<DocumentStores> {
  const database = databaseStorage(db);
  // The AWS SDK is loaded only when S3 is configured (some 10 MB of memory otherwise idle).
  const s3 = config.s3 ? (await import('./s3-storage.ts')).s3Storage(config.s3) : undefined;
  const of = (kind: DocumentStorageKind, q?: Queryable): DocumentStorage => {
    if (kind === 'database') return q ? databaseStorage(q) : database;
    if (!s3) throw new Error('documents are stored in S3, but S3 is not configured (S3_BUCKET, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY)');
    return s3;
  };
  return {
    current: of(config.storage),
    of,
    async close() {
      await s3?.close();
    },
  };
}
