/**
 * Multi-row inserts bound as one parameter. Drizzle's `insert().values(rows)` binds one
 * parameter per value and builds each through its SQL objects (about 15 µs a value here:
 * a page of reconciliation, some 60,000 values, spent most of its time there); these pass
 * the rows as one JSON array that PostgreSQL unpacks into the table's own column types
 * (`json_populate_recordset`), so the statement costs the same to build for 1 row or 5,000.
 */
import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Queryable } from './client.ts';

/** Values in the shape JSON carries them to PostgreSQL (instants as ISO 8601). */
function jsonValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : value;
}

/**
 * Inserts `rows` into `table` in one statement, followed by `tail` (`on conflict …`,
 * `returning …`, in SQL column names); returns the rows the statement returned, as the
 * driver gives them. Every row must set the same columns: the others take their SQL
 * default (a column set in some rows only would silently be null in the rest, so it throws).
 */
export async function insertRows<T extends PgTable>(q: Queryable, table: T, rows: readonly T['$inferInsert'][], tail?: SQL): Promise<Record<string, unknown>[]> {
  if (rows.length === 0) return [];
  const columns = Object.entries(getTableColumns(table)) as [string, { name: string }][];
  const set = columns.filter(([key]) => (rows[0] as Record<string, unknown>)[key] !== undefined);
  const objects = rows.map((row) => {
    const r = row as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    let given = 0;
    for (const [key, column] of columns) {
      if (r[key] === undefined) continue;
      out[column.name] = jsonValue(r[key]);
      given++;
    }
    if (given !== set.length || set.some(([key]) => r[key] === undefined)) throw new Error('insertRows: every row must set the same columns');
    return out;
  });
  const list = sql.raw(set.map(([, c]) => `"${c.name}"`).join(', '));
  const statement = sql`insert into ${table} (${list}) select ${list} from json_populate_recordset(null::${table}, ${JSON.stringify(objects)}::json) ${tail ?? sql``}`;
  const result = (await q.execute(statement)) as unknown as { rows?: Record<string, unknown>[] };
  return result.rows ?? [];
}
