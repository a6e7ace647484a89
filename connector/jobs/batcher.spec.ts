import { createBatcher } from './batcher.ts';

/** A flush that the spec finishes by hand, recording each batch. */
function manualFlush() {
  const batches: number[][] = [];
  const open: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const flush = (items: number[]) => new Promise<string[]>((resolve, reject) => {
    batches.push(items);
    open.push({ resolve: () => resolve(items.map((i) => `done ${i}`)), reject });
  });
  return { batches, open, flush };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('the group-commit batcher', () => {
  it('flushes the calls of one turn as one batch, each caller getting its own result', async () => {
    const f = manualFlush();
    const add = createBatcher(f.flush, { maxBatch: 100 });
    const results = Promise.all([1, 2, 3].map((i) => add(i)));
    await turn();
    expect(f.batches).toEqual([[1, 2, 3]]);
    f.open[0]!.resolve();
    expect(await results).toEqual(['done 1', 'done 2', 'done 3']);
  });

  it('flushes a full batch at once, and the rest at the end of the turn', async () => {
    const f = manualFlush();
    const add = createBatcher(f.flush, { maxBatch: 2 });
    // Runs in this turn's check phase before the batcher's own end-of-turn flush.
    const beforeTurnEnd = new Promise((resolve) => setImmediate(() => resolve(f.batches.map((b) => [...b]))));
    const all = [1, 2, 3].map((i) => add(i));
    expect(await beforeTurnEnd).toEqual([[1, 2]]);
    await turn();
    expect(f.batches).toEqual([[1, 2], [3]]);
    f.open.forEach((o) => o.resolve());
    expect(await Promise.all(all)).toEqual(['done 1', 'done 2', 'done 3']);
  });

  it("rejects only the callers of a failed batch, and goes on with the next", async () => {
    const f = manualFlush();
    const add = createBatcher(f.flush, { maxBatch: 100 });
    const failed = [add(1), add(2)].map((p) => p.then(() => 'resolved', (e: Error) => e.message));
    await turn();
    const next = add(3);
    f.open[0]!.reject(new Error('connection lost'));
    expect(await Promise.all(failed)).toEqual(['connection lost', 'connection lost']);
    await turn();
    expect(f.batches).toEqual([[1, 2], [3]]);
    f.open[1]!.resolve();
    expect(await next).toBe('done 3');
  });

  it('rejects the callers of a flush that throws at once', async () => {
    const add = createBatcher<number, string>(() => { throw new Error('no database'); }, { maxBatch: 10 });
    await expectAsync(add(1)).toBeRejectedWithError('no database');
  });
});
