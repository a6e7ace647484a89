/**
 * Benchmark: reconciliation at scale. The fake hub serves N future video appointments
 * through its paged API (pages of 500); from a cold start (empty database, no watermark)
 * one reconciliation runs until every appointment has its teleconsultation and its two
 * links. Figures for 5,000 and 50,000: seconds, appointments/s, peak RSS, and how time and
 * memory grow (50k / 5k, against 10 for linear), beside the raw rate at which this
 * PostgreSQL commits the rows one appointment needs. The largest size runs a second time
 * with V8's heap capped (`--max-old-space-size`), as a memory-bounded deployment would run
 * it: what is live stays small (the V8 heap after a full collection), and the default peak
 * is mostly garbage that V8, sizing its heap for this machine's 24 GiB, has not yet collected.
 *
 * The reconciling app runs in a child process, so that its peak RSS does not count the fake
 * hub's 50,000 appointments (the hub stays in this process). Workers are off, as in the
 * other benches: write-back and message jobs are planned in the same transactions as in
 * production, but not run, so the hub is not hammered by write-backs during the timing.
 *
 *   npm run bench -- reconcile
 *   RECONCILE_BENCH_SIZES=5000 BENCH_PROFILE=/tmp/prof npm run bench -- reconcile   (CPU profile of the reconciliation)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { DateTime } from 'luxon';
import { reconcile } from '../../connector/agenda/sync.ts';
import { makeAppointment, startAgendaHub, type AgendaHub } from '../fakes/agenda-hub.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { agendaEnv, startTestApp } from '../support/harness.ts';
import { printTable, profiled } from './report.ts';

const PAGE_SIZE = 500;
const SIZES = (process.env.RECONCILE_BENCH_SIZES ?? '5000,50000').split(',').map(Number);
const TARGET_SECONDS = 30;
const TARGET_RSS_MB = 256;
const RSS_SAMPLE_MS = 20;
const RAW_APPOINTMENTS = 5_000;
const HEAP_CAP_MB = 128;

/** What the child reports of one run. */
interface RunResult {
  count: number;
  seconds: number;
  /** RSS once the app is up, before the reconciliation. */
  baselineRssMb: number;
  /** Highest sampled RSS during the reconciliation. */
  sampledPeakRssMb: number;
  /** The kernel's high-water mark of the child's RSS (whole life, start-up included). */
  maxRssMb: number;
  /** Highest sampled V8 heap in use, and what stays in use after a full collection at the end. */
  peakHeapUsedMb: number;
  retainedHeapMb: number;
  seen: number;
  applied: number;
  /** Rows written per appointment, all tables and pg-boss jobs together. */
  rowsPerAppointment: number;
  check: { teleconsultations: number; links: number; writeBackJobs: number };
}

interface ChildRequest { databaseUrl: string; databaseName: string; hub: { url: string; token: string; webhookSecret: string }; count: number; heapCapMb?: number }

/** The child's side: the app on the given database, one timed reconciliation, figures back. */
async function runChild(req: ChildRequest): Promise<RunResult> {
  // The database belongs to the parent, which drops it: the child only closes its app.
  const database: TestDatabase = { url: req.databaseUrl, pglite: undefined, name: req.databaseName, drop: async () => {}, onDrop: () => () => {} };
  const t = await startTestApp({ database, env: { ...agendaEnv(req.hub), WORKERS: 'off' } });
  try {
    const s = t.app.services;
    const mb = (bytes: number) => bytes / 1024 / 1024;
    global.gc?.();
    const baselineRssMb = mb(process.memoryUsage().rss);
    let peak = baselineRssMb;
    let peakHeap = 0;
    const sample = () => {
      const m = process.memoryUsage();
      peak = Math.max(peak, mb(m.rss));
      peakHeap = Math.max(peakHeap, mb(m.heapUsed));
    };
    const sampler = setInterval(sample, RSS_SAMPLE_MS);
    const started = process.hrtime.bigint();
    const result = await profiled(`reconcile-${req.count}`, () => reconcile({
      database: s.database, queue: s.queue, client: s.agenda, log: s.log, publicUrl: t.config.publicUrl, linkSecret: t.config.linkSecret, apply: s.apply,
    }, PAGE_SIZE));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    clearInterval(sampler);
    sample();
    global.gc?.();
    const retainedHeapMb = mb(process.memoryUsage().heapUsed);
    const one = async (q: ReturnType<typeof sql>) => ((await s.database.db.execute(q)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
    const check = {
      teleconsultations: await one(sql`select count(*)::int as n from teleconsultations where status = 'scheduled'`),
      links: await one(sql`select count(*)::int as n from access_links where revoked_at is null`),
      writeBackJobs: await one(sql`select count(*)::int as n from pgboss.job where name = 'agenda-writeback'`),
    };
    const rows = await one(sql`select ((select count(*) from appointments) + (select count(*) from teleconsultations) + (select count(*) from access_links)
      + (select count(*) from teleconsultation_events) + (select count(*) from messages) + (select count(*) from pgboss.job where name <> 'agenda-reconcile'))::int as n`);
    return {
      count: req.count, seconds, baselineRssMb, sampledPeakRssMb: peak, maxRssMb: process.resourceUsage().maxRSS / 1024, peakHeapUsedMb: peakHeap, retainedHeapMb,
      seen: result.seen, applied: result.applied, rowsPerAppointment: rows / req.count, check,
    };
  } finally {
    await t.close();
  }
}

if (process.env.RECONCILE_BENCH_CHILD === '1') {
  process.once('message', (req: ChildRequest) => {
    runChild(req).then(
      (r) => process.send!({ ok: r }, () => process.exit(0)),
      (err: unknown) => process.send!({ error: err instanceof Error ? err.stack : String(err) }, () => process.exit(1)),
    );
  });
}

/** Starts the child, hands it the run, and waits for its figures. */
function inChild(req: ChildRequest): Promise<RunResult> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...(req.heapCapMb ? [`--max-old-space-size=${req.heapCapMb}`] : [])],
    env: { ...process.env, RECONCILE_BENCH_CHILD: '1' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let answer: { ok?: RunResult; error?: string } | undefined;
    child.once('message', (m: { ok?: RunResult; error?: string }) => { answer = m; });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (answer?.ok) resolve(answer.ok);
      else reject(new Error(`reconcile child exited ${code}: ${answer?.error ?? 'no answer'}`));
    });
    child.send(req);
  });
}

/** N future video appointments, spread over the coming weeks, stored in the hub. */
function fill(hub: AgendaHub, count: number): void {
  const tomorrow = DateTime.now().setZone('Europe/Paris').plus({ days: 1 }).set({ hour: 8, minute: 0, second: 0, millisecond: 0 });
  for (let i = 0; i < count; i++) {
    const startsAt = tomorrow.plus({ days: i % 60, minutes: 20 * (i % 30) });
    hub.upsert(makeAppointment({ startsAt: startsAt.toISO({ suppressMilliseconds: true }) ?? '' }));
  }
}

/**
 * The raw rate, in appointments/s, at which this database commits `rowsPer` rows of about an
 * appointment's size for each appointment: one transaction per appointment (one multi-row
 * insert each), and one transaction per page of 500. The ceiling of any apply on this server.
 */
async function rawCommitRates(url: string, rowsPer: number): Promise<{ perAppointment: number; perPage: number }> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-raw' });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('create table if not exists bench_raw (id uuid primary key default gen_random_uuid(), k text not null, body jsonb not null, at timestamptz not null default now())');
    await client.query('create index if not exists bench_raw_k on bench_raw (k)');
    const body = JSON.stringify(makeAppointment());
    const rows = Math.max(1, Math.round(rowsPer));
    const insert = async (appointments: number) => {
      const n = appointments * rows;
      await client.query('insert into bench_raw (k, body) select k, $2::jsonb from unnest($1::text[]) as k', [Array.from({ length: n }, (_, i) => `k${i % rows}`), body]);
    };
    const time = async (f: () => Promise<void>) => {
      const started = process.hrtime.bigint();
      await f();
      return Number(process.hrtime.bigint() - started) / 1e9;
    };
    const perAppointmentCount = Math.min(RAW_APPOINTMENTS, 2_000);
    const a = await time(async () => {
      for (let i = 0; i < perAppointmentCount; i++) await insert(1);
    });
    const b = await time(async () => {
      for (let i = 0; i < RAW_APPOINTMENTS; i += PAGE_SIZE) {
        await client.query('begin');
        await insert(PAGE_SIZE);
        await client.query('commit');
      }
    });
    await client.query('drop table bench_raw');
    return { perAppointment: perAppointmentCount / a, perPage: RAW_APPOINTMENTS / b };
  } finally {
    await client.end();
  }
}

/** Runs the benchmark and prints its figures. */
export async function benchReconcile(): Promise<void> {
  const results: RunResult[] = [];
  let raw: { perAppointment: number; perPage: number } | undefined;
  // The largest size once more with V8's heap capped, as a memory-bounded deployment runs it:
  // by default V8 sizes its heap for this machine's memory and lets garbage pile up to a
  // multiple of what is live before it collects.
  const runs = [...SIZES.map((count) => ({ count, heapCapMb: undefined as number | undefined })), { count: Math.max(...SIZES), heapCapMb: HEAP_CAP_MB }];
  for (const { count, heapCapMb } of runs) {
    const database = await freshDatabase();
    if (!database.url) {
      console.log('reconcile: skipped, it measures PostgreSQL (set DATABASE_URL)');
      await database.drop();
      return;
    }
    const hub = await startAgendaHub();
    try {
      fill(hub, count);
      const r = await inChild({ databaseUrl: database.url!, databaseName: database.name, hub: { url: hub.url, token: hub.token, webhookSecret: hub.webhookSecret }, count, heapCapMb });
      if (!heapCapMb) results.push(r);
      raw ??= await rawCommitRates(database.url!, r.rowsPerAppointment);
      const pages = hub.requests.filter((q) => q.method === 'GET' && q.path === '/appointments').length;
      const synced = r.check.teleconsultations === count && r.check.links === 2 * count;
      printTable(`reconciliation of ${count.toLocaleString('en')} appointments, cold start (PostgreSQL, pages of ${PAGE_SIZE}, app in a child process, workers off${heapCapMb ? `, V8 heap capped: --max-old-space-size=${heapCapMb}` : ''})`, [
        ['time to be fully in sync', `${r.seconds.toFixed(2)} s${count === 50_000 ? `  (target ≤ ${TARGET_SECONDS} s: ${r.seconds <= TARGET_SECONDS ? 'met' : 'MISSED'})` : ''}`],
        ['appointments/s', (count / r.seconds).toFixed(0)],
        ['peak RSS of the reconciling process (sampled / kernel max)', `${r.sampledPeakRssMb.toFixed(0)} / ${r.maxRssMb.toFixed(0)} MB, ${r.baselineRssMb.toFixed(0)} MB before${count === 50_000 ? `  (target ≤ ${TARGET_RSS_MB} MB: ${r.maxRssMb <= TARGET_RSS_MB ? 'met' : 'MISSED'})` : ''}`],
        ['V8 heap in use: peak sampled / retained after the run (after a full collection)', `${r.peakHeapUsedMb.toFixed(0)} / ${r.retainedHeapMb.toFixed(0)} MB`],
        ['pages fetched / appointments seen / applied', `${pages} / ${r.seen} / ${r.applied}`],
        ['in sync (scheduled teleconsultations, live links, write-back jobs)', `${r.check.teleconsultations} / ${r.check.links} / ${r.check.writeBackJobs}: ${synced ? 'yes' : 'NO'}`],
        ['rows written per appointment (all tables and jobs)', r.rowsPerAppointment.toFixed(1)],
      ]);
    } finally {
      await hub.close();
      await database.drop();
    }
  }
  if (raw) {
    const best = Math.max(...results.map((r) => r.count / r.seconds));
    printTable('raw commit rate of this PostgreSQL for the rows of one appointment (the limit)', [
      ['one transaction per appointment (appointments/s)', raw.perAppointment.toFixed(0)],
      [`one transaction per page of ${PAGE_SIZE} (appointments/s)`, raw.perPage.toFixed(0)],
      ['ratio reconciliation / raw per page', `${(best / raw.perPage).toFixed(2)}  (near 1: the database is the bottleneck; far below: our code)`],
    ]);
  }
  const small = results.find((r) => r.count === 5_000);
  const large = results.find((r) => r.count === 50_000);
  if (small && large) {
    const growth = (a: number, b: number) => (b / a).toFixed(1);
    printTable('growth 50,000 / 5,000 (linear: 10)', [
      ['time', growth(small.seconds, large.seconds)],
      ['peak RSS (kernel max)', growth(small.maxRssMb, large.maxRssMb)],
      ['RSS above the app at rest (sampled peak − before)', `${(small.sampledPeakRssMb - small.baselineRssMb).toFixed(0)} → ${(large.sampledPeakRssMb - large.baselineRssMb).toFixed(0)} MB`],
    ]);
  }
}
