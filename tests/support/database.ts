/**
 * A fresh database for each test suite, migrated once per run:
 * - embedded (default): one migrated PGlite with pg-boss installed, cloned per suite;
 * - PostgreSQL (DATABASE_URL set for the run): a migrated template database, copied with
 *   `CREATE DATABASE … TEMPLATE` per suite, all dropped at the end of the run.
 */
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { openDatabase } from '../../connector/db/client.ts';
import { processAlive } from '../../connector/db/data-dir-lock.ts';

/** The run's database mode, from the environment of `npm test`. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.REDIS_URL || undefined;
/**
 * The machine's PostgreSQL, for suites that need a real server whatever the run's mode
 * (connection faults cannot be made in an embedded database): the run's, or the local one.
 */
const POSTGRES_URL = TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

const RUN = `tc_${process.pid}`;
let templatePglite: Promise<PGlite> | undefined;
let templatePg: Promise<string> | undefined;
let suites = 0;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A client of the server's admin database. A connection that fails while idle (the server
 * restarted, another run's `drop … with (force)`) is emitted as 'error' on the client, and
 * node-postgres throws an unlistened one: https://node-postgres.com/apis/client#error
 */
function adminClient(): pg.Client {
  const client = new pg.Client({ connectionString: POSTGRES_URL, application_name: 'teleconsult-tests-admin' });
  client.on('error', (err) => console.log(`test database admin connection lost: ${(err as { code?: string }).code ?? err.message}`));
  return client;
}

async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
  const client = adminClient();
  await client.connect();
  try { return (await client.query<R>(text, values)).rows; } finally { await client.end(); }
}

async function installBoss(options: ConstructorParameters<typeof PgBoss>[0]): Promise<void> {
  const boss = new PgBoss(options as PgBoss.ConstructorOptions);
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false, wait: true, close: true });
}

async function makePgliteTemplate(): Promise<PGlite> {
  // Loaded only in embedded runs, as the connector does (the benches measure its memory on PostgreSQL).
  const { PGlite: EmbeddedPostgres } = await import('@electric-sql/pglite');
  const pglite = await EmbeddedPostgres.create();
  const database = await openDatabase({ databaseUrl: undefined, dataDir: '', pglite });
  await installBoss({ db: database.executor as PgBoss.Db, supervise: false, schedule: false });
  return pglite;
}

async function dropStaleDatabases(): Promise<void> {
  const client = adminClient();
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("select datname from pg_database where datname like 'tc\\_%'");
    for (const { datname } of rows) {
      const pid = Number(/^tc_(\d+)_/.exec(datname)?.[1]);
      // A database named after this process's pid is a previous run's (pid reused).
      const alive = pid !== process.pid && processAlive(pid);
      if (!alive) await client.query(`drop database if exists "${datname}" with (force)`);
    }
  } finally { await client.end(); }
}

async function makePgTemplate(): Promise<string> {
  await dropStaleDatabases();
  const name = `${RUN}_tpl`;
  await adminQuery(`create database "${name}"`);
  const url = withDatabase(POSTGRES_URL, name);
  const database = await openDatabase({ databaseUrl: url, dataDir: '' });
  await database.close();
  await installBoss({ connectionString: url, supervise: false, schedule: false });
  return name;
}

export interface TestDatabase {
  /** For PostgreSQL runs. */
  url: string | undefined;
  /** For embedded runs. */
  pglite: PGlite | undefined;
  /** For reports: the PostgreSQL database name, or `pglite#n`. */
  name: string;
  /**
   * Closes every app still registered on this database (see `onDrop`), then drops it.
   * A database is never dropped under a live pool: on PostgreSQL that would terminate its
   * connections (`57P01`, "terminating connection due to administrator command").
   * Calling it again returns the same drop.
   */
  drop(): Promise<void>;
  /** Registers a closer (an app on this database) that `drop()` awaits first; returns its removal. */
  onDrop(close: () => Promise<void>): () => void;
}

/** Databases made and not dropped yet (see {@link dropLeftovers}). */
const live = new Set<TestDatabase>();

/** Connections other than ours still on a database, after a short wait for closed ones to go. */
async function openConnections(name: string): Promise<string[]> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const rows = await adminQuery<{ who: string }>(
      "select coalesce(nullif(application_name, ''), 'unnamed') || ' (' || coalesce(state, '?') || ')' as who from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [name],
    );
    if (rows.length === 0 || Date.now() > deadline) return rows.map((r) => r.who);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function testDatabase(name: string, url: string | undefined, pglite: PGlite | undefined, dropIt: () => Promise<void>): TestDatabase {
  const closers = new Set<() => Promise<void>>();
  let dropping: Promise<void> | undefined;
  const database: TestDatabase = {
    url,
    pglite,
    name,
    onDrop(close) {
      if (dropping) throw new Error(`test database ${name} is already dropped`);
      closers.add(close);
      return () => { closers.delete(close); };
    },
    drop: () => dropping ??= (async () => {
      const errors: unknown[] = [];
      // The apps first, newest first (a second instance before the first).
      for (const close of [...closers].reverse()) await close().catch((err: unknown) => { errors.push(err); });
      closers.clear();
      try {
        if (url) {
          const left = await openConnections(name);
          if (left.length > 0) console.log(`test database ${name} dropped with ${left.length} connection(s) still open: ${left.join(', ')}`);
        }
        await dropIt();
      } finally {
        live.delete(database);
      }
      if (errors.length > 0) throw errors[0];
    })(),
  };
  live.add(database);
  return database;
}

/**
 * A fresh, migrated database for one suite: of the run's mode, or on the machine's
 * PostgreSQL whatever the mode with `{ postgres: true }`.
 */
export async function freshDatabase(opts: { postgres?: boolean } = {}): Promise<TestDatabase> {
  if (TEST_DATABASE_URL || opts.postgres) {
    templatePg ??= makePgTemplate();
    const template = await templatePg;
    const name = `${RUN}_${++suites}`;
    await adminQuery(`create database "${name}" template "${template}"`);
    return testDatabase(name, withDatabase(POSTGRES_URL, name), undefined, async () => {
      await adminQuery(`drop database if exists "${name}" with (force)`);
    });
  }
  templatePglite ??= makePgliteTemplate();
  const template = await templatePglite;
  const pglite = (await template.clone()) as PGlite;
  return testDatabase(`pglite#${++suites}`, undefined, pglite, () => pglite.close());
}

/** How many test databases are made and not dropped yet. */
export function openDatabaseCount(): number {
  return live.size;
}

/**
 * Drops the databases that their suites left (closing their apps first) and returns their
 * names: a suite that does not close what it opened is reported by the run.
 */
export async function dropLeftovers(): Promise<string[]> {
  const names: string[] = [];
  for (const database of [...live]) {
    names.push(database.name);
    await database.drop().catch((err: unknown) => console.log(`could not drop ${database.name}: ${String(err)}`));
  }
  return names;
}

/** Drops the run's template (called once at the end of the run). */
export async function dropTemplates(): Promise<void> {
  if (templatePg) {
    const name = await templatePg.catch(() => undefined);
    if (name) await adminQuery(`drop database if exists "${name}" with (force)`);
  }
  if (templatePglite) await (await templatePglite).close();
}

/**
 * What a PostgreSQL restart, a failover or an idle-session timeout does to a service:
 * terminates every connection to `database` but the admin's own. Returns how many.
 */
export async function terminateConnections(database: TestDatabase): Promise<number> {
  const rows = await adminQuery<{ ok: boolean }>(
    'select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
    [database.name],
  );
  return rows.filter((r) => r.ok).length;
}
