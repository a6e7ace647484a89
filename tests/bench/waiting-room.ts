/**
 * Benchmark: the waiting room under load. 1,000 teleconsultations, each with its
 * practitioner's panel and its patient connected over the live WebSocket; every patient
 * knocks in turn and we time the knock until the practitioner's `presence` event says
 * "waiting" (p50/p99). Once on one instance, once across two instances through Redis
 * (patient on A, practitioner on B). PostgreSQL when DATABASE_URL is set, embedded PGlite
 * otherwise. Loopback only, bounded loops.
 */
import { eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { accessLinks, teleconsultations } from '../../connector/db/schema/index.ts';
import { applyAppointment } from '../../connector/teleconsultations/apply.ts';
import { linkToken } from '../../connector/teleconsultations/links.ts';
import { makeAppointment } from '../fakes/agenda-hub.ts';
import { freshDatabase, type TestDatabase } from '../support/database.ts';
import { startTestApp, TEST_LINK_SECRET, type TestApp } from '../support/harness.ts';
import { percentile, printTable } from './report.ts';

const PAIRS = 1_000;
const CONNECT_CONCURRENCY = 50;
const TARGET_ONE_MS = 100;
const TARGET_TWO_MS = 150;
const WAIT_TIMEOUT_MS = 10_000;

interface Socket {
  ws: WebSocket;
  /** Resolves on the next message matching the current waiter. */
  waiter: ((m: { type: string; presence?: { patient: string } }) => boolean) | undefined;
}

/** The teleconsultation of an appointment, with the tokens of its two links. */
async function linksOf(app: TestApp, appointmentId: string): Promise<{ id: string; practitionerToken: string; patientToken: string }> {
  const db = app.app.services.database.db;
  const [t] = await db.select({ id: teleconsultations.id }).from(teleconsultations).where(eq(teleconsultations.appointmentId, appointmentId));
  if (!t) throw new Error('no teleconsultation');
  const links = await db.select().from(accessLinks).where(eq(accessLinks.teleconsultationId, t.id));
  const token = (role: string) => linkToken(TEST_LINK_SECRET, links.find((l) => l.role === role)!.id);
  return { id: t.id, practitionerToken: token('practitioner'), patientToken: token('patient') };
}

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

interface Pair { id: string; practitioner: Socket; patient: Socket }

/** Makes the teleconsultations and connects both sides of each. */
async function connectPairs(patientApp: TestApp, practitionerApp: TestApp): Promise<Pair[]> {
  const services = patientApp.app.services;
  const made = await inBatches(Array.from({ length: PAIRS }, (_, i) => i), 16, async () => {
    const appointment = makeAppointment();
    await services.database.db.transaction((tx) => applyAppointment(tx, services.apply, { appointment }, { kind: 'webhook', source: 'agenda' }));
    return linksOf(patientApp, appointment.id);
  });
  return inBatches(made, CONNECT_CONCURRENCY, async (m) => {
    const ws = (app: TestApp, role: string) => `${app.url.replace(/^http/, 'ws')}/live/${m.id}/${role}`;
    const practitioner = await open(ws(practitionerApp, 'practitioner'), await sessionCookie(practitionerApp.url, m.practitionerToken));
    const patient = await open(ws(patientApp, 'patient'), await sessionCookie(patientApp.url, m.patientToken));
    return { id: m.id, practitioner, patient };
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

function row(label: string, ms: number[], target: number): [string, string] {
  const p50 = percentile(ms, 50);
  const p99 = percentile(ms, 99);
  return [label, `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms over ${ms.length} knocks (target p99 ≤ ${target} ms: ${p99 <= target ? 'met' : 'MISSED'})`];
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
  try {
    a = await startTestApp({ database, env });
    b = await startTestApp({ database, env });
    const rss = () => `${Math.round(process.memoryUsage().rss / 1e6)} MB`;
    const one = await connectPairs(a, a);
    const oneMs = await knockAll(one);
    const memoryOne = rss();
    await closeAll(one);
    const two = await connectPairs(a, b);
    const twoMs = await knockAll(two);
    const memoryTwo = rss();
    await closeAll(two);
    printTable(`waiting room: knock → practitioner's presence event, ${PAIRS} pairs connected (${database.url ? 'PostgreSQL' : 'PGlite'}, Redis bus)`, [
      row('one instance', oneMs, TARGET_ONE_MS),
      row('two instances (patient on A, practitioner on B)', twoMs, TARGET_TWO_MS),
      ['process memory (both apps and 4,000 client sockets)', `${memoryOne} / ${memoryTwo}`],
    ]);
  } finally {
    // Both apps before the database they share (drop() would close any left open first).
    await b?.close();
    await a?.close();
    await database.drop();
  }
}
