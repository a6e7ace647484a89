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
import { startAgendaHub, type AgendaHub } from '../fakes/agenda-hub.ts';
import { freshDatabase, TEST_REDIS_URL, type TestDatabase } from './database.ts';
import { createServer, type AddressInfo } from 'node:net';

export const TEST_LINK_SECRET = 'test-link-secret-0123456789-abcdefghijklmnop';
/** The operator's credential of test apps (the dev outbox asks for it once a real agenda is connected). */
export const TEST_OPERATOR_TOKEN = 'op_test_Qm7Zr2Lx9Vc4Bn8Kt1Wy6Hs3Jd5Gf0Pa';
/** The header that carries it. */
export const OPERATOR_HEADERS = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` } as const;

/**
 * The stand-ins that the suites use with their (fake) agenda, switched on by name as a clinic
 * would have to: the dev outbox for channels without provider fake, sandbox payments without
 * the Stripe fake. tests/integration/production-mode.spec.ts runs without them.
 */
export const STAND_INS_ENV: Env = { DEV_OUTBOX: 'on', SANDBOX_PAYMENTS: 'on', OPERATOR_TOKEN: TEST_OPERATOR_TOKEN };

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

/**
 * Builds and starts the app; the caller closes it in afterAll (or uses {@link useAppWithHub}).
 * `close()` closes the app, then drops the database it made (never one it was given); it can
 * be called again. Dropping a database closes the apps still open on it first. If the start
 * fails half-way, what was opened is closed before the error is thrown.
 */
export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const database = opts.database ?? (await freshDatabase());
  let app: FastifyInstance | undefined;
  let appClosed: Promise<void> | undefined;
  const closeApp = () => appClosed ??= app ? app.close() : Promise.resolve();
  let unregister = () => {};
  let closed: Promise<void> | undefined;
  const close = () => closed ??= (async () => {
    try {
      await closeApp();
    } finally {
      unregister();
      if (!opts.database) await database.drop();
    }
  })();
  try {
    // The app knows its public address (PUBLIC_URL: links, and the Origin that state-changing
    // requests and live sockets must come from) before it listens: a free port, taken again.
    const port = opts.listen === false ? 0 : await freePort();
    const env: Env = {
      PORT: String(port),
      ...(port ? { PUBLIC_URL: `http://127.0.0.1:${port}` } : {}),
      LOG_LEVEL: 'silent',
      LINK_SECRET: TEST_LINK_SECRET,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'tc-test-')),
      AGENDA_RECONCILE_EVERY_MINUTES: '0',
      ...STAND_INS_ENV,
      ...(database.url ? { DATABASE_URL: database.url } : {}),
      ...(TEST_REDIS_URL ? { REDIS_URL: TEST_REDIS_URL } : {}),
      ...opts.env,
    };
    const config = loadConfig(env);
    app = await buildApp(config, { pglite: database.pglite, now: opts.now, pollingIntervalSeconds: 0.5, logStream: opts.logStream });
    unregister = database.onDrop(closeApp);
    let url = '';
    if (opts.listen !== false) {
      await app.listen({ port: config.port, host: '127.0.0.1' });
      const address = app.server.address();
      url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    } else {
      await app.ready();
    }
    return { app, config: { ...config, publicUrl: config.publicUrl }, url, database, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/** A port free on 127.0.0.1 right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Something a suite starts and must close: a fake provider, the hub, an app. */
export interface Closable {
  close(): Promise<void>;
}

/** Fakes a suite starts beside the hub, by the name the suite calls them. */
export type FakeStarters = Record<string, () => Promise<Closable>>;

/** The started fakes, by name. */
export type StartedFakes<F extends FakeStarters> = { [K in keyof F]: Awaited<ReturnType<F[K]>> };

/** What a suite's app runs with: the hub, its fakes, the app ({@link useAppWithHub}). */
export type AppWithHub<F extends FakeStarters = Record<never, never>> = { t: TestApp; hub: AgendaHub } & StartedFakes<F>;

/**
 * The app's options, from the started hub and fakes. The app is always pointed at the hub
 * (`agendaEnv(hub)`); `env` adds to that.
 */
export type AppOptionsOf<F extends FakeStarters> = (started: { hub: AgendaHub } & StartedFakes<F>) => TestAppOptions | Promise<TestAppOptions>;

/**
 * Starts the fake agenda hub and the given fakes (at once), then the app pointed at the hub.
 * `close()` closes the app first (its pools and job queue, then its database), then the hub
 * and fakes, and reports the first error after closing everything. If a start fails, what
 * was started is closed before the error is thrown.
 */
export async function startAppWithHub<F extends FakeStarters>(fakes: F, options?: AppOptionsOf<F>): Promise<AppWithHub<F> & Closable> {
  for (const taken of ['t', 'hub']) if (taken in fakes) throw new Error(`a fake cannot be called "${taken}"`);
  const opened: Closable[] = [];
  let t: TestApp | undefined;
  const close = async () => {
    const errors: unknown[] = [];
    // The app before anything it talks to, and before its database goes.
    await t?.close().catch((err: unknown) => { errors.push(err); });
    for (const r of await Promise.allSettled(opened.map((o) => o.close()))) if (r.status === 'rejected') errors.push(r.reason);
    if (errors.length > 0) throw errors[0];
  };
  try {
    const names = ['hub', ...Object.keys(fakes)];
    const starts = await Promise.allSettled([startAgendaHub(), ...Object.values(fakes).map((start) => start())]);
    const started: Record<string, Closable> = {};
    starts.forEach((r, i) => {
      if (r.status === 'fulfilled') {
        started[names[i]!] = r.value;
        opened.push(r.value);
      }
    });
    const failed = starts.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const parts = started as { hub: AgendaHub } & StartedFakes<F>;
    const o = (await options?.(parts)) ?? {};
    t = await startTestApp({ ...o, env: { ...agendaEnv(parts.hub), ...o.env } });
    return { ...parts, t, close } as AppWithHub<F> & Closable;
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

/**
 * A stand-in for a value that exists only while the suite runs: every property is read on
 * the current value, so a suite can keep `t.url`, `hub.upsert(…)` in its specs unchanged.
 */
function current<T extends object>(get: () => T | undefined, what: string): T {
  const value = (): T => {
    const v = get();
    if (!v) throw new Error(`${what} is not running: use it in a spec or a hook declared after useAppWithHub()`);
    return v;
  };
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(value(), key),
    set: (_, key, v) => Reflect.set(value(), key, v),
    has: (_, key) => Reflect.has(value(), key),
    ownKeys: () => Reflect.ownKeys(value()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(value(), key);
      return d && { ...d, configurable: true };
    },
  });
}

/**
 * One app per suite, with the fake agenda hub and any other fakes: started in a beforeAll,
 * closed in an afterAll (the app first, then its database, then the hub and fakes), also
 * when a spec failed or the start failed half-way. Returns the suite's handles, usable in
 * specs and in hooks declared after this call:
 *
 *   const { t, hub } = useAppWithHub(() => ({ env: { LOG_LEVEL: 'info' }, now: () => clock }));
 *   const { t, hub, stripe } = useAppWithHub({ stripe: startStripeFake }, ({ stripe }) => ({ env: { STRIPE_API_URL: stripe.url } }));
 *
 * `t` is the {@link TestApp} (`t.app`, `t.url`, `t.config`, `t.database`), `hub` the
 * {@link AgendaHub}; each fake under its name.
 */
export function useAppWithHub(options?: AppOptionsOf<Record<never, never>>): AppWithHub;
export function useAppWithHub<F extends FakeStarters>(fakes: F, options?: AppOptionsOf<F>): AppWithHub<F>;
export function useAppWithHub<F extends FakeStarters>(a?: F | AppOptionsOf<F>, b?: AppOptionsOf<F>): AppWithHub<F> {
  const fakes = (typeof a === 'function' || a === undefined ? {} : a) as F;
  const options = typeof a === 'function' ? a : b;
  let running: (AppWithHub<F> & Closable) | undefined;
  beforeAll(async () => {
    running = await startAppWithHub(fakes, options);
  });
  afterAll(async () => {
    const suite = running;
    running = undefined;
    await suite?.close();
  });
  const handles: Record<string, object> = {};
  for (const name of ['t', 'hub', ...Object.keys(fakes)]) {
    handles[name] = current(() => running?.[name as keyof AppWithHub<F>] as object | undefined, name === 't' ? 'the app' : name);
  }
  return handles as AppWithHub<F>;
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
