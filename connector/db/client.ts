/**
 * Opens the database: PostgreSQL through `pg` when DATABASE_URL is set, embedded PGlite
 * in DATA_DIR otherwise. Both get the same schema, the same migrations and the same SQL.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.ts';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either the database or a transaction: what most functions take. */
export type Queryable = Db | Tx;

/** The raw-SQL port that pg-boss needs, on the same connection or transaction as ours. */
export interface SqlExecutor {
  executeSql(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface Database {
  kind: 'postgres' | 'pglite';
  db: Db;
  /** For pg-boss outside our transactions. */
  executor: SqlExecutor;
  /** PostgreSQL connection string for libraries that open their own pool. */
  connectionString: string | undefined;
  /** The embedded instance, when embedded. */
  pglite: PGlite | undefined;
  close(): Promise<void>;
}

export const MIGRATIONS_FOLDER = join(import.meta.dirname, 'migrations');

/**
 * Turns `$1`-style SQL (as pg-boss writes it) into a Drizzle SQL object, so pg-boss can
 * run inside a Drizzle transaction and commit or roll back with it.
 */
export function positionalSql(text: string, values: unknown[]): SQL {
  const chunks: SQL[] = [];
  let last = 0;
  for (const m of text.matchAll(/\$(\d+)/g)) {
    chunks.push(sql.raw(text.slice(last, m.index)));
    chunks.push(sql`${sql.param(values[Number(m[1]) - 1] ?? null)}`);
    last = m.index + m[0].length;
  }
  chunks.push(sql.raw(text.slice(last)));
  return sql.join(chunks);
}

/** pg-boss's port on a Drizzle transaction. */
export function txExecutor(tx: Queryable): SqlExecutor {
  return {
    async executeSql(text, values) {
      const result = await tx.execute(positionalSql(text, values ?? []));
      return { rows: (result as unknown as { rows: unknown[] }).rows };
    },
  };
}

export interface OpenOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** Use this PGlite instance (tests clone a migrated one) instead of opening DATA_DIR. */
  pglite?: PGlite;
  /** Pool size on PostgreSQL. */
  poolSize?: number;
  /** How long to wait for a connection (a new one, or a free one of a full pool). */
  connectTimeoutMs?: number;
  /**
   * Told of a connection that failed outside a query (PostgreSQL restarted, the connection
   * was terminated, a failover). The pool drops that connection and opens a new one when
   * needed; without a listener, node-postgres would crash the process.
   */
  onConnectionError?: (err: Error) => void;
}

/** Opens the database and applies pending migrations. */
export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 20,
      // A server that does not answer at all (a network cut rather than a refusal) fails the
      // request after this, instead of holding it.
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
      application_name: 'teleconsult',
    });
    const onError = opts.onConnectionError ?? (() => {});
    // A connection's error is emitted on its client, idle or checked out, and on the pool
    // too when idle (https://node-postgres.com/apis/pool#error): the client's listener
    // reports it once, the pool's only keeps the emitter from throwing.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', onError));
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    try {
      await migratePg(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return {
      kind: 'postgres',
      db,
      connectionString: opts.databaseUrl,
      pglite: undefined,
      executor: {
        async executeSql(text, values) {
          const r = await pool.query(text, values as unknown[]);
          return { rows: r.rows };
        },
      },
      close: () => pool.end(),
    };
  }
  // Loaded only for the embedded database: PGlite's WebAssembly PostgreSQL is some 40 MB of
  // memory that a service on PostgreSQL would carry for nothing.
  const [{ PGlite: EmbeddedPostgres }, { drizzle: drizzlePglite }, { migrate: migratePglite }] = await Promise.all([
    import('@electric-sql/pglite'), import('drizzle-orm/pglite'), import('drizzle-orm/pglite/migrator'),
  ]);
  let client = opts.pglite;
  let unlock = () => {};
  if (!client) {
    const dir = join(opts.dataDir, 'pglite');
    mkdirSync(dir, { recursive: true });
    unlock = lockDataDir(opts.dataDir);
    try {
      client = await EmbeddedPostgres.create(dir);
    } catch (err) {
      unlock();
      throw err;
    }
  }
  const pglite = client;
  const db = drizzlePglite(pglite, { schema }) as unknown as Db;
  try {
    await migratePglite(db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (err) {
    if (!opts.pglite) await pglite.close().catch(() => undefined);
    unlock();
    throw err;
  }
  return {
    kind: 'pglite',
    db,
    connectionString: undefined,
    pglite,
    executor: {
      // pg-boss sends its multi-statement migrations without parameters: those must go
      // through exec(), since a prepared statement holds a single command.
      async executeSql(text, values) {
        if (!values || values.length === 0) {
          const results = await pglite.exec(text);
          return { rows: results.at(-1)?.rows ?? [] };
        }
        const r = await pglite.query(text, values as unknown[]);
        return { rows: r.rows };
      },
    },
    close: async () => {
      if (opts.pglite) return;
      try {
        await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}

/** True when the schema is migrated up to the newest migration shipped with the code. */
export async function migrationsApplied(database: Database): Promise<boolean> {
  const { readMigrationFiles } = await import('drizzle-orm/migrator');
  const files = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  const last = files.at(-1);
  if (!last) return true;
  const r = await database.db.execute(sql`select hash from drizzle.__drizzle_migrations order by created_at desc limit 1`);
  const rows = (r as unknown as { rows: { hash: string }[] }).rows;
  return rows[0]?.hash === last.hash;
}
