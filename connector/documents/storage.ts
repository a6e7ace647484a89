/**
 * The port of documents' bytes, in our words: `put` a stream under a key (measured and
 * hashed on the way), `get` it back as a stream, `delete` keys. Two adapters: the database
 * (chunks in `document_chunks`, the default) and S3-compatible object storage; `stores.ts`
 * builds them from the configuration. Vendor types stay inside the adapters. Neither holds
 * a whole file in memory: the database adapter holds one 256 KiB chunk, the S3 one one part.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DocumentStorageKind } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';

/** What a stored object is: its length and its SHA-256 (hex). */
export interface StoredBytes {
  size: number;
  sha256: string;
}

/** One place documents' bytes can be kept. */
export interface DocumentStorage {
  readonly kind: DocumentStorageKind;
  /**
   * Stores `body` under `key`. Either the whole body is stored, or the call fails and
   * whatever it had written is removed (a failure of `body` itself aborts the put).
   */
  put(key: string, body: AsyncIterable<Uint8Array>): Promise<StoredBytes>;
  /** The bytes under `key`; {@link DocumentBytesMissing} when there are none. */
  get(key: string): Promise<Readable>;
  /** Removes these keys; keys that hold nothing are fine. */
  delete(keys: readonly string[]): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}

/** Nothing is stored under this key. */
export class DocumentBytesMissing extends Error {
  override readonly name = 'DocumentBytesMissing';
}

/** The storage service did not answer or refused: nothing was stored (or read). */
export function storageUnavailable(cause: unknown): AppError {
  return new AppError('DOCUMENT_STORAGE_UNAVAILABLE', 'The document storage is not answering; nothing was stored. Try again in a few minutes.', undefined, { cause });
}

/**
 * Passes `body` through, counting and hashing it; `result()` is valid once it has been
 * read to its end.
 */
export function measured(body: AsyncIterable<Uint8Array>): { chunks: AsyncIterable<Uint8Array>; result(): StoredBytes } {
  const hash = createHash('sha256');
  let size = 0;
  let done = false;
  return {
    chunks: (async function* () {
      for await (const chunk of body) {
        hash.update(chunk);
        size += chunk.byteLength;
        yield chunk;
      }
      done = true;
    })(),
    result() {
      if (!done) throw new Error('the body was not read to its end');
      return { size, sha256: hash.digest('hex') };
    },
  };
}

/**
 * Yields `body` in pieces of exactly `size` bytes (the last one shorter, possibly empty when
 * the body is), holding at most one piece.
 */
export async function* pieces(body: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let held = 0;
  let yielded = false;
  for await (const chunk of body) {
    let rest = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (held + rest.length >= size) {
      const take = size - held;
      parts.push(rest.subarray(0, take));
      rest = rest.subarray(take);
      yield Buffer.concat(parts, size);
      yielded = true;
      parts = [];
      held = 0;
    }
    if (rest.length > 0) {
      // Copied: the producer may reuse its buffer once we ask for the next chunk.
      parts.push(Buffer.from(rest));
      held += rest.length;
    }
  }
  if (held > 0 || !yielded) yield Buffer.concat(parts, held);
}
