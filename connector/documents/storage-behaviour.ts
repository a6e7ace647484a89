/**
 * What every storage of documents must do, as one Jasmine suite run against each adapter
 * (storage.spec.ts): the database, and S3 through the real SDK against a local S3 server.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DocumentBytesMissing, type DocumentStorage } from './storage.ts';

/** A storage under test, with a look at what its backend holds. */
export interface StorageUnderTest {
  storage: DocumentStorage;
  /** Every key that holds bytes (or parts of an unfinished upload) in the backend. */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

/** `bytes` in chunks of uneven sizes, as a network would give them. */
export async function* unevenly(bytes: Buffer, fail?: Error): AsyncGenerator<Uint8Array> {
  const sizes = [1, 7_919, 65_536, 100_003, 3];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + n);
    at += n;
  }
  if (fail) throw fail;
}

/** Reads a stream to its end. */
export async function readAll(stream: Readable): Promise<{ bytes: Buffer; chunks: number }> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Uint8Array));
  return { bytes: Buffer.concat(parts), chunks: parts.length };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The storage behaviour, run against the storage that `open` makes (once for the suite). */
export function describeStorageBehaviour(name: string, open: () => Promise<StorageUnderTest>): void {
  describe(`${name} storage of documents`, () => {
    let s: StorageUnderTest | undefined;
    const under = () => {
      if (!s) throw new Error('storage not opened');
      return s;
    };
    beforeAll(async () => { s = await open(); });
    afterAll(async () => { await s?.close(); });

    for (const size of [0, 1, 256 * 1024 - 1, 256 * 1024, 256 * 1024 + 1, 5 * 1024 * 1024, 6 * 1024 * 1024 + 3]) {
      it(`stores ${size} bytes streamed in, and streams back the same bytes with their size and SHA-256`, async () => {
        const { storage } = under();
        const bytes = randomBytes(size);
        const key = `test/${randomUUID()}`;
        const stored = await storage.put(key, unevenly(bytes));
        expect(stored).toEqual({ size, sha256: sha256(bytes) });
        const back = await readAll(await storage.get(key));
        expect(back.bytes.length).toBe(size);
        expect(sha256(back.bytes)).toBe(sha256(bytes));
        if (size > 1024 * 1024) expect(back.chunks).withContext('streamed out in pieces').toBeGreaterThan(1);
        await storage.delete([key]);
      });
    }

    it('keeps nothing of a body that fails half-way, and gives its error back', async () => {
      const { storage, leftovers } = under();
      const key = `test/${randomUUID()}`;
      const boom = new Error('the client went away');
      await expectAsync(storage.put(key, unevenly(randomBytes(6 * 1024 * 1024), boom))).toBeRejectedWith(boom);
      await expectAsync(storage.get(key)).toBeRejectedWithError(DocumentBytesMissing);
      expect(await leftovers()).not.toContain(key);
      expect((await leftovers()).filter((k) => k.startsWith('upload:'))).toEqual([]);
    });

    it('says when a key holds nothing', async () => {
      await expectAsync(under().storage.get(`test/${randomUUID()}`)).toBeRejectedWithError(DocumentBytesMissing);
    });

    it('deletes several keys at once; keys that hold nothing are fine', async () => {
      const { storage, leftovers } = under();
      const keys = [`test/${randomUUID()}`, `test/${randomUUID()}`, `test/${randomUUID()}`];
      for (const key of keys) await storage.put(key, unevenly(randomBytes(300_000)));
      const kept = `test/${randomUUID()}`;
      await storage.put(kept, unevenly(Buffer.from('kept')));
      expect(await leftovers()).toEqual(jasmine.arrayContaining([...keys, kept]));
      await storage.delete([...keys, `test/${randomUUID()}`]);
      await storage.delete([]);
      const left = await leftovers();
      for (const key of keys) expect(left).not.toContain(key);
      expect(left).toContain(kept);
      expect((await readAll(await storage.get(kept))).bytes.toString()).toBe('kept');
      for (const key of keys) await expectAsync(storage.get(key)).toBeRejectedWithError(DocumentBytesMissing);
    });

    it('overwrites nothing it was not told to: two keys keep their own bytes', async () => {
      const { storage } = under();
      const a = `test/${randomUUID()}`;
      const b = `test/${randomUUID()}`;
      await Promise.all([storage.put(a, unevenly(Buffer.alloc(400_000, 1))), storage.put(b, unevenly(Buffer.alloc(300_000, 2)))]);
      const [ra, rb] = await Promise.all([readAll(await storage.get(a)), readAll(await storage.get(b))]);
      expect(ra.bytes.equals(Buffer.alloc(400_000, 1))).toBeTrue();
      expect(rb.bytes.equals(Buffer.alloc(300_000, 2))).toBeTrue();
      await storage.delete([a, b]);
    });
  });
}
