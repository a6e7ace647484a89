import { TokenBucket, WaitingMessages } from './rate-limit.ts';

describe('live flow limits', () => {
  it('keep messages waiting for the session check up to a count, in order', () => {
    const q = new WaitingMessages<string>(3, 1000);
    expect(['a', 'b', 'c'].map((m) => q.push(m, 1))).toEqual([true, true, true]);
    expect(q.push('d', 1)).toBeFalse();
    expect(q.drain()).toEqual(['a', 'b', 'c']);
    expect(q.size).toEqual({ messages: 0, bytes: 0 });
    expect(q.push('e', 1)).toBeTrue();
  });

  it('keep them up to a size in all', () => {
    const q = new WaitingMessages<string>(100, 10);
    expect(q.push('a', 6)).toBeTrue();
    expect(q.push('b', 5)).toBeFalse();
    expect(q.push('c', 4)).toBeTrue();
    expect(q.size).toEqual({ messages: 2, bytes: 10 });
  });

  it('let a burst through and stop a sustained flood', () => {
    let now = 0;
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 2 }, () => now);
    expect(Array.from({ length: 6 }, () => bucket.take())).toEqual([true, true, true, true, true, false]);
    now += 1000;
    expect([bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, false]);
  });
});
