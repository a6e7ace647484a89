/**
 * Benchmark: the waiting room under load. Teleconsultations each with its practitioner's
 * panel and its patient connected over the live WebSocket; every patient knocks in turn and
 * we time the knock until the practitioner's `presence` event says "waiting" (p50/p99).
 * 5,000 pairs on one instance (BENCH_PAIRS for another count), then 1,000 across two
 * instances through Redis (patient on A, practitioner on B). The clients run in their own
 * process, so that the server's memory per socket is read off this process alone.
 * PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise. Loopback only, bounded.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { accessLinks, teleconsultations } from '../../connector/db/schema/index.ts';
import { applyAppointment } from '../../connector/teleconsultations/apply.ts';
import { linkToken } from '../../connector/teleconsultations/links.ts';
import { makeAppointment } from '../fakes/agenda-hub.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApp, TEST_LINK_SECRET, type TestApp } from '../support/harness.ts';
import { percentile, printTable } from './report.ts';

const PAIRS_ONE = Number(process.env['BENCH_PAIRS'] ?? 5_000);
const PAIRS_TWO = 1_000;
const CONNECT_CONCURRENCY = 50;
const TARGET_ONE_MS = 25;
const TARGET_TWO_MS = 150;
const TARGET_KB_PER_SOCKET = 100;
const WAIT_TIMEOUT_MS = 10_000;

/** One pair as the client process gets it: where each side connects, with its link token. */
interface PairTarget {
  id: string;
  practitioner: { base: string; token: string };
  patient: { base: string; token: string };
}

type ClientCommand = { cmd: 'connect'; pairs: PairTarget[] } | { cmd: 'knock' } | { cmd: 'close' };

// ---- the client process ---------------------------------------------------------------

interface Socket {
  ws: WebSocket;
  /** Resolves on the next message matching the current waiter. */
  waiter: ((m: { type: string; presence?: { patient: string } }) => boolean) | undefined;
}

interface Pair { practitioner: Socket; patient: Socket }

/** Opens a link as a browser does; returns the session cookie. */
async function sessionCookie(baseUrl: string, token: string): Promise<string> {
  const res = await fetch(`${baseUrl}/j/${token}`, { redirect: 'manual' });
  await res.arrayBuffer();
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0];
  if (res.status !== 303 || !cookie) throw new Error(`link exchange answered ${res.status}`);
  return cookie;
}

async function open(url: string, cookie: string): Promise<Socket> {
  const ws = new WebSocket(url, { headers: { cookie } });
  const socket: Socket = { ws, waiter: undefined };
  let stated: () => void = () => {};
  const state = new Promise<void>((resolve) => { stated = resolve; });
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as { type: string; presence?: { patient: string } };
    if (m.type === 'state') stated();
    if (socket.waiter?.(m)) socket.waiter = undefined;
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  await state;
  return socket;
}

async function inBatches<T, R>(items: T[], size: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: size }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]!);
    }
  }));
  return out;
}

async function connectAll(targets: PairTarget[]): Promise<Pair[]> {
  return inBatches(targets, CONNECT_CONCURRENCY, async (m) => {
    const ws = (base: string, role: string) => `${base.replace(/^http/, 'ws')}/live/${m.id}/${role}`;
    const practitioner = await open(ws(m.practitioner.base, 'practitioner'), await sessionCookie(m.practitioner.base, m.practitioner.token));
    const patient = await open(ws(m.patient.base, 'patient'), await sessionCookie(m.patient.base, m.patient.token));
    return { practitioner, patient };
  });
}

/** Every patient knocks in turn; returns the knock → presence latency of each, in ms. */
async function knockAll(pairs: Pair[]): Promise<number[]> {
  const latencies: number[] = [];
  for (const p of pairs) {
    const seen = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no presence event within ${WAIT_TIMEOUT_MS} ms`)), WAIT_TIMEOUT_MS);
      p.practitioner.waiter = (m) => {
        if (m.type !== 'presence' || m.presence?.patient !== 'waiting') return false;
        clearTimeout(timer);
        resolve(performance.now());
        return true;
      };
    });
    const started = performance.now();
    p.patient.ws.send('{"type":"knock"}');
    latencies.push((await seen) - started);
  }
  return latencies;
}

async function closeAll(pairs: Pair[]): Promise<void> {
  await Promise.all(pairs.flatMap((p) => [p.practitioner, p.patient]).map((s) => new Promise<void>((resolve) => {
    if (s.ws.readyState === s.ws.CLOSED) return resolve();
    s.ws.once('close', () => resolve());
    s.ws.close();
  })));
}

if (process.env['BENCH_ROLE'] === 'waiting-room-clients' && process.send) {
  let pairs: Pair[] = [];
  process.on('message', (command: ClientCommand) => {
    const answer = (work: Promise<unknown>) => work.then((value) => process.send!({ ok: true, value }), (err: unknown) => process.send!({ ok: false, error: String(err) }));
    if (command.cmd === 'connect') void answer(connectAll(command.pairs).then((p) => { pairs = p; return p.length; }));
    if (command.cmd === 'knock') void answer(knockAll(pairs));
    if (command.cmd === 'close') void answer(closeAll(pairs).then(() => { pairs = []; return 0; }));
  });
  process.send('ready');
}

// ---- the server side --------------------------------------------------------------------

/** The client process, driven one command at a time. */
function startClients() {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_ROLE: 'waiting-room-clients' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = new Promise<void>((resolve, reject) => { child.once('message', () => resolve()); child.once('error', reject); });
  const ask = async <T>(command: ClientCommand): Promise<T> => {
    await ready;
    const reply = await new Promise<{ ok: boolean; value?: T; error?: string }>((resolve) => { child.once('message', (m) => resolve(m as { ok: boolean; value?: T; error?: string })); child.send(command); });
    if (!reply.ok) throw new Error(`bench clients: ${reply.error}`);
    return reply.value as T;
  };
  return {
    connect: (pairs: PairTarget[]) => ask<number>({ cmd: 'connect', pairs }),
    knock: () => ask<number[]>({ cmd: 'knock' }),
    close: () => ask<number>({ cmd: 'close' }),
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    }),
  };
}

/** Makes `count` teleconsultations; each side connects to the app given. */
async function makePairs(count: number, patientApp: TestApp, practitionerApp: TestApp): Promise<PairTarget[]> {
  const services = patientApp.app.services;
  const db = services.database.db;
  return inBatches(Array.from({ length: count }, (_, i) => i), 16, async () => {
    const appointment = makeAppointment();
    await db.transaction((tx) => applyAppointment(tx, services.apply, { appointment }, { kind: 'webhook', source: 'agenda' }));
    const [t] = await db.select({ id: teleconsultations.id }).from(teleconsultations).where(eq(teleconsultations.appointmentId, appointment.id));
    if (!t) throw new Error('no teleconsultation');
    const links = await db.select().from(accessLinks).where(eq(accessLinks.teleconsultationId, t.id));
    const token = (role: string) => linkToken(TEST_LINK_SECRET, links.find((l) => l.role === role)!.id);
    return { id: t.id, practitioner: { base: practitionerApp.url, token: token('practitioner') }, patient: { base: patientApp.url, token: token('patient') } };
  });
}

function row(label: string, ms: number[], target: number): [string, string] {
  const p50 = percentile(ms, 50);
  const p99 = percentile(ms, 99);
  return [label, `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms over ${ms.length} knocks (target p99 ≤ ${target} ms: ${p99 <= target ? 'met' : 'MISSED'})`];
}

/** This process's memory, after a collection when `--expose-gc` allows one. */
function memory(): { rss: number; heap: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

/** Runs the benchmark and prints its figures. */
export async function benchWaitingRoom(): Promise<void> {
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const database: TestDatabase = await freshDatabase();
  // Workers off: the write-back jobs are planned (as in production) but the agenda is not called.
  const env = { AGENDA_API_URL: 'http://127.0.0.1:9', AGENDA_API_TOKEN: 'bench', AGENDA_WEBHOOK_SECRET: `whsec_${Buffer.from('bench-secret-bench-secret-123456').toString('base64')}`, WORKERS: 'off', REDIS_URL: redisUrl,
    // Every simulated patient and practitioner connects from this one machine: its address is not a guesser's.
    RATE_LIMIT_LINKS_PER_MINUTE: '1000000', RATE_LIMIT_LIVE_PER_MINUTE: '1000000', RATE_LIMIT_SOCKETS_PER_MINUTE: '1000000' };
  let a: TestApp | undefined;
  let b: TestApp | undefined;
  const clients = startClients();
  try {
    a = await startTestApp({ database, env });
    b = await startTestApp({ database, env });
    const one = await makePairs(PAIRS_ONE, a, a);
    const before = memory();
    await clients.connect(one);
    const connected = memory();
    const oneMs = await clients.knock();
    await clients.close();
    const perSocketKb = (connected.rss - before.rss) / (2 * PAIRS_ONE) / 1024;
    const heapPerSocketKb = (connected.heap - before.heap) / (2 * PAIRS_ONE) / 1024;
    const two = await makePairs(PAIRS_TWO, a, b);
    await clients.connect(two);
    const twoMs = await clients.knock();
    await clients.close();
    printTable(`waiting room: knock → practitioner's presence event (${database.url ? 'PostgreSQL' : 'PGlite'}, Redis bus; clients in their own process)`, [
      row(`one instance, ${PAIRS_ONE.toLocaleString('en')} pairs connected`, oneMs, TARGET_ONE_MS),
      row(`two instances (patient on A, practitioner on B), ${PAIRS_TWO.toLocaleString('en')} pairs`, twoMs, TARGET_TWO_MS),
      [`server memory per socket, ${(2 * PAIRS_ONE).toLocaleString('en')} sockets (RSS / JS heap)`,
        `${perSocketKb.toFixed(1)} KB / ${heapPerSocketKb.toFixed(1)} KB (target ≤ ${TARGET_KB_PER_SOCKET} KB: ${perSocketKb <= TARGET_KB_PER_SOCKET ? 'met' : 'MISSED'}; RSS ${Math.round(before.rss / 1e6)} → ${Math.round(connected.rss / 1e6)} MB)`],
    ]);
  } finally {
    await clients.stop();
    // Both apps before the database they share (drop() would close any left open first).
    await b?.close();
    await a?.close();
    await database.drop();
  }
}
