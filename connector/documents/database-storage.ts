/**
 * Documents' bytes in the database (the default, on PGlite and PostgreSQL alike): 256 KiB
 * chunks in `document_chunks`, one statement each, so an upload or a download never holds
 * more than a chunk, and a slow client never holds a transaction (PGlite has one connection).
 */
import { Readable } from 'node:stream';
import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { documentChunks, documents } from '../db/schema/index.ts';
import { DocumentBytesMissing, measured, pieces, type DocumentStorage } from './storage.ts';

/** The size of a chunk (the last one of a document is shorter). */
export const CHUNK_BYTES = 256 * 1024;

/** The database storage on `q` (the service's database, or a transaction). */
export function databaseStorage(q: Queryable): DocumentStorage {
  const chunk = async (key: string, seq: number): Promise<Uint8Array | undefined> => {
    const [row] = await q.select({ data: documentChunks.data }).from(documentChunks)
      .where(and(eq(documentChunks.storageKey, key), eq(documentChunks.seq, seq)));
    return row?.data;
  };
  const storage: DocumentStorage = {
    kind: 'database',
    async put(key, body) {
      const m = measured(body);
      let seq = 0;
      try {
        // Even an empty body has its (empty) chunk 0: it tells "stored, empty" from "nothing".
        for await (const piece of pieces(m.chunks, CHUNK_BYTES)) {
          await q.insert(documentChunks).values({ storageKey: key, seq, data: piece });
          seq++;
        }
      } catch (err) {
        // If the database itself failed, this fails too: the orphan sweep takes them later.
        await storage.delete([key]).catch(() => undefined);
        throw err;
      }
      return m.result();
    },
    async get(key) {
      const first = await chunk(key, 0);
      if (!first) throw new DocumentBytesMissing(`no bytes under ${key}`);
      return Readable.from((async function* () {
        yield first;
        for (let seq = 1; ; seq++) {
          const next = await chunk(key, seq);
          if (!next) return;
          yield next;
        }
      })(), { objectMode: false });
    },
    async delete(keys) {
      if (keys.length === 0) return;
      await q.delete(documentChunks).where(inArray(documentChunks.storageKey, [...keys]));
    },
    async close() {},
  };
  return storage;
}

/**
 * Deletes the chunks of uploads that never became a document (the process stopped during an
 * upload, or the database failed before the clean-up): chunks older than `before` whose key
 * no document row holds. Returns how many chunks went.
 */
export async function sweepOrphanChunks(q: Queryable, before: Date): Promise<number> {
  const gone = await q.delete(documentChunks)
    .where(and(
      lt(documentChunks.createdAt, before),
      sql`not exists (select 1 from ${documents} where ${documents.storageKey} = ${documentChunks.storageKey} and ${documents.storage} = 'database')`,
    ))
    .returning({ seq: documentChunks.seq });
  return gone.length;
}
