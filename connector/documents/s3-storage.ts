/**
 * Documents' bytes in S3-compatible object storage (AWS S3, or a compatible service at
 * S3_ENDPOINT) through the AWS SDK. A body of less than one part goes in one PutObject;
 * a larger one in a multipart upload of 5 MiB parts sent one after another (one part in
 * memory), aborted on any failure so nothing stays half-uploaded.
 */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand,
  GetObjectCommand, PutObjectCommand, S3Client, UploadPartCommand, type CompletedPart,
} from '@aws-sdk/client-s3';
import type { S3StorageConfig } from '../../config/schema.ts';
import { DocumentBytesMissing, measured, pieces, storageUnavailable, type DocumentStorage, type StoredBytes } from './storage.ts';

/** S3's smallest part but the last; a body shorter than this is one PutObject. */
export const PART_BYTES = 5 * 1024 * 1024;
/** Deletions sent at once. */
const DELETE_CONCURRENCY = 8;

/** A failure of the body we were given, kept apart from the service's own failures. */
class BodyFailure {
  constructor(readonly error: unknown) {}
}

/** The S3 storage of one bucket. */
export function s3Storage(config: S3StorageConfig): DocumentStorage {
  const client = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // The SDK's default CRC checksums (aws-chunked bodies) are refused by many compatible
    // services; checksums only where an operation requires them work everywhere.
    // https://github.com/aws/aws-sdk-js-v3/issues/6810
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  });
  const Bucket = config.bucket;

  async function next(it: AsyncIterator<Buffer>): Promise<IteratorResult<Buffer>> {
    try {
      return await it.next();
    } catch (err) {
      throw new BodyFailure(err);
    }
  }

  async function putMultipart(key: string, first: Buffer, it: AsyncIterator<Buffer>): Promise<void> {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket, Key: key }));
    if (!UploadId) throw new Error('S3 gave no upload id');
    try {
      const parts: CompletedPart[] = [];
      let piece: IteratorResult<Buffer> = { done: false, value: first };
      while (!piece.done) {
        const PartNumber = parts.length + 1;
        const { ETag } = await client.send(new UploadPartCommand({ Bucket, Key: key, UploadId, PartNumber, Body: piece.value, ContentLength: piece.value.length }));
        parts.push({ PartNumber, ETag });
        piece = await next(it);
      }
      await client.send(new CompleteMultipartUploadCommand({ Bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
    } catch (err) {
      await client.send(new AbortMultipartUploadCommand({ Bucket, Key: key, UploadId })).catch(() => undefined);
      throw err;
    }
  }

  return {
    kind: 's3',
    async put(key, body): Promise<StoredBytes> {
      const m = measured(body);
      const it = pieces(m.chunks, PART_BYTES)[Symbol.asyncIterator]();
      try {
        const first = await next(it);
        const head = first.done ? Buffer.alloc(0) : first.value;
        if (head.length < PART_BYTES) {
          // pieces() ends after a short piece: this is the whole body.
          await next(it);
          await client.send(new PutObjectCommand({ Bucket, Key: key, Body: head, ContentLength: head.length }));
        } else {
          await putMultipart(key, head, it);
        }
        return m.result();
      } catch (err) {
        if (err instanceof BodyFailure) throw err.error;
        throw storageUnavailable(err);
      }
    },
    async get(key): Promise<Readable> {
      try {
        const { Body } = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!Body) throw new DocumentBytesMissing(`no body under ${key}`);
        // In Node the SDK's body is the response's IncomingMessage.
        return Body as Readable;
      } catch (err) {
        if (err instanceof DocumentBytesMissing) throw err;
        if ((err as { name?: string }).name === 'NoSuchKey') throw new DocumentBytesMissing(`no object under ${key}`, { cause: err });
        throw storageUnavailable(err);
      }
    },
    async delete(keys) {
      // One DeleteObject per key: DeleteObjects needs a Content-MD5 that the SDK no longer
      // sends, which compatible services refuse. https://github.com/aws/aws-sdk-js-v3/issues/6920
      const queue = [...keys];
      try {
        await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, queue.length) }, async () => {
          for (let key = queue.shift(); key !== undefined; key = queue.shift()) await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
        }));
      } catch (err) {
        throw storageUnavailable(err);
      }
    },
    async close() {
      client.destroy();
    },
  };
}
