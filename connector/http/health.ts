/**
 * `/healthz`: the process answers. `/readyz`: the database answers and its schema is the
 * one this code expects, so a load balancer sends traffic only to instances that can work.
 */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { migrationsApplied } from '../db/client.ts';
import type { Services } from '../services.ts';

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' }, database: { type: 'string' }, migrations: { type: 'string' }, bus: { type: 'string' } },
} as const;

const READY_TIMEOUT_MS = 800;

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), ms); });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Registers the health routes. */
export async function healthRoutes(app: FastifyInstance, services: Services): Promise<void> {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'The process is up', response: { 200: statusSchema } } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { tags: ['operations'], summary: 'The database is reachable and migrated', response: { 200: statusSchema, 503: statusSchema } } }, async (_request, reply) => {
    let database = 'ok';
    let migrations = 'ok';
    try {
      // A load balancer must hear "not ready" at once, even from a database that hangs.
      await withTimeout((async () => {
        await services.database.db.execute(sql`select 1`);
        if (!(await migrationsApplied(services.database))) migrations = 'pending';
      })(), READY_TIMEOUT_MS);
    } catch {
      database = 'unreachable';
      migrations = 'unknown';
    }
    const ready = database === 'ok' && migrations === 'ok';
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', database, migrations, bus: services.bus.kind });
  });
}
