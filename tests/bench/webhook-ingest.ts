/**
 * Benchmark: signed agenda webhooks ingested per second, and acknowledgement latency, on
 * PostgreSQL, beside the raw rate of single-row committed inserts into the same database
 * at the same concurrency (the ceiling of durable ingest). Loopback only, bounded.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { makeAppointment } from '../fakes/agenda-hub.ts';
import { freshDatabase } from '../support/database.ts';
import { startTestApp } from '../support/harness.ts';
import { percentile, printTable } from './report.ts';

const CONCURRENCY = 16;
const RAW_ROWS = 6000;
const PEAK_REQUESTS = 4000;
const HALF_LOAD_SECONDS = 8;

async function rawCommitRate(url: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY });
  await pool.query('create table if not exists bench_raw (id bigserial primary key, body jsonb not null, at timestamptz not null default now())');
  const body = JSON.stringify(makeAppointment());
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < RAW_ROWS) await pool.query('insert into bench_raw (body) values ($1)', [body]);
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.end();
  return RAW_ROWS / seconds;
}

interface Prepared { body: string; headers: Record<string, string> }

function prepare(secret: string, n: number): Prepared[] {
  const wh = new Webhook(secret);
  return Array.from({ length: n }, () => {
    const appointment = makeAppointment({ id: `bench_${randomUUID()}` });
    const body = JSON.stringify({ type: 'appointment.created', occurredAt: new Date().toISOString(), data: { appointment } });
    const id = `msg_${randomUUID()}`;
    const now = new Date();
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': wh.sign(id, now, body),
      },
    };
  });
}

function post(agent: http.Agent, url: URL, p: Prepared): Promise<{ status: number; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { ...p.headers, 'content-length': Buffer.byteLength(p.body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.end(p.body);
  });
}

/** Runs the benchmark and prints its figures. */
export async function benchWebhookIngest(): Promise<void> {
  const database = await freshDatabase();
  if (!database.url) {
    console.log('webhook ingest: skipped, it measures PostgreSQL (set DATABASE_URL)');
    await database.drop();
    return;
  }
  const raw = await rawCommitRate(database.url);
  const secret = `whsec_${Buffer.from(randomUUID() + randomUUID()).toString('base64')}`;
  // Workers off: this measures the acknowledgement path (verify, record, apply, plan the write-back).
  const t = await startTestApp({ database, env: { AGENDA_API_URL: 'http://127.0.0.1:9', AGENDA_API_TOKEN: 'bench', AGENDA_WEBHOOK_SECRET: secret, WORKERS: 'off' } });
  const url = new URL(`${t.url}/webhooks/agenda`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  try {
    // Warm-up, then the closed loop at full concurrency: the peak rate.
    const warm = prepare(secret, 200);
    await Promise.all(warm.map((p) => post(agent, url, p)));
    const batch = prepare(secret, PEAK_REQUESTS);
    let i = 0;
    const peakLatencies: number[] = [];
    let failures = 0;
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (i < batch.length) {
        const r = await post(agent, url, batch[i++]!);
        if (r.status !== 202) failures++;
        peakLatencies.push(r.ms);
      }
    }));
    const peakSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peak = PEAK_REQUESTS / peakSeconds;

    // Open loop at half the peak rate: latency under a sustainable load.
    const rate = peak / 2;
    const half = prepare(secret, Math.ceil(rate * HALF_LOAD_SECONDS));
    const halfLatencies: number[] = [];
    const t0 = Date.now();
    await Promise.all(half.map(async (p, k) => {
      const due = t0 + (k / rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const r = await post(agent, url, p);
      if (r.status !== 202) failures++;
      halfLatencies.push(r.ms);
    }));

    printTable('Webhook ingest on PostgreSQL', [
      ['raw single-row commits/s (same DB, concurrency 16)', raw.toFixed(0)],
      ['signed webhooks ingested/s (peak, concurrency 16)', peak.toFixed(0)],
      ['ratio ingest / raw commits', `${(peak / raw).toFixed(2)}  (target ≥ 0.5)`],
      ['ack latency at peak p50 / p99 (ms)', `${percentile(peakLatencies, 50).toFixed(1)} / ${percentile(peakLatencies, 99).toFixed(1)}`],
      [`ack latency at half load (${rate.toFixed(0)}/s) p50 / p99 (ms)`, `${percentile(halfLatencies, 50).toFixed(1)} / ${percentile(halfLatencies, 99).toFixed(1)}  (target p99 < 20)`],
      ['non-2xx answers', String(failures)],
    ]);
  } finally {
    agent.destroy();
    await t.close();
    await database.drop();
  }
}
