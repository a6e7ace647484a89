/**
 * Group commit for hot paths: calls made within the same tick are gathered and flushed as
 * one batch (one statement, one commit), and each caller gets its own result once that
 * batch is durable. Several batches may be in flight at once.
 */

export interface BatcherOptions {
  /** Largest batch; a full batch is flushed at once. */
  maxBatch: number;
}

/** Returns a function that adds one item and resolves with its result after the flush. */
export function createBatcher<T, R>(flush: (items: T[]) => Promise<R[]>, opts: BatcherOptions): (item: T) => Promise<R> {
  let pending: { item: T; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;

  const run = () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    // A flush that throws before its promise rejects its batch's callers as well.
    Promise.resolve().then(() => flush(batch.map((b) => b.item))).then(
      (results) => batch.forEach((b, i) => b.resolve(results[i]!)),
      (err: unknown) => batch.forEach((b) => b.reject(err)),
    );
  };

  return (item) => new Promise<R>((resolve, reject) => {
    pending.push({ item, resolve, reject });
    if (pending.length >= opts.maxBatch) run();
    else if (!scheduled) {
      scheduled = true;
      // After the I/O callbacks of this turn, so that requests that arrived together share a batch.
      setImmediate(run);
    }
  });
}
