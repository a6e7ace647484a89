/**
 * The live event bus: Redis pub/sub across instances when REDIS_URL is set, in-process
 * otherwise. It only fans events out; the database stays the truth, so a lost event
 * costs a refresh, never data.
 */
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export type BusHandler = (message: unknown) => void;

export interface LiveBus {
  readonly kind: 'redis' | 'memory';
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns the function that unsubscribes this handler. */
  subscribe(channel: string, handler: BusHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Channel names carry a prefix so several deployments can share one Redis. */
const PREFIX = 'tc:';

function memoryBus(): LiveBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    kind: 'memory',
    async publish(channel, message) {
      // Deliver asynchronously and as a copy, as Redis would.
      const copy: unknown = JSON.parse(JSON.stringify(message));
      queueMicrotask(() => emitter.emit(channel, copy));
    },
    async subscribe(channel, handler) {
      emitter.on(channel, handler);
      return async () => { emitter.off(channel, handler); };
    },
    async close() { emitter.removeAllListeners(); },
  };
}

function redisBus(url: string, log: Logger): LiveBus {
  const pub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const sub = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
  const handlers = new Map<string, Set<BusHandler>>();
  for (const c of [pub, sub]) c.on('error', (err) => log.warn({ err: { message: err.message } }, 'redis bus error'));
  sub.on('message', (channel: string, payload: string) => {
    const set = handlers.get(channel.slice(PREFIX.length));
    if (!set) return;
    let message: unknown;
    try { message = JSON.parse(payload); } catch { return; }
    for (const h of set) h(message);
  });
  return {
    kind: 'redis',
    async publish(channel, message) {
      await pub.publish(PREFIX + channel, JSON.stringify(message));
    },
    async subscribe(channel, handler) {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await sub.subscribe(PREFIX + channel);
      }
      set.add(handler);
      return async () => {
        const s = handlers.get(channel);
        if (!s) return;
        s.delete(handler);
        if (s.size === 0) {
          handlers.delete(channel);
          await sub.unsubscribe(PREFIX + channel);
        }
      };
    },
    async close() {
      handlers.clear();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}

/** Creates the bus for this configuration. */
export function createLiveBus(redisUrl: string | undefined, log: Logger): LiveBus {
  return redisUrl ? redisBus(redisUrl, log) : memoryBus();
}
