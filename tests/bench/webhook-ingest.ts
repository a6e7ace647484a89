/**
 * Benchmark: signed agenda webhooks ingested per second, and acknowledgement latency, on
 * PostgreSQL, beside its two limits measured in the same run: the raw rate of single-row
 * committed inserts into the same database at the same concurrency (the ceiling of durable
 * ingest), and a bare Fastify route that only answers, loaded by the same generator with the
 * same bodies (the HTTP ceiling of this machine). Loopback only, bounded.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import http from 'node:http';
import { Writable } from 'node:stream';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { makeAppointment } from '../fakes/agenda-hub.ts';
import { freshDatabase } from '../support/database.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { percentile, printTable, profiled } from './report.ts';

const CONCURRENCY = 16;
/** Closed loops tried for the peak, each side's best taken: a group commit needs requests in flight to fill its batches. */
const PEAK_CONCURRENCY = [16, 64, 128];
const RAW_ROWS = 6000;
const PEAK_REQUESTS = 8000;
const HALF_LOAD_SECONDS = 8;

/** Raw single-row commits/s at each of 16 and 64 connections (the server allows 100); the best. */
async function rawCommitRate(url: string): Promise<{ rate: number; concurrency: number; all: string }> {
  const runs: { rate: number; concurrency: number }[] = [];
  for (const concurrency of [CONCURRENCY, 64]) runs.push({ rate: await rawCommitRateAt(url, concurrency), concurrency });
  const best = runs.reduce((a, b) => (b.rate > a.rate ? b : a));
  return { ...best, all: runs.map((r) => `${r.concurrency}: ${r.rate.toFixed(0)}`).join(', ') };
}

async function rawCommitRateAt(url: string, concurrency: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: concurrency });
  // An idle connection that fails is emitted on the pool; unlistened, it would throw.
  pool.on('error', (err) => console.log(`bench connection lost: ${(err as { code?: string }).code ?? err.message}`));
  await pool.query('create table if not exists bench_raw (id bigserial primary key, body jsonb not null, at timestamptz not null default now())');
  const body = JSON.stringify(makeAppointment());
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < RAW_ROWS) await pool.query('insert into bench_raw (body) values ($1)', [body]);
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.end();
  return RAW_ROWS / seconds;
}

/**
 * The HTTP ceiling: Fastify with one route that takes the body as bytes (as the webhooks
 * scope does) and answers 202 at once, with the app's logging off. What no handler can beat.
 */
async function startBareServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post('/bare', async (_request, reply) => reply.status(202).send({ status: 'accepted' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}/bare`, close: () => app.close() };
}

interface LoadRequest { mode: 'closed' | 'open'; count: number; rate?: number; concurrency?: number }
interface LoadResult { seconds: number; latencies: number[]; failures: number }

/**
 * The load generator runs in its own process: its work (signing, timers, parsing) sits
 * neither in the server's latency figures nor in the server's CPU time, which is measured.
 */
function startLoadWorker(target: { url: string; secret: string }) {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_ROLE: 'webhook-load', BENCH_TARGET: target.url, BENCH_SECRET: target.secret },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<void>((resolve, reject) => { child.once('message', () => resolve()); child.once('error', reject); });
  return {
    /** Signs the requests of a run (not timed), then returns the run to start. */
    async prepare(req: LoadRequest): Promise<() => Promise<LoadResult>> {
      await ready;
      await new Promise((resolve) => { child.once('message', resolve); child.send({ prepare: req }); });
      return () => new Promise((resolve) => { child.once('message', (m) => resolve(m as LoadResult)); child.send({ go: true }); });
    },
    async run(req: LoadRequest): Promise<LoadResult> {
      return (await this.prepare(req))();
    },
    close: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    }),
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

if (process.env['BENCH_ROLE'] === 'webhook-load' && process.send) {
  const target = process.env['BENCH_TARGET']!;
  const secret = process.env['BENCH_SECRET']!;
  const url = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Math.max(...PEAK_CONCURRENCY) });
  const post = (p: { body: string; headers: Record<string, string> }) => new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: p.headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.end(p.body);
  });
  let prepared: { req: LoadRequest; batch: { body: string; headers: Record<string, string> }[] } | undefined;
  process.on('message', async (message: { prepare: LoadRequest } | { go: true }) => {
    if ('prepare' in message) {
      // Signed shortly before sending: the receiver refuses timestamps older than 5 minutes.
      prepared = { req: message.prepare, batch: prepare(secret, message.prepare.count) };
      process.send!('prepared');
      return;
    }
    if (!prepared) return;
    const { req, batch } = prepared;
    prepared = undefined;
    const latencies: number[] = [];
    let failures = 0;
    const started = process.hrtime.bigint();
    if (req.mode === 'closed') {
      let i = 0;
      await Promise.all(Array.from({ length: req.concurrency ?? CONCURRENCY }, async () => {
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
    process.send!({ seconds: Number(process.hrtime.bigint() - started) / 1e9, latencies, failures } satisfies LoadResult);
  });
  process.send('ready');
}

/**
 * CPU time of the whole machine (every process, /proc/stat) and of its PostgreSQL server
 * (every `postgres` process), in µs; both count in USER_HZ (100/s on Linux). Zeros elsewhere.
 */
function machineCpu(): { busyUs: number; postgresUs: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: all but idle and iowait are busy.
    const busy = fields.slice(0, 8).reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0);
    let postgres = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        if (!stat.includes('(postgres)')) continue;
        const after = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        postgres += Number(after[11]) + Number(after[12]); // utime, stime
      } catch {
        // The process ended meanwhile.
      }
    }
    return { busyUs: busy * 10_000, postgresUs: postgres * 10_000 };
  } catch {
    return { busyUs: 0, postgresUs: 0 };
  }
}

function cpuMicros(usage: NodeJS.CpuUsage): number {
  return usage.user + usage.system;
}

/**
 * How many commits recorded deliveries so far: the jobs of one insert share its
 * transaction's start time (`created_on`), a figure the machine's load does not move.
 */
async function ingestBatches(t: TestApp): Promise<number> {
  const r = await t.app.services.database.db.execute(sql`select count(distinct created_on)::int as n from pgboss.job where name = 'agenda-event'`);
  return (r as unknown as { rows: { n: number }[] }).rows[0]!.n;
}

/** The best closed-loop run of a server, with what it cost the server process and the machine. */
interface Peak {
  rate: number;
  concurrency: number;
  /** Every concurrency's rate, for the report. */
  all: string;
  run: LoadResult;
  failures: number;
  serverUs: number;
  machineUs: number;
  postgresUs: number;
  cores: number;
  commits: number;
}

/** Runs PEAK_REQUESTS closed-loop at each of PEAK_CONCURRENCY; returns the fastest, measured. */
async function peakOf(load: ReturnType<typeof startLoadWorker>, commits: () => Promise<number> = async () => 0): Promise<Peak> {
  let best: Peak | undefined;
  const rates: string[] = [];
  let failures = 0;
  for (const concurrency of PEAK_CONCURRENCY) {
    const start = await load.prepare({ mode: 'closed', count: PEAK_REQUESTS, concurrency });
    const commits0 = await commits();
    const cpu0 = process.cpuUsage();
    const machine0 = machineCpu();
    const run = await start();
    const serverUs = cpuMicros(process.cpuUsage(cpu0)) / PEAK_REQUESTS;
    const machine1 = machineCpu();
    const rate = PEAK_REQUESTS / run.seconds;
    failures += run.failures;
    rates.push(`${concurrency}: ${rate.toFixed(0)}`);
    if (!best || rate > best.rate) {
      best = {
        rate, concurrency, all: '', run, failures: 0, serverUs,
        machineUs: (machine1.busyUs - machine0.busyUs) / PEAK_REQUESTS,
        postgresUs: (machine1.postgresUs - machine0.postgresUs) / PEAK_REQUESTS,
        cores: (machine1.busyUs - machine0.busyUs) / 1e6 / run.seconds,
        commits: (await commits()) - commits0,
      };
    }
  }
  return { ...best!, all: rates.join(', '), failures };
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
    const bare = await startBareServer();
    const bareLoad = startLoadWorker({ url: bare.url, secret });
    let ceiling: Peak;
    try {
      await bareLoad.run({ mode: 'closed', count: 300 }); // warm-up
      ceiling = await peakOf(bareLoad);
    } finally {
      await bareLoad.close();
      await bare.close();
    }
    // Workers off: this measures the acknowledgement path (verify, check, record the job); applying comes after.
    // Logging as in production (info: a line per request and per event), into a stream that
    // keeps nothing, so that its cost is in the figures but not a terminal's.
    let logBytes = 0;
    const logStream = new Writable({ write(chunk: Buffer, _encoding, callback) { logBytes += chunk.length; callback(); } });
    t = await startTestApp({ database, logStream, env: { AGENDA_API_URL: 'http://127.0.0.1:9', AGENDA_API_TOKEN: 'bench', AGENDA_WEBHOOK_SECRET: secret, WORKERS: 'off', LOG_LEVEL: 'info' } });
    load = startLoadWorker({ url: `${t.url}/webhooks/agenda`, secret });
    await load.run({ mode: 'closed', count: 300 }); // warm-up
    const app = t;
    const ingest = await profiled('webhook-ingest-peak', () => peakOf(load!, () => ingestBatches(app)));
    const peak = ingest.rate;
    const peakLatencies = ingest.run.latencies;
    // Open loop at half the peak rate: latency under a sustainable load.
    const rate = peak / 2;
    const halfRun = await load.run({ mode: 'open', count: Math.ceil(rate * HALF_LOAD_SECONDS), rate });
    const halfLatencies = halfRun.latencies;
    const failures = ingest.failures + halfRun.failures;

    printTable('Webhook ingest on PostgreSQL', [
      ['raw single-row commits/s (same DB, best of 16 / 64 connections)', `${raw.rate.toFixed(0)}  (at ${raw.concurrency}; ${raw.all})`],
      [`signed webhooks ingested/s (peak: best closed loop of ${PEAK_CONCURRENCY.join(' / ')})`, `${peak.toFixed(0)}  (at ${ingest.concurrency}; ${ingest.all})`],
      ['bare Fastify route answered/s (HTTP ceiling, same load)', `${ceiling.rate.toFixed(0)}  (at ${ceiling.concurrency}; ${ceiling.all})`],
      ['ratio ingest / raw commits', `${(peak / raw.rate).toFixed(2)}  (target ≥ 0.5: ${peak / raw.rate >= 0.5 ? 'met' : 'MISSED'})`],
      ['ratio ingest / HTTP ceiling', `${(peak / ceiling.rate).toFixed(2)}  (target ≥ 0.7: ${peak / ceiling.rate >= 0.7 ? 'met' : 'MISSED'})`],
      ['server CPU per request at peak: ingest / bare route (µs)', `${ingest.serverUs.toFixed(0)} / ${ceiling.serverUs.toFixed(0)}  (ratio ${(ceiling.serverUs / ingest.serverUs).toFixed(2)}: the HTTP ratio a CPU-bound server would reach)`],
      ['machine CPU per request at peak, every process: ingest / bare route (µs)', `${ingest.machineUs.toFixed(0)} / ${ceiling.machineUs.toFixed(0)}  (ratio ${(ceiling.machineUs / Math.max(1, ingest.machineUs)).toFixed(2)}), of which PostgreSQL ${ingest.postgresUs.toFixed(0)} / ${ceiling.postgresUs.toFixed(0)}`],
      ['ratio reachable by a handler costing nothing but its commit (bare / (bare + PostgreSQL), machine CPU)', `${(ceiling.machineUs / (ceiling.machineUs + ingest.postgresUs)).toFixed(2)}  (the load generator, the server and PostgreSQL share the same cores)`],
      [`cores busy at peak: ingest / bare route (of this machine's ${availableParallelism()})`, `${ingest.cores.toFixed(2)} / ${ceiling.cores.toFixed(2)}`],
      ['commits at peak (deliveries per commit)', `${ingest.commits} (${(PEAK_REQUESTS / Math.max(1, ingest.commits)).toFixed(1)})`],
      ['ack latency at peak p50 / p99 (ms)', `${percentile(peakLatencies, 50).toFixed(1)} / ${percentile(peakLatencies, 99).toFixed(1)}`],
      [`ack latency at half load (${rate.toFixed(0)}/s) p50 / p99 (ms)`, `${percentile(halfLatencies, 50).toFixed(1)} / ${percentile(halfLatencies, 99).toFixed(1)}  (target p99 < 20: ${percentile(halfLatencies, 99) < 20 ? 'met' : 'MISSED'})`],
      ['  p90 / p95 / max at half load (ms)', `${percentile(halfLatencies, 90).toFixed(1)} / ${percentile(halfLatencies, 95).toFixed(1)} / ${Math.max(...halfLatencies).toFixed(1)}`],
      ['non-2xx answers', String(failures)],
      ['log written (info level, as in production), bytes per request', (logBytes / (PEAK_CONCURRENCY.length * PEAK_REQUESTS + 300 + halfRun.latencies.length)).toFixed(0)],
    ]);
  } finally {
    await load?.close();
    // The app before its database.
    await t?.close();
    await database.drop();
  }
}
