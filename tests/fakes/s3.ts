/**
 * A local S3 server for tests: @20minutes/s3rver (a maintained fork of s3rver, pure
 * JavaScript: the S3 REST API with SigV4 checks, multipart uploads, files in a temporary
 * folder) behind a small front that records every request and fails on demand. Our code
 * reaches it through the real AWS SDK. Port 0 on 127.0.0.1.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3StorageConfig } from '../../config/schema.ts';

/** The part of s3rver's API we use (it ships no types). */
interface S3rverInstance {
  configureBuckets(): Promise<void>;
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  store: { listObjects(bucket: string, options: object): Promise<{ objects: { key: string }[] }> };
  logger: { close(): void };
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('@20minutes/s3rver') as S3rverConstructor;

/** One request as the fake got it. */
export interface S3Request {
  method: string;
  /** The path, without the query. */
  path: string;
  query: URLSearchParams;
}

export interface S3Fake {
  url: string;
  bucket: string;
  /** The credentials s3rver knows (its built-in account). */
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Every request, in order. */
  readonly requests: S3Request[];
  /** The configuration that points our storage at this server. */
  config(overrides?: Partial<S3StorageConfig>): S3StorageConfig;
  /** The keys of the stored objects. */
  objectKeys(): Promise<string[]>;
  /** Multipart uploads begun and neither completed nor aborted. */
  pendingUploads(): number;
  /**
   * Fails requests on demand: the status to answer a request with (503: an outage), or
   * undefined to serve it. Unset: normal service.
   */
  failOn: ((request: S3Request) => number | undefined) | undefined;
  close(): Promise<void>;
}

/** Starts the S3 fake with one bucket. */
export async function startS3Fake(bucket = 'teleconsult-documents'): Promise<S3Fake> {
  const directory = mkdtempSync(join(tmpdir(), 'tc-s3-'));
  const s3rver = new S3rver({ silent: true, directory, configureBuckets: [{ name: bucket }], vhostBuckets: false });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const requests: S3Request[] = [];
  const fake: S3Fake = {
    url: '',
    bucket,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    region: 'us-east-1',
    requests,
    failOn: undefined,
    config: (overrides = {}) => ({
      bucket, region: fake.region, endpoint: fake.url, forcePathStyle: true, accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey, ...overrides,
    }),
    async objectKeys() {
      return (await s3rver.store.listObjects(bucket, {})).objects.map((o) => o.key).sort();
    },
    pendingUploads() {
      try {
        return readdirSync(join(directory, bucket, '._S3rver_uploads')).length;
      } catch {
        return 0;
      }
    },
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      s3rver.logger.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const request: S3Request = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams };
    requests.push(request);
    const status = fake.failOn?.(request);
    if (status !== undefined) {
      req.resume();
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message></Error>');
      return;
    }
    const uploadId = url.searchParams.get('uploadId');
    if (request.method === 'DELETE' && uploadId !== null) {
      // AbortMultipartUpload, which s3rver lacks: the upload's parts are dropped.
      req.resume();
      if (/^[0-9a-f]+$/.test(uploadId)) rmSync(join(directory, bucket, '._S3rver_uploads', uploadId), { recursive: true, force: true });
      res.writeHead(204).end();
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
