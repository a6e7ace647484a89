/**
 * One upload, from the multipart part to the `documents` row. The name and declared type are
 * checked before any byte is read; the first bytes are sniffed before any is stored; the
 * rest streams to storage through the size limit (and, for text, the UTF-8 check). Then, in
 * one transaction with the consultation locked, who may add and the quota are checked again
 * and the row is written. Any refusal or failure removes the stored bytes: nothing is left
 * half-stored.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DocumentSummary } from '#protocol/live';
import type { DocumentsConfig } from '../../config/schema.ts';
import { documents, type LinkRole } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { assertMayAdd } from './access.ts';
import { checkDeclaredType, checkSniffedType, plainTextCheck, SNIFF_BYTES } from './formats.ts';
import { checkDocumentName } from './names.ts';
import { documentSummary, storedBytesOf } from './records.ts';
import type { DocumentStorage } from './storage.ts';

/** The file part of an upload, as the multipart parser gives it. */
export interface IncomingFile {
  filename: string | undefined;
  mimetype: string;
  /** Its bytes; `truncated` once they went past the limit the parser was given. */
  file: Readable & { truncated?: boolean };
}

/** The room left for one file: the per-file limit, or less when the quota is nearly used. */
export interface UploadRoom {
  /** The limit to give the parser. */
  limitBytes: number;
  /** Which limit that is, for the refusal. */
  limitedBy: 'file' | 'quota';
}

function tooLarge(config: DocumentsConfig): AppError {
  return new AppError('DOCUMENT_TOO_LARGE', 'The file is larger than the limit per file.', { maxBytes: config.maxFileBytes });
}

function overQuota(config: DocumentsConfig): AppError {
  return new AppError('DOCUMENT_QUOTA_EXCEEDED', "The consultation's documents would exceed their total quota.", { maxBytes: config.maxConsultationBytes });
}

/** How many bytes the next file of a consultation may have; DOCUMENT_QUOTA_EXCEEDED when none. */
export async function uploadRoom(services: Services, teleconsultationId: string): Promise<UploadRoom> {
  const config = services.config.documents;
  const left = config.maxConsultationBytes - await storedBytesOf(services.database.db, teleconsultationId);
  if (left <= 0) throw overQuota(config);
  return left < config.maxFileBytes ? { limitBytes: left, limitedBy: 'quota' } : { limitBytes: config.maxFileBytes, limitedBy: 'file' };
}

/** The first `size` bytes of a stream (fewer if it ends), and an iterator over the rest. */
async function splitHead(stream: AsyncIterable<Uint8Array>, size: number): Promise<{ head: Buffer; rest: AsyncIterator<Uint8Array> }> {
  const rest = stream[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let held = 0;
  while (held < size) {
    const next = await rest.next();
    if (next.done) break;
    parts.push(Buffer.from(next.value));
    held += next.value.byteLength;
  }
  return { head: Buffer.concat(parts), rest };
}

export interface StoreInput {
  teleconsultationId: string;
  /** The uploading session's role: the sender, whatever the request says. */
  role: LinkRole;
  part: IncomingFile;
  room: UploadRoom;
}

/** Checks and stores one file; returns the document as both pages list it. */
export async function storeDocument(services: Services, storage: DocumentStorage, input: StoreInput): Promise<DocumentSummary> {
  const config = services.config.documents;
  const { part, room } = input;
  const name = checkDocumentName(part.filename);
  const type = checkDeclaredType(part.mimetype, name, config.contentTypes);

  const { head, rest } = await splitHead(part.file, SNIFF_BYTES);
  if (head.length === 0) throw new AppError('DOCUMENT_EMPTY', 'The file is empty.');
  await checkSniffedType(head, type);

  const text = type === 'text/plain' ? plainTextCheck() : undefined;
  const limit = () => {
    if (part.file.truncated) throw room.limitedBy === 'quota' ? overQuota(config) : tooLarge(config);
  };
  const body = (async function* () {
    limit();
    text?.push(head);
    yield head;
    for (let next = await rest.next(); !next.done; next = await rest.next()) {
      limit();
      text?.push(next.value);
      yield next.value;
    }
    limit();
    text?.end();
  })();

  const id = randomUUID();
  // The database keys its chunks by the document's id; an object's key says whose it is, never its name.
  const storageKey = storage.kind === 'database' ? id : `teleconsultations/${input.teleconsultationId}/documents/${id}`;
  const stored = await storage.put(storageKey, body);
  try {
    const row = await services.database.db.transaction(async (tx) => {
      const t = await services.lifecycle.lock(tx, input.teleconsultationId);
      await assertMayAdd(tx, t, input.role);
      if (await storedBytesOf(tx, t.id) + stored.size > config.maxConsultationBytes) throw overQuota(config);
      const [inserted] = await tx.insert(documents).values({
        id, teleconsultationId: t.id, sender: input.role, name, contentType: type, sizeBytes: stored.size,
        sha256: stored.sha256, storage: storage.kind, storageKey, createdAt: services.now(),
      }).returning();
      return inserted!;
    });
    return documentSummary(row);
  } catch (err) {
    await storage.delete([storageKey]).catch((cleanup: unknown) => {
      services.log.warn({ err: { message: (cleanup as Error).message }, documentId: id }, 'refused document: its bytes could not be removed');
    });
    throw err;
  }
}
