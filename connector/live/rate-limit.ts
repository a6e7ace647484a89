/** Flow limits of a live connection: a token bucket (bursts allowed, a sustained flood is not), and the bound on messages that wait for the session check. */

export interface TokenBucketOptions {
  /** Largest burst, in messages. */
  capacity: number;
  /** Sustained rate, in messages per second. */
  refillPerSecond: number;
}

/** The default for a live connection: pointer moves and drawing send tens per second. */
export const LIVE_MESSAGE_RATE: TokenBucketOptions = { capacity: 200, refillPerSecond: 60 };

/** A token bucket; `take()` is false once the flood exceeds the burst. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly options: TokenBucketOptions, private readonly clock: () => number = () => performance.now()) {
    this.tokens = options.capacity;
    this.last = clock();
  }

  /** Takes one token; false when none is left. */
  take(): boolean {
    const now = this.clock();
    this.tokens = Math.min(this.options.capacity, this.tokens + ((now - this.last) / 1000) * this.options.refillPerSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Messages that arrive before the session is checked wait, in order, up to a count and a size. */
export class WaitingMessages<T> {
  private readonly items: T[] = [];
  private bytes = 0;

  constructor(private readonly maxMessages: number, private readonly maxBytes: number) {}

  /** Keeps a message; false (and nothing kept) when that would pass either bound. */
  push(item: T, size: number): boolean {
    if (this.items.length >= this.maxMessages || this.bytes + size > this.maxBytes) return false;
    this.items.push(item);
    this.bytes += size;
    return true;
  }

  /** Everything kept, oldest first; the queue is then empty. */
  drain(): T[] {
    this.bytes = 0;
    return this.items.splice(0);
  }

  get size(): { messages: number; bytes: number } {
    return { messages: this.items.length, bytes: this.bytes };
  }
}
