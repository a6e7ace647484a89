/**
 * Builds the real app for a test suite: its own fresh database, the run's Redis when set,
 * a test configuration (never globals), listening on 127.0.0.1 port 0.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Env } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { buildApp } from '../../connector/app.ts';
import { freshDatabase, TEST_REDIS_URL, type TestDatabase } from './database.ts';

export const TEST_LINK_SECRET = 'test-link-secret-0123456789-abcdefghijklmnop';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  /** Base URL of the listening app. */
  url: string;
  database: TestDatabase;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Env;
  /** Reuse a database (a restart, or a second instance on the same database). */
  database?: TestDatabase;
  now?: () => Date;
  listen?: boolean;
  logStream?: NodeJS.WritableStream;
}

/** The variables that point the app at a (fake) agenda hub. */
export function agendaEnv(hub: { url: string; token: string; webhookSecret: string }): Env {
  return { AGENDA_API_URL: hub.url, AGENDA_API_TOKEN: hub.token, AGENDA_WEBHOOK_SECRET: hub.webhookSecret };
}

/** Builds and starts the app; the caller closes it in afterAll. */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const database = opts.database ?? (await freshDatabase());
  const env: Env = {
    PORT: '0',
    LOG_LEVEL: 'silent',
    LINK_SECRET: TEST_LINK_SECRET,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'tc-test-')),
    AGENDA_RECONCILE_EVERY_MINUTES: '0',
    ...(database.url ? { DATABASE_URL: database.url } : {}),
    ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
    ...opts.env,
  };
  const config = loadConfig(env);
  const app = await buildApp(config, { pglite: database.pglite, now: opts.now, pollingIntervalSeconds: 0.5, logStream: opts.logStream });
  let url = '';
  if (opts.listen !== false) {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  } else {
    await app.ready();
  }
  return {
    app,
    config: { ...config, publicUrl: config.publicUrl },
    url,
    database,
    close: async () => {
      await app.close();
      if (!opts.database) await database.drop();
    },
  };
}

/** Waits until `check` returns a truthy value (polling), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T> | T, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until no job of these queues is due or running (jobs planned for later are left). */
export async function jobsSettled(t: TestApp, queues = ['agenda-event']): Promise<void> {
  await eventually(async () => {
    const r = await t.app.services.database.db.execute(sql`select count(*)::int as n from pgboss.job where name in ${queues} and state < 'completed' and start_after <= now()`);
    return (r as unknown as { rows: { n: number }[] }).rows[0]!.n === 0;
  }, `${queues.join(', ')} jobs done`);
}
