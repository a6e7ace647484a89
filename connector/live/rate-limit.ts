/** A token bucket per connection: bursts allowed, a sustained flood is not. */

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
