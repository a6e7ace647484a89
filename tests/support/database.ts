/**
 * A fresh database for each test suite, migrated once per run:
 * - embedded (default): one migrated PGlite with pg-boss installed, cloned per suite;
 * - PostgreSQL (DATABASE_URL set for the run): a migrated template database, copied with
 *   `CREATE DATABASE … TEMPLATE` per suite, all dropped at the end of the run.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { openDatabase } from '../../connector/db/client.ts';

/** The run's database mode, from the environment of `npm test`. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL || undefined;
export const TEST_REDIS_URL = process.env.REDIS_URL || undefined;

const RUN = `tc_${process.pid}`;
let templatePglite: Promise<PGlite> | undefined;
let templatePg: Promise<string> | undefined;
let suites = 0;

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try { await client.query(text); } finally { await client.end(); }
}

async function installBoss(options: ConstructorParameters<typeof PgBoss>[0]): Promise<void> {
  const boss = new PgBoss(options as PgBoss.ConstructorOptions);
  boss.on('error', () => {});
  await boss.start();
  await boss.stop({ graceful: false, wait: true, close: true });
}

async function makePgliteTemplate(): Promise<PGlite> {
  const pglite = await PGlite.create();
  const database = await openDatabase({ databaseUrl: undefined, dataDir: '', pglite });
  await installBoss({ db: database.executor as PgBoss.Db, supervise: false, schedule: false });
  return pglite;
}

async function dropStaleDatabases(): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("select datname from pg_database where datname like 'tc\\_%'");
    for (const { datname } of rows) {
      const pid = Number(/^tc_(\d+)_/.exec(datname)?.[1]);
      let alive = false;
      try { process.kill(pid, 0); alive = pid !== process.pid || datname.startsWith(RUN); } catch { alive = false; }
      if (!alive) await client.query(`drop database if exists "${datname}" with (force)`);
    }
  } finally { await client.end(); }
}

async function makePgTemplate(): Promise<string> {
  await dropStaleDatabases();
  const name = `${RUN}_tpl`;
  await adminQuery(`create database "${name}"`);
  const url = withDatabase(TEST_DATABASE_URL!, name);
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
  drop(): Promise<void>;
}

/** A fresh, migrated database for one suite. */
export async function freshDatabase(): Promise<TestDatabase> {
  if (TEST_DATABASE_URL) {
    templatePg ??= makePgTemplate();
    const template = await templatePg;
    const name = `${RUN}_${++suites}`;
    await adminQuery(`create database "${name}" template "${template}"`);
    return {
      url: withDatabase(TEST_DATABASE_URL, name),
      pglite: undefined,
      drop: () => adminQuery(`drop database if exists "${name}" with (force)`),
    };
  }
  templatePglite ??= makePgliteTemplate();
  const template = await templatePglite;
  const pglite = (await template.clone()) as PGlite;
  return { url: undefined, pglite, drop: () => pglite.close() };
}

/** Drops the run's template (called once at the end of the run). */
export async function dropTemplates(): Promise<void> {
  if (templatePg) {
    const name = await templatePg.catch(() => undefined);
    if (name) await adminQuery(`drop database if exists "${name}" with (force)`);
  }
  if (templatePglite) await (await templatePglite).close();
}
