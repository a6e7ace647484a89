/**
 * Bench: message capacity. The real app's send worker sends email + SMS invitations to the
 * local SendGrid and Twilio fakes through the real SDKs, on PostgreSQL (DATABASE_URL) or
 * PGlite, in three parts on one database:
 *
 * 1. window: `BENCH_MESSAGES` (default 50,000) messages due within one minute, evenly
 *    spread (the offered rate is N / 60 s): lateness of each arrival against its due time
 *    (p50, p99, max; target p99 ≤ 2 s), the sent rate, lost and doubled (both must be 0).
 * 2. backlog: `BENCH_BACKLOG` (default min(20,000, N)) messages all due at the same instant:
 *    the sustained send rate the worker reaches when it is the limit (target ≥ 1,000/s).
 *    Evenly spread due times cap the window's rate at its offered rate, so capacity is
 *    measured here.
 * 3. pg-boss: how many jobs per second pg-boss itself hands out (fetch, then complete) on the
 *    same database with an empty handler, the same queue options, batch size, polling
 *    interval and number of workers as the send worker: the queue's limit. The ratio of our
 *    jobs/s to it says whether our sending or the queue is the limit.
 *
 * "Sustained" is the rate between the 5th and the 95th percentile of arrival times: 90 % of
 * the messages over the time they took, without the ramp-up and the tail.
 *
 * The fakes run in a worker thread, as remote providers would: they do not take the
 * worker's event loop, and they stamp each message's arrival. The app logs at info into a
 * sink that counts lines and looks in them for the patients' contact details.
 *
 *   node --import tsx tests/bench/run.ts notifications   (BENCH_MESSAGES=4000 for a quick run)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { inArray, sql } from 'drizzle-orm';
import PgBoss from 'pg-boss';
import { v7 as uuidv7 } from 'uuid';
import { accessLinks, clinics, messages, teleconsultations } from '../../connector/db/schema/index.ts';
import { duePriority, SEND_QUEUE, type SendJobData } from '../../connector/notifications/plan.ts';
import type { ChannelProviders } from '../../connector/notifications/send.ts';
import { SEND_WORKER } from '../../connector/notifications/service.ts';
import { startSendgridFake } from '../fakes/sendgrid.ts';
import { startTwilioFake } from '../fakes/twilio.ts';
import { dropTemplates, freshDatabase } from '../support/database.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';
import { percentile, printTable } from './report.ts';

const TARGET_P99_MS = 2000;
const TARGET_RATE = 1000;
const WINDOW_MS = 60_000;
const CHUNK = 1000;
/** The send worker's polling interval in the app the harness builds (seconds). */
const POLLING_SECONDS = 0.5;
const HANDOUT_QUEUE = 'bench-handout';

interface FakesInfo {
  sendgrid: { url: string; apiKey: string; publicKey: string };
  twilio: { url: string; accountSid: string; authToken: string };
}

/** Arrivals at the fakes: our message id and when it arrived (ms since epoch). */
type Arrivals = [string, number][];

/** The worker side: both fakes, and their arrivals on request. */
async function serveFakes(): Promise<void> {
  const [sg, tw] = await Promise.all([startSendgridFake(), startTwilioFake()]);
  const arrivals: Arrivals = [];
  // Stamp arrivals as the fakes record them (they push to `sent` / `messages` on acceptance).
  // The recorded requests and bodies are dropped: 100,000 of them would only fill the heap.
  const stamp = <T>(list: T[], ref: (x: T) => string) => {
    list.push = (...items: T[]) => { for (const x of items) arrivals.push([ref(x), Date.now()]); return 0; };
  };
  stamp(sg.sent, (m) => m.body.custom_args?.message_ref ?? '');
  stamp(tw.messages, (m) => new URL(m.statusCallback ?? 'http://x/').searchParams.get('m') ?? '');
  sg.requests.push = () => 0;
  tw.requests.push = () => 0;
  const info: FakesInfo = {
    sendgrid: { url: sg.url, apiKey: sg.apiKey, publicKey: sg.publicKey },
    twilio: { url: tw.url, accountSid: tw.accountSid, authToken: tw.authToken },
  };
  parentPort!.on('message', async (msg: string) => {
    if (msg === 'report') parentPort!.postMessage(arrivals);
    if (msg === 'close') { await Promise.all([sg.close(), tw.close()]); process.exit(0); }
  });
  parentPort!.postMessage(info);
}

/** Inserts `count` teleconsultations with an email and an SMS invitation each, due far ahead, and their send jobs. */
async function seed(t: TestApp, prefix: string, count: number): Promise<void> {
  const { db } = t.app.services.database;
  const later = new Date(Date.now() + 24 * 3600_000);
  await db.insert(clinics).values({ id: 'bench_clinic' }).onConflictDoNothing();
  for (let from = 0; from < count; from += CHUNK) {
    const n = Math.min(CHUNK, count - from);
    await db.transaction(async (tx) => {
      const tcs = await tx.insert(teleconsultations).values(Array.from({ length: n }, (_, k) => {
        const i = from + k;
        return {
          clinicId: 'bench_clinic', appointmentId: `${prefix}_${i}`, appointmentVersion: 1, status: 'scheduled' as const,
          startsAt: new Date(later.getTime() + 15 * 60_000), durationMinutes: 20, reasonId: 'r', reasonLabel: 'Téléconsultation',
          practitioner: { id: 'p', name: 'Dr Claire Dubois', email: 'claire@example.com', timezone: 'Europe/Paris', locale: 'fr-FR' },
          patient: { id: `pat_${prefix}_${i}`, firstName: 'Camille', lastName: 'Martin', locale: i % 2 ? 'en-GB' : 'fr-FR' },
          patientEmail: `patient.${prefix}.${i}@example.com`, emailProblem: null,
          patientMobile: `+336${String(10_000_000 + i)}`, smsProblem: null,
          bookedOnline: true, roomName: `bench-${randomUUID()}`,
        };
      })).returning({ id: teleconsultations.id });
      await tx.insert(accessLinks).values(tcs.map((c) => ({
        id: randomBytes(16).toString('base64url'), clinicId: 'bench_clinic', teleconsultationId: c.id, role: 'patient' as const, expiresAt: new Date(later.getTime() + 86_400_000),
      })));
      const rows = await tx.insert(messages).values(tcs.flatMap((c) => (['email', 'sms'] as const).map((channel) => ({
        clinicId: 'bench_clinic', teleconsultationId: c.id, kind: 'invitation', channel, appointmentVersion: 1, dueAt: later, status: 'planned' as const,
      })))).returning({ id: messages.id, teleconsultationId: messages.teleconsultationId });
      const byTc = new Map<string, string[]>();
      for (const r of rows) byTc.set(r.teleconsultationId, [...(byTc.get(r.teleconsultationId) ?? []), r.id]);
      // One job per teleconsultation and due time, as `planJobs` plans them.
      await t.app.services.queue.sendMany<SendJobData>(SEND_QUEUE, [...byTc].map(([teleconsultationId, messageIds]) => ({
        data: { messageIds, teleconsultationId }, startAfter: later, priority: duePriority(later.getTime()),
      })), { tx });
    });
  }
}

/**
 * Makes one seeded set due: the i-th teleconsultation's messages at `start + i × spreadMs / n`
 * (all at `start` when `spreadMs` is 0), their jobs likewise, with the priority `planJobs` gives.
 * Returns each message's due time.
 */
async function release(t: TestApp, prefix: string, start: number, spreadMs: number): Promise<Map<string, number>> {
  const { db } = t.app.services.database;
  await db.execute(sql`
    with mine as (select m.id, dense_rank() over (order by m.teleconsultation_id) - 1 as n, count(*) over () / 2 as total
                  from ${messages} m join ${teleconsultations} c on c.id = m.teleconsultation_id where c.appointment_id like ${`${prefix}\\_%`})
    update ${messages} m set due_at = ${new Date(start).toISOString()}::timestamptz + (mine.n::float8 / mine.total * ${spreadMs}) * interval '1 millisecond'
    from mine where mine.id = m.id`);
  await db.execute(sql`
    update pgboss.job j set start_after = m.due_at, priority = -floor(extract(epoch from m.due_at - timestamptz '2020-01-01 00:00:00+00'))::int
    from ${messages} m join ${teleconsultations} c on c.id = m.teleconsultation_id
    where j.name = ${SEND_QUEUE} and j.state = 'created' and c.appointment_id like ${`${prefix}\\_%`} and (j.data->'messageIds'->>0)::uuid = m.id`);
  const rows = await db.select({ id: messages.id, dueAt: messages.dueAt }).from(messages)
    .innerJoin(teleconsultations, sql`${teleconsultations.id} = ${messages.teleconsultationId}`)
    .where(sql`${teleconsultations.appointmentId} like ${`${prefix}\\_%`}`);
  return new Map(rows.map((r) => [r.id, r.dueAt.getTime()]));
}

/** What one part measured, from the fakes' arrivals of its messages. */
interface PartFigures {
  count: number;
  lateness: number[];
  /** Messages per second between the 5th and 95th percentile of arrivals. */
  sustained: number;
  /** Messages per second from the first arrival to the last. */
  overall: number;
  lost: number;
  doubled: number;
  sent: number;
}

async function figures(t: TestApp, due: Map<string, number>, arrivals: Arrivals): Promise<PartFigures> {
  const received = new Map<string, number>();
  const firstAt = new Map<string, number>();
  for (const [ref, at] of arrivals) {
    if (!due.has(ref)) continue;
    received.set(ref, (received.get(ref) ?? 0) + 1);
    if (!firstAt.has(ref)) firstAt.set(ref, at);
  }
  let lost = 0;
  let doubled = 0;
  const lateness: number[] = [];
  for (const [id, dueMs] of due) {
    const n = received.get(id) ?? 0;
    if (n === 0) lost++;
    doubled += Math.max(0, n - 1);
    const at = firstAt.get(id);
    if (at !== undefined) lateness.push(at - dueMs);
  }
  const times = [...firstAt.values()].sort((a, b) => a - b);
  const p5 = percentile(times, 5);
  const p95 = percentile(times, 95);
  const inside = times.filter((x) => x >= p5 && x <= p95).length;
  const { db } = t.app.services.database;
  const ids = [...due.keys()];
  let sent = 0;
  for (let i = 0; i < ids.length; i += 5000) {
    const r = await db.select({ n: sql<number>`count(*)::int` }).from(messages).where(sql`${inArray(messages.id, ids.slice(i, i + 5000))} and ${messages.status} = 'sent'`);
    sent += r[0]?.n ?? 0;
  }
  return {
    count: due.size,
    lateness,
    sustained: inside / Math.max(0.001, (p95 - p5) / 1000),
    overall: times.length / Math.max(0.001, ((times.at(-1) ?? 0) - (times[0] ?? 0)) / 1000),
    lost,
    doubled,
    sent,
  };
}

/**
 * pg-boss alone: `jobs` jobs on a queue with the send queue's options, fetched by as many
 * workers with the same batch size, polling interval and priority ordering, an empty
 * handler (pg-boss completes each batch). Returns jobs per second, from the first fetch
 * until every job is completed.
 */
async function bossHandOutRate(t: TestApp, jobs: number, settings: { batchSize: number; workers: number; pollingIntervalSeconds: number }): Promise<number> {
  const database = t.app.services.database;
  const boss = new PgBoss({
    ...(database.connectionString ? { connectionString: database.connectionString, max: 10 } : { db: database.executor as PgBoss.Db }),
    supervise: false, schedule: false, migrate: false,
  });
  boss.on('error', (err: Error) => console.log(`bench pg-boss error: ${err.message}`));
  await boss.start();
  try {
    const send = await boss.getQueue(SEND_QUEUE);
    await boss.createQueue(HANDOUT_QUEUE, {
      name: HANDOUT_QUEUE, policy: send?.policy ?? 'standard', retryLimit: send?.retryLimit, retryDelay: send?.retryDelay,
      retryBackoff: send?.retryBackoff, expireInSeconds: send?.expireInSeconds,
    });
    const priority = duePriority(Date.now());
    for (let i = 0; i < jobs; i += 5000) {
      await boss.insert(Array.from({ length: Math.min(5000, jobs - i) }, () => ({
        id: uuidv7(), name: HANDOUT_QUEUE, priority, data: { messageIds: [randomUUID(), randomUUID()], teleconsultationId: randomUUID() } satisfies SendJobData,
      })));
    }
    let handled = 0;
    const started = Date.now();
    for (let w = 0; w < settings.workers; w++) {
      await boss.work(HANDOUT_QUEUE, { batchSize: settings.batchSize, pollingIntervalSeconds: settings.pollingIntervalSeconds, includeMetadata: true, priority: true }, async (batch) => {
        handled += batch.length;
      });
    }
    const deadline = Date.now() + 300_000;
    // pg-boss completes a batch without awaiting it: the last jobs count once completed.
    while (Date.now() < deadline) {
      if (handled >= jobs && (await boss.getQueueSize(HANDOUT_QUEUE, { before: 'completed' })) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (Date.now() - started) / 1000;
    await boss.offWork(HANDOUT_QUEUE);
    return jobs / seconds;
  } finally {
    await boss.stop({ graceful: true, wait: true, close: true, timeout: 5000 });
  }
}

/** Lines written to the app's log, and how many hold a patient's email or mobile. */
function logSink(): { stream: Writable; lines: () => number; leaks: () => number } {
  let lines = 0;
  let leaks = 0;
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n')) {
        if (line === '') continue;
        lines++;
        if (/patient\.[a-z]+\.\d+@example\.com|\+336\d{8}/.test(line)) leaks++;
      }
      done();
    },
  });
  return { stream, lines: () => lines, leaks: () => leaks };
}

function latenessRow(f: PartFigures): string {
  const l = [...f.lateness].sort((a, b) => a - b);
  return `p50 ${percentile(l, 50)} ms, p99 ${percentile(l, 99)} ms, max ${l.at(-1)} ms`;
}

/** Runs the notifications bench and prints its figures. */
export async function benchNotifications(): Promise<void> {
  const total = Number(process.env.BENCH_MESSAGES ?? 50_000);
  const backlog = Number(process.env.BENCH_BACKLOG ?? Math.min(20_000, total));
  const windowTcs = Math.ceil(total / 2);
  const backlogTcs = Math.ceil(backlog / 2);
  const worker = new Worker(
    // A Node 20 worker does not get tsx's hooks from --import: load this file through tsx's API.
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}))`,
    { eval: true, workerData: { role: 'notification-fakes' }, execArgv: [] },
  );
  const fakes = await new Promise<FakesInfo>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  const ask = () => new Promise<Arrivals>((resolve) => { worker.once('message', resolve); worker.postMessage('report'); });
  const database = await freshDatabase();
  const logs = logSink();
  let t: TestApp | undefined;
  try {
    t = await startTestApp({
      database,
      logStream: logs.stream,
      env: {
        LOG_LEVEL: 'info',
        PUBLIC_URL: 'https://bench.example.test',
        MAIL_FROM: 'rdv@bench.example.test',
        SENDGRID_API_KEY: fakes.sendgrid.apiKey, SENDGRID_API_URL: fakes.sendgrid.url, SENDGRID_WEBHOOK_PUBLIC_KEY: fakes.sendgrid.publicKey,
        TWILIO_ACCOUNT_SID: fakes.twilio.accountSid, TWILIO_AUTH_TOKEN: fakes.twilio.authToken, TWILIO_FROM: '+15005550006', TWILIO_API_URL: fakes.twilio.url,
      },
    });
    const callMs: number[] = [];
    let acknowledged = 0;
    const real = t.app.notifications.providers;
    const providers: ChannelProviders = {
      email: { name: real.email.name, async sendEmail(m) { const s0 = Date.now(); const r = await real.email.sendEmail(m); callMs.push(Date.now() - s0); acknowledged++; return r; } },
      sms: { name: real.sms.name, async sendSms(m) { const s0 = Date.now(); const r = await real.sms.sendSms(m); callMs.push(Date.now() - s0); acknowledged++; return r; } },
    };
    t.app.notifications.providers = providers;

    const seedStart = Date.now();
    await seed(t, 'win', windowTcs);
    await seed(t, 'blg', backlogTcs);
    const seedMs = Date.now() - seedStart;
    const drain = async (expected: number, lastDue: number) => {
      const deadline = lastDue + 180_000;
      while (acknowledged < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      // Let any late duplicate show up before counting.
      await new Promise((r) => setTimeout(r, 1500));
    };

    // 1. The window: due evenly within one minute, from 3 s after the release.
    const windowStart = Date.now() + 3000;
    const windowDue = await release(t, 'win', windowStart, WINDOW_MS);
    await drain(windowDue.size, windowStart + WINDOW_MS);
    // 2. The backlog: all due at once. What the drain costs this process (every thread: the
    // fakes' too) per message, and how busy the main thread's event loop was (near 1: the
    // sender is bound by its one JavaScript thread, whatever the machine's load).
    const backlogStart = Date.now() + 1000;
    const backlogDue = await release(t, 'blg', backlogStart, 0);
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    await drain(windowDue.size + backlogDue.size, backlogStart);
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);

    const arrivals = await ask();
    const win = await figures(t, windowDue, arrivals);
    const blg = await figures(t, backlogDue, arrivals);
    // 3. pg-boss alone, with the send worker's settings.
    const settings = { batchSize: SEND_WORKER.batchSize, workers: SEND_WORKER.workers, pollingIntervalSeconds: POLLING_SECONDS };
    const handoutJobs = Math.max(backlogTcs, 5000);
    const boss = await bossHandOutRate(t, handoutJobs, settings);

    const messagesPerJob = 2;
    const ourJobs = blg.sustained / messagesPerJob;
    const winP99 = percentile(win.lateness, 99);
    const kind = t.app.services.database.kind;
    printTable(`notifications: message capacity on ${kind} (email + SMS invitations through the SDKs to the provider fakes; seeded in ${(seedMs / 1000).toFixed(1)} s)`, [
      [`window: ${win.count} messages due within ${WINDOW_MS / 1000} s`, `offered ${(win.count / (WINDOW_MS / 1000)).toFixed(0)} messages/s`],
      ['  lateness vs due time', `${latenessRow(win)} (target p99 ≤ ${TARGET_P99_MS} ms: ${winP99 <= TARGET_P99_MS ? 'met' : 'MISSED'})`],
      ['  sent rate, sustained (p5–p95 of arrivals)', `${win.sustained.toFixed(0)} messages/s (${win.overall.toFixed(0)}/s first to last; at most the offered rate)`],
      ['  lost / doubled', `${win.lost} / ${win.doubled} (target 0 / 0: ${win.lost + win.doubled === 0 ? 'met' : 'MISSED'}); rows sent ${win.sent}/${win.count}`],
      [`backlog: ${blg.count} messages due at the same instant`, `drained as fast as the worker sends`],
      ['  send rate, sustained (p5–p95 of arrivals)', `${blg.sustained.toFixed(0)} messages/s = ${ourJobs.toFixed(0)} jobs/s (target ≥ ${TARGET_RATE} messages/s: ${blg.sustained >= TARGET_RATE ? 'met' : 'MISSED'}; limit ${(boss * messagesPerJob).toFixed(0)} messages/s, pg-boss below)`],
      ['  lateness vs due time (a backlog: no target)', latenessRow(blg)],
      ['  process CPU per message / main-thread loop busy', `${((cpu.user + cpu.system) / 1000 / blg.count).toFixed(2)} ms (fakes' thread included) / ${(elu.utilization * 100).toFixed(0)} % (1.5 s settle included)`],
      ['  lost / doubled', `${blg.lost} / ${blg.doubled} (target 0 / 0: ${blg.lost + blg.doubled === 0 ? 'met' : 'MISSED'}); rows sent ${blg.sent}/${blg.count}`],
      [`pg-boss hand-out: ${handoutJobs} jobs, empty handler`, `${boss.toFixed(0)} jobs/s = ${(boss * messagesPerJob).toFixed(0)} messages/s at ${messagesPerJob} per job (same queue options; batch ${settings.batchSize}, ${settings.workers} worker(s), polling ${settings.pollingIntervalSeconds} s, by priority)`],
      ['ratio our jobs/s / pg-boss jobs/s', `${(ourJobs / boss).toFixed(2)} (near 1: the queue is the limit; well below: our sending is)`],
      ['provider calls (our side, SDK included)', `p50 ${percentile(callMs, 50)} ms, p99 ${percentile(callMs, 99)} ms`],
      ['log lines / with a patient contact', `${logs.lines()} / ${logs.leaks()} (must be 0)`],
    ]);
  } finally {
    // The app before its database.
    await t?.close();
    await database.drop();
    worker.postMessage('close');
    await new Promise((r) => worker.once('exit', r));
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'notification-fakes') {
  await serveFakes();
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await benchNotifications();
  await dropTemplates();
}
