/**
 * Benchmark: signed agenda webhooks ingested per second, and acknowledgement latency, on
 * PostgreSQL, beside the raw rate of single-row committed inserts into the same database
 * at the same concurrency (the ceiling of durable ingest). Loopback only, bounded.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { makeAppointment } from '../fakes/agenda-hub.ts';
import { freshDatabase } from '../support/database.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { percentile, printTable } from './report.ts';

const CONCURRENCY = 16;
const RAW_ROWS = 6000;
const PEAK_REQUESTS = 4000;
const HALF_LOAD_SECONDS = 8;

async function rawCommitRate(url: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY });
  // An idle connection that fails is emitted on the pool; unlistened, it would throw.
  pool.on('error', (err) => console.log(`bench connection lost: ${(err as { code?: string }).code ?? err.message}`));
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

interface LoadRequest { mode: 'closed' | 'open'; count: number; rate?: number }
interface LoadResult { seconds: number; latencies: number[]; failures: number }

/**
 * The load generator runs in a worker thread: its own event loop, so that client-side work
 * (signing, timers, parsing) does not sit in the server's latency figures.
 */
function startLoadWorker(target: { url: string; secret: string }) {
  const worker = new Worker(
    // A Node 20 worker does not get tsx's hooks from --import: load this file through tsx's API.
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}))`,
    { eval: true, workerData: { role: 'webhook-load', ...target }, execArgv: [] },
  );
  const ready = new Promise<void>((resolve, reject) => { worker.once('message', () => resolve()); worker.once('error', reject); });
  return {
    async run(req: LoadRequest): Promise<LoadResult> {
      await ready;
      return new Promise((resolve) => { worker.once('message', resolve); worker.postMessage(req); });
    },
    close: () => worker.terminate(),
  };
}

function prepare(secret: string, n: number): { body: string; headers: Record<string, string> }[] {
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
        'content-length': String(Buffer.byteLength(body)),
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': wh.sign(id, now, body),
      },
    };
  });
}

if (!isMainThread && (workerData as { role?: string }).role === 'webhook-load') {
  const { url: target, secret } = workerData as { url: string; secret: string };
  const url = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const post = (p: { body: string; headers: Record<string, string> }) => new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: p.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.end(p.body);
  });
  parentPort!.on('message', async (req: LoadRequest) => {
    // Signed shortly before sending: the receiver refuses timestamps older than 5 minutes.
    const batch = prepare(secret, req.count);
    const latencies: number[] = [];
    let failures = 0;
    const started = process.hrtime.bigint();
    if (req.mode === 'closed') {
      let i = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (i < batch.length) {
          const r = await post(batch[i++]!);
          if (r.status !== 202) failures++;
          latencies.push(r.ms);
        }
      }));
    } else {
      const rate = req.rate ?? 100;
      const t0 = Date.now();
      const pending: Promise<void>[] = [];
      for (let k = 0; k < batch.length; k++) {
        const wait = t0 + (k / rate) * 1000 - Date.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        pending.push(post(batch[k]!).then((r) => {
          if (r.status !== 202) failures++;
          latencies.push(r.ms);
        }));
      }
      await Promise.all(pending);
    }
    parentPort!.postMessage({ seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies, failures } satisfies LoadResult);
  });
  parentPort!.postMessage('ready');
}

/** Runs the benchmark and prints its figures. */
export async function benchWebhookIngest(): Promise<void> {
  const database = await freshDatabase();
  if (!database.url) {
    console.log('webhook ingest: skipped, it measures PostgreSQL (set DATABASE_URL)');
    await database.drop();
    return;
  }
  let t: TestApp | undefined;
  let load: ReturnType<typeof startLoadWorker> | undefined;
  try {
    const raw = await rawCommitRate(database.url);
    const secret = `whsec_${Buffer.from(randomUUID() + randomUUID()).toString('base64')}`;
    // Workers off: this measures the acknowledgement path (verify, check, record the job); applying comes after.
    t = await startTestApp({ database, env: { AGENDA_API_URL: 'http://127.0.0.1:9', AGENDA_API_TOKEN: 'bench', AGENDA_WEBHOOK_SECRET: secret, WORKERS: 'off' } });
    load = startLoadWorker({ url: `${t.url}/webhooks/agenda`, secret });
    await load.run({ mode: 'closed', count: 300 }); // warm-up
    const peakRun = await load.run({ mode: 'closed', count: PEAK_REQUESTS });
    const peak = PEAK_REQUESTS / peakRun.seconds;
    const peakLatencies = peakRun.latencies;
    // Open loop at half the peak rate: latency under a sustainable load.
    const rate = peak / 2;
    const halfRun = await load.run({ mode: 'open', count: Math.ceil(rate * HALF_LOAD_SECONDS), rate });
    const halfLatencies = halfRun.latencies;
    const failures = peakRun.failures + halfRun.failures;

    printTable('Webhook ingest on PostgreSQL', [
      ['raw single-row commits/s (same DB, concurrency 16)', raw.toFixed(0)],
      ['signed webhooks ingested/s (peak, concurrency 16)', peak.toFixed(0)],
      ['ratio ingest / raw commits', `${(peak / raw).toFixed(2)}  (target ≥ 0.5)`],
      ['ack latency at peak p50 / p99 (ms)', `${percentile(peakLatencies, 50).toFixed(1)} / ${percentile(peakLatencies, 99).toFixed(1)}`],
      [`ack latency at half load (${rate.toFixed(0)}/s) p50 / p99 (ms)`, `${percentile(halfLatencies, 50).toFixed(1)} / ${percentile(halfLatencies, 99).toFixed(1)}  (target p99 < 20)`],
      ['  p90 / p95 / max at half load (ms)', `${percentile(halfLatencies, 90).toFixed(1)} / ${percentile(halfLatencies, 95).toFixed(1)} / ${Math.max(...halfLatencies).toFixed(1)}`],
      ['non-2xx answers', String(failures)],
    ]);
  } finally {
    await load?.close();
    // The app before its database.
    await t?.close();
    await database.drop();
  }
}
