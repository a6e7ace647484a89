/**
 * Durable jobs on PostgreSQL (or PGlite) with pg-boss. A job that matters is planned in
 * the same transaction as the change that needs it: pass that transaction as `tx`.
 */
import PgBoss from 'pg-boss';
import { v7 as uuidv7 } from 'uuid';
import type { Logger } from 'pino';
import pg from 'pg';
import { txExecutor, type Database, type Queryable, type SqlExecutor } from '../db/client.ts';
import { isDatabaseUnavailable } from '../db/faults.ts';
import { describeError } from '../http/logging.ts';

export interface SendOptions {
  /** Plan the job inside this transaction: it exists only if the transaction commits. */
  tx?: Queryable;
  /** A job id (UUID) derived from what the job is for: a second send with it is a no-op. */
  id?: string;
  startAfter?: Date;
  /** At most one queued job with this key (pg-boss singleton). */
  singletonKey?: string;
  /** Higher first among due jobs (the queue must fetch with priority). */
  priority?: number;
  retryLimit?: number;
  retryDelaySeconds?: number;
}

/** One job of {@link JobQueue.sendMany}. */
export interface ManyJob<T> {
  id?: string;
  data: T;
  startAfter?: Date;
  singletonKey?: string;
  priority?: number;
}

export interface QueueDefinition {
  name: string;
  /** Retries with exponential backoff from `retryDelaySeconds`. */
  retryLimit: number;
  retryDelaySeconds: number;
  /** How long one attempt may run before pg-boss takes it back. */
  expireInSeconds: number;
  /** Jobs fetched per poll; each is handled concurrently within the batch. */
  batchSize: number;
  /**
   * Jobs of one batch with the same key run one after another, in the order they were
   * planned (e.g. events of one appointment); different keys run concurrently.
   */
  orderKey?: (data: never) => string;
  /** pg-boss queue policy: 'stately' keeps at most one queued and one active job per singleton key. */
  policy?: 'standard' | 'short' | 'singleton' | 'stately';
  /**
   * Fetch loops in this process (1 by default). pg-boss waits for a whole batch before it
   * fetches again, and an idle loop polls at most once per polling interval: several loops
   * keep fetching while others work.
   */
  workers?: number;
}

// Job payloads can hold patient data (an appointment, a message): keep finished jobs only
// as long as they help (replay detection, debugging), then delete them.
const RETENTION = { archiveCompletedAfterSeconds: 3600, deleteAfterHours: 24 } as const;

export type JobHandler<T> = (data: T, meta: { id: string; retryCount: number }) => Promise<void>;

/** One job of a batch. */
export interface BatchJob<T> {
  id: string;
  retryCount: number;
  data: T;
}

/**
 * Handles a whole fetched batch at once; resolves with the jobs that failed (each retried on
 * its own, with backoff), the others being complete. A rejection fails the whole batch.
 */
export type BatchHandler<T> = (jobs: BatchJob<T>[]) => Promise<Map<string, Error>>;

export interface JobQueue {
  define<T extends object>(def: QueueDefinition, handler: JobHandler<T>): Promise<void>;
  /** Defines a queue whose handler takes each fetched batch whole (`orderKey` does not apply). */
  defineBatch<T extends object>(def: QueueDefinition, handler: BatchHandler<T>): Promise<void>;
  send<T extends object>(name: string, data: T, opts?: SendOptions): Promise<string | null>;
  /**
   * Plans several jobs in one statement (inside `tx` when given). Each job takes the options
   * of {@link send} that matter per job; a job whose singleton key is taken is left out, as
   * `send` would.
   */
  sendMany<T extends object>(name: string, jobs: ManyJob<T>[], opts?: { tx?: Queryable }): Promise<void>;
  schedule(name: string, cron: string): Promise<void>;
  start(): Promise<void>;
  /** Stops fetching, lets running handlers finish (up to `timeoutMs`), releases the rest. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface QueueOptions {
  /** Run handlers in this process. Off: the queue only plans jobs. */
  workers: boolean;
  pollingIntervalSeconds?: number;
}

/**
 * The job queue's own connections on PostgreSQL. A statement refused because the server
 * terminated its connection (57P01–57P03: a restart, a failover, `pg_terminate_backend`)
 * was not committed, so it is run once more on a fresh connection. pg-boss settles a
 * finished batch without awaiting it (manager.js, `onFetch`): without this, one terminated
 * connection at that moment would reject with no one listening.
 */
function openJobPool(connectionString: string, log: Logger): { executor: SqlExecutor; close(): Promise<void> } {
  const pool = new pg.Pool({ connectionString, max: 10, application_name: 'teleconsult-jobs', connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', (err: Error & { code?: string }) => log.warn({ err: { code: err.code, message: err.message } }, 'job queue connection lost')));
  const TERMINATED = new Set(['57P01', '57P02', '57P03']);
  // pg-boss's statements that complete or fail jobs (plans.js: completeJobs, failJobs).
  const SETTLING = /SET completed_on = now\(\)|WITH deleted_jobs AS/;
  let closed = false;
  return {
    executor: {
      async executeSql(text, values) {
        // pg-boss can still settle a batch after stop() returned: once the queue is closed,
        // what it asks is left undone (the job's expiry hands it to another instance), and
        // answered as pg-boss's own closed pool answers, with nothing.
        if (closed) return undefined as unknown as { rows: unknown[] };
        const run = async () => ({ rows: (await pool.query(text, values as unknown[])).rows });
        try {
          try {
            return await run();
          } catch (err) {
            if (!TERMINATED.has((err as { code?: string }).code ?? '')) throw err;
            return await run();
          }
        } catch (err) {
          // Settling jobs (complete, fail) with the database gone: pg-boss does not await it,
          // so it must not reject. The jobs stay active and their expiry runs them again.
          if (SETTLING.test(text) && isDatabaseUnavailable(err)) {
            log.warn({ err: { code: (err as { code?: string }).code } }, 'job settlement lost with the database; the jobs will expire and run again');
            return { rows: [] };
          }
          throw err;
        }
      },
    },
    close: () => {
      closed = true;
      return pool.end();
    },
  };
}

/** Creates the queue on the service's database. */
export function createJobQueue(database: Database, log: Logger, opts: QueueOptions): JobQueue {
  const jobPool = database.kind === 'postgres' ? openJobPool(database.connectionString!, log) : undefined;
  const boss = new PgBoss({ db: (jobPool?.executor ?? database.executor) as PgBoss.Db, ...RETENTION });
  boss.on('error', (err: Error) => log.error({ err }, 'job queue error'));
  const defs: Registered[] = [];
  const schedules: { name: string; cron: string }[] = [];
  let started = false;

  type Registered = { def: QueueDefinition; handler: JobHandler<object>; batch?: undefined } | { def: QueueDefinition; batch: BatchHandler<object>; handler?: undefined };

  async function register(r: Registered): Promise<void> {
    const { def } = r;
    await boss.createQueue(def.name, {
      name: def.name,
      policy: def.policy ?? 'standard',
      retryLimit: def.retryLimit,
      retryDelay: def.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: def.expireInSeconds,
    });
    if (!opts.workers) return;
    const fail = async (job: PgBoss.Job<object>, err: unknown) => {
      log.warn({ err, queue: def.name, jobId: job.id }, 'job attempt failed');
      // What the job's row keeps of the failure: never a value (a database error's message holds its parameters).
      await boss.fail(def.name, job.id, describeError(err));
    };
    const retryCount = (job: PgBoss.Job<object>) => (job as { retryCount?: number }).retryCount ?? 0;
    const onBatch = r.batch
      ? async (jobs: PgBoss.Job<object>[]) => {
        const batch = r.batch;
        let failures: Map<string, Error>;
        try {
          failures = await batch(jobs.map((job) => ({ id: job.id, retryCount: retryCount(job), data: job.data })));
        } catch (err) {
          for (const job of jobs) await fail(job, err);
          return;
        }
        const done = jobs.filter((job) => !failures.has(job.id)).map((job) => job.id);
        // One statement for the batch's successes (pg-boss's own completion after this finds none left active).
        if (done.length > 0) await boss.complete(def.name, done);
        for (const job of jobs) {
          const err = failures.get(job.id);
          if (err) await fail(job, err);
        }
      }
      : async (jobs: PgBoss.Job<object>[]) => {
        const handler = r.handler!;
        // pg-boss completes or fails the whole batch together; settle each job on its own
        // so that one failure retries only itself.
        const settle = async (job: PgBoss.Job<object>) => {
          try {
            await handler(job.data, { id: job.id, retryCount: retryCount(job) });
            await boss.complete(def.name, job.id);
          } catch (err) {
            await fail(job, err);
          }
        };
        const lanes = new Map<string, PgBoss.Job<object>[]>();
        jobs.forEach((job, i) => {
          const key = def.orderKey ? def.orderKey(job.data as never) : String(i);
          lanes.set(key, [...(lanes.get(key) ?? []), job]);
        });
        await Promise.all([...lanes.values()].map(async (lane) => {
          for (const job of lane) await settle(job);
        }));
      };
    for (let w = 0; w < (def.workers ?? 1); w++) {
      await boss.work<object>(def.name, { batchSize: def.batchSize, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 0.5, includeMetadata: true, priority: true }, onBatch);
    }
  }

  return {
    async define(def, handler) {
      const r: Registered = { def, handler: handler as JobHandler<object> };
      defs.push(r);
      if (started) await register(r);
    },
    async defineBatch(def, batch) {
      const r: Registered = { def, batch: batch as BatchHandler<object> };
      defs.push(r);
      if (started) await register(r);
    },
    async send(name, data, o = {}) {
      const options: PgBoss.SendOptions = {};
      if (o.id) options.id = o.id;
      if (o.startAfter) options.startAfter = o.startAfter;
      if (o.singletonKey) options.singletonKey = o.singletonKey;
      if (o.priority !== undefined) options.priority = o.priority;
      if (o.retryLimit !== undefined) options.retryLimit = o.retryLimit;
      if (o.retryDelaySeconds !== undefined) options.retryDelay = o.retryDelaySeconds;
      if (o.tx) options.db = txExecutor(o.tx) as PgBoss.Db;
      return boss.send(name, data, options);
    },
    async sendMany(name, jobs, o = {}) {
      if (jobs.length === 0) return;
      // Jobs inserted together share created_on; pg-boss then fetches them by id, so the ids
      // are time-ordered (UUIDv7, monotonic in this process) to keep their order.
      await boss.insert(jobs.map((j) => ({
        id: j.id ?? uuidv7(), name, data: j.data,
        // pg-boss reads an ISO instant ending in Z as a time (an interval otherwise): plans.js insertJobs.
        ...(j.startAfter ? { startAfter: j.startAfter.toISOString() } : {}),
        ...(j.singletonKey ? { singletonKey: j.singletonKey } : {}),
        ...(j.priority !== undefined ? { priority: j.priority } : {}),
      })), o.tx ? { db: txExecutor(o.tx) as PgBoss.Db } : {});
    },
    async schedule(name, cron) {
      schedules.push({ name, cron });
      if (started) await boss.schedule(name, cron);
    },
    async start() {
      await boss.start();
      started = true;
      for (const r of defs) await register(r);
      for (const s of schedules) await boss.schedule(s.name, s.cron);
    },
    async stop(timeoutMs = 10_000) {
      if (!started) return;
      started = false;
      await boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: false });
      await jobPool?.close();
    },
  };
}
