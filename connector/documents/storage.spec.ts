import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { AppError } from '../errors.ts';
import { openDatabase, type Database } from '../db/client.ts';
import { freshDatabase, type TestDatabase } from '../../tests/support/database.ts';
import { startS3Fake, type S3Fake } from '../../tests/fakes/s3.ts';
import { CHUNK_BYTES, databaseStorage } from './database-storage.ts';
import { s3Storage } from './s3-storage.ts';
import { describeStorageBehaviour, readAll, unevenly } from './storage-behaviour.ts';
import { pieces } from './storage.ts';

async function openTestDatabase(): Promise<{ test: TestDatabase; database: Database }> {
  const test = await freshDatabase();
  const database = await openDatabase({ databaseUrl: test.url, dataDir: '', pglite: test.pglite });
  return { test, database };
}

async function chunkKeys(database: Database): Promise<string[]> {
  const r = await database.db.execute(sql`select distinct storage_key from document_chunks`);
  return (r as unknown as { rows: { storage_key: string }[] }).rows.map((x) => x.storage_key);
}

describeStorageBehaviour('database', async () => {
  const { test, database } = await openTestDatabase();
  return {
    storage: databaseStorage(database.db),
    leftovers: () => chunkKeys(database),
    async close() { await database.close(); await test.drop(); },
  };
});

describeStorageBehaviour('S3', async () => {
  const fake = await startS3Fake();
  const storage = s3Storage(fake.config());
  return {
    storage,
    async leftovers() { return [...await fake.objectKeys(), ...Array.from({ length: fake.pendingUploads() }, (_, i) => `upload:${i}`)]; },
    async close() { await storage.close(); await fake.close(); },
  };
});

describe('database storage of documents, in chunks', () => {
  let opened: { test: TestDatabase; database: Database } | undefined;
  beforeAll(async () => { opened = await openTestDatabase(); });
  afterAll(async () => { await opened?.database.close(); await opened?.test.drop(); });

  it('writes 256 KiB chunks in order, the last one shorter', async () => {
    const { database } = opened!;
    const key = randomUUID();
    await databaseStorage(database.db).put(key, unevenly(randomBytes(2 * CHUNK_BYTES + 10)));
    const r = await database.db.execute(sql`select seq, length(data) as n from document_chunks where storage_key = ${key} order by seq`);
    expect((r as unknown as { rows: { seq: number; n: number }[] }).rows.map((x) => [x.seq, Number(x.n)])).toEqual([[0, CHUNK_BYTES], [1, CHUNK_BYTES], [2, 10]]);
  });
});

describe('pieces of a stream', () => {
  async function sizes(chunks: number[], size: number): Promise<number[]> {
    const out: number[] = [];
    for await (const p of pieces((async function* () { for (const n of chunks) yield new Uint8Array(n); })(), size)) out.push(p.length);
    return out;
  }

  it('cuts any chunking into pieces of one size, the last shorter, and an empty body into one empty piece', async () => {
    expect(await sizes([3, 3, 3], 4)).toEqual([4, 4, 1]);
    expect(await sizes([10], 4)).toEqual([4, 4, 2]);
    expect(await sizes([4, 4], 4)).toEqual([4, 4]);
    expect(await sizes([], 4)).toEqual([0]);
    expect(await sizes([0, 0], 4)).toEqual([0]);
  });
});

describe('S3 storage of documents, on the wire', () => {
  let fake: S3Fake | undefined;
  beforeAll(async () => { fake = await startS3Fake(); });
  afterAll(async () => { await fake?.close(); });
  beforeEach(() => {
    fake!.requests.length = 0;
    fake!.failOn = undefined;
  });

  it('sends a small body in one PutObject, a larger one in 5 MiB parts, under the key it was given', async () => {
    const storage = s3Storage(fake!.config());
    const small = `teleconsultations/${randomUUID()}/documents/${randomUUID()}`;
    await storage.put(small, unevenly(randomBytes(1000)));
    expect(fake!.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`PUT /${fake!.bucket}/${small}`]);
    fake!.requests.length = 0;
    const large = `teleconsultations/${randomUUID()}/documents/${randomUUID()}`;
    await storage.put(large, unevenly(randomBytes(11 * 1024 * 1024)));
    const calls = fake!.requests.map((r) => `${r.method} ${[...r.query.keys()].filter((k) => k !== 'x-id').join(',')}`);
    expect(calls).toEqual(['POST uploads', 'PUT partNumber,uploadId', 'PUT partNumber,uploadId', 'PUT partNumber,uploadId', 'POST uploadId']);
    expect(await fake!.objectKeys()).toEqual(jasmine.arrayContaining([small, large]));
    await storage.close();
  });

  it('aborts a multipart upload whose part is refused, and says the storage is unavailable', async () => {
    const storage = s3Storage(fake!.config());
    const key = `test/${randomUUID()}`;
    fake!.failOn = (r) => (r.query.get('partNumber') === '2' ? 503 : undefined);
    const err = await storage.put(key, unevenly(randomBytes(7 * 1024 * 1024))).then(() => undefined, (e: unknown) => e);
    expect(err instanceof AppError && err.code).toBe('DOCUMENT_STORAGE_UNAVAILABLE');
    expect(fake!.requests.some((r) => r.method === 'DELETE' && r.query.has('uploadId'))).withContext('AbortMultipartUpload sent').toBeTrue();
    expect(fake!.pendingUploads()).toBe(0);
    expect(await fake!.objectKeys()).not.toContain(key);
    await storage.close();
  });

  it('signs with the configured credentials: a wrong secret is refused, nothing stored', async () => {
    const storage = s3Storage(fake!.config({ secretAccessKey: 'not-the-secret' }));
    const key = `test/${randomUUID()}`;
    const err = await storage.put(key, unevenly(Buffer.from('x'))).then(() => undefined, (e: unknown) => e);
    expect(err instanceof AppError && err.code).toBe('DOCUMENT_STORAGE_UNAVAILABLE');
    expect(await fake!.objectKeys()).not.toContain(key);
    await storage.close();
  });

  it('says the storage is unavailable when the service is down, for reads too', async () => {
    const storage = s3Storage(fake!.config());
    const key = `test/${randomUUID()}`;
    await storage.put(key, unevenly(Buffer.from('hello')));
    fake!.failOn = () => 503;
    const put = await storage.put(`test/${randomUUID()}`, unevenly(Buffer.from('x'))).then(() => undefined, (e: unknown) => e);
    expect(put instanceof AppError && put.code).toBe('DOCUMENT_STORAGE_UNAVAILABLE');
    const get = await storage.get(key).then(() => undefined, (e: unknown) => e);
    expect(get instanceof AppError && get.code).toBe('DOCUMENT_STORAGE_UNAVAILABLE');
    fake!.failOn = undefined;
    expect((await readAll(await storage.get(key))).bytes.toString()).toBe('hello');
    await storage.close();
  });
});
