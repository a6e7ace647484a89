/**
 * The service on a PostgreSQL that fails as real ones do: connections terminated by the
 * server (a restart, a failover, an idle timeout) and the server unreachable for 20 s (a TCP
 * proxy between them, cut for real). And Redis gone. The service keeps answering, says 503
 * with Retry-After for what it cannot record, and loses nothing it acknowledged.
 *
 * These faults need a real server: the suite runs on the machine's PostgreSQL (and Redis)
 * in both modes of the run.
 */
import { Writable } from 'node:stream';
import type { Appointment } from '../../connector/agenda/appointment.ts';
import { freshDatabase, TEST_REDIS_URL, terminateConnections, type TestDatabase } from '../support/database.ts';
import { eventually, useAppWithHub } from '../support/harness.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const POSTGRES = { host: '127.0.0.1', port: 5432 };
const REDIS = new URL(TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

/** A PostgreSQL database reached through a proxy that the suite can cut. */
async function proxiedPostgres(): Promise<{ database: TestDatabase; proxy: TcpProxy; url: string; close(): Promise<void> }> {
  const database = await freshDatabase({ postgres: true });
  const proxy = await startTcpProxy(POSTGRES);
  const url = new URL(database.url!);
  url.host = `${proxy.host}:${proxy.port}`;
  return {
    database, proxy, url: url.toString(),
    async close() {
      await proxy.restore();
      await database.drop();
      await proxy.close();
    },
  };
}

async function proxiedRedis(): Promise<{ proxy: TcpProxy; url: string; close(): Promise<void> }> {
  const proxy = await startTcpProxy({ host: REDIS.hostname, port: Number(REDIS.port || 6379) });
  return { proxy, url: `redis://${proxy.host}:${proxy.port}`, close: () => proxy.close() };
}

describe('database and Redis faults', () => {
  const logs: string[] = [];
  const { t, hub, pg, redis } = useAppWithHub({ pg: proxiedPostgres, redis: proxiedRedis }, ({ pg, redis }) => ({
    database: pg.database,
    env: { DATABASE_URL: pg.url, REDIS_URL: redis.url, LOG_LEVEL: 'info' },
    logStream: new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } }),
  }));
  let target: string;
  beforeAll(() => { target = `${t.url}/webhooks/agenda`; });
  afterEach(async () => {
    await pg.proxy.restore();
    await redis.proxy.restore();
  });

  const readyz = async () => {
    const r = await fetch(`${t.url}/readyz`, { signal: AbortSignal.timeout(1_000) });
    return { status: r.status, body: await r.json() as { database: string } };
  };
  const book = () => hub.upsert(hub.makeAppointment());
  const writtenBack = (appointments: Appointment[]) => eventually(
    () => appointments.every((a) => (hub.writeBacks.get(a.id)?.length ?? 0) > 0),
    // A job whose attempt was cut off is taken back at its expiry (60 s) and run again.
    `the write-back of ${appointments.length} appointments`, 100_000,
  );

  it('survives its connections being terminated by the server, and applies what it acknowledged', async () => {
    const before = Array.from({ length: 10 }, book);
    for (const a of before) expect((await hub.deliver(target, 'appointment.created', a)).status).toBe(202);
    const killed = await terminateConnections(pg.database);
    expect(killed).toBeGreaterThan(0);
    // The next requests find dead connections in the pools: they are replaced, not fatal.
    const after = Array.from({ length: 10 }, book);
    const statuses: number[] = [];
    for (const a of after) {
      const r = await hub.deliver(target, 'appointment.created', a);
      statuses.push(r.status);
      if (r.status !== 202) expect(r.retryAfter).not.toBeNull();
    }
    // A delivery refused in the moment is retried by the hub, as its contract says.
    for (const [i, a] of after.entries()) {
      if (statuses[i] !== 202) expect((await hub.deliver(target, 'appointment.created', a)).status).toBe(202);
    }
    expect((await readyz()).status).toBe(200);
    await writtenBack([...before, ...after]);
    expect(logs.some((l) => l.includes('connection lost'))).toBeTrue();
  }, 150_000);

  it('answers 503 within a second while PostgreSQL is unreachable for 20 s, then writes back every acknowledged appointment', async () => {
    const acknowledged = Array.from({ length: 20 }, book);
    // Delivered and acknowledged just before the cut: their jobs are still waiting.
    const results = await Promise.all(acknowledged.map((a) => hub.deliver(target, 'appointment.created', a)));
    expect(results.map((r) => r.status)).toEqual(acknowledged.map(() => 202));
    await pg.proxy.cut();

    const refused: Appointment[] = [];
    const until = Date.now() + 20_000;
    let probes = 0;
    while (Date.now() < until) {
      // Each probe must be answered before a 1 s timeout (the fetch throws otherwise).
      const ready = await readyz();
      expect(ready.status).toBe(503);
      expect(ready.body.database).toBe('unreachable');
      const a = book();
      const r = await hub.deliver(target, 'appointment.created', a, { timeoutMs: 1_000 });
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body).error.code).toBe('DATABASE_UNAVAILABLE');
      expect(Number(r.retryAfter)).toBeGreaterThan(0);
      refused.push(a);
      probes++;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(probes).toBeGreaterThanOrEqual(10);

    await pg.proxy.restore();
    await eventually(async () => (await readyz()).status === 200, 'ready again');
    // The hub retries what was refused; everything acknowledged, before or after, is written back.
    for (const a of refused) expect((await hub.deliver(target, 'appointment.created', a)).status).toBe(202);
    await writtenBack([...acknowledged, ...refused]);
  }, 150_000);

  it('applies webhooks with Redis gone (live events are best effort, the database is the truth)', async () => {
    await redis.proxy.cut();
    const appointments = Array.from({ length: 5 }, book);
    for (const a of appointments) expect((await hub.deliver(target, 'appointment.created', a, { timeoutMs: 2_000 })).status).toBe(202);
    await writtenBack(appointments);
    expect((await readyz()).status).toBe(200);
  });
});
