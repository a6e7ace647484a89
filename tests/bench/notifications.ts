/**
 * Bench: 10,000 messages (5,000 teleconsultations × email + SMS invitations) due within the
 * same minute, sent by the real app's job worker to the local SendGrid and Twilio fakes.
 * Reports lateness against the due time (p50, p99; target p99 ≤ 2 s), throughput, lost and
 * duplicated messages (both must be 0). PostgreSQL when DATABASE_URL is set, else PGlite.
 *
 * The fakes run in a worker thread, as remote providers would: they do not take the
 * worker's event loop, and they stamp each message's arrival.
 *
 *   node --import tsx tests/bench/notifications.ts   (BENCH_MESSAGES=2000 for a quick run)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { sql } from 'drizzle-orm';
import { accessLinks, clinics, messages, teleconsultations } from '../../connector/db/schema/index.ts';
import { SEND_QUEUE, type SendJobData } from '../../connector/notifications/plan.ts';
import type { ChannelProviders } from '../../connector/notifications/send.ts';
import { startSendgridFake } from '../fakes/sendgrid.ts';
import { startTwilioFake } from '../fakes/twilio.ts';
import { dropTemplates, freshDatabase } from '../support/database.ts';
import { startTestApp, type TestApp } from '../support/harness.ts';

const TARGET_P99_MS = 2000;
const WINDOW_MS = 60_000;
const CHUNK = 500;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

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
  const stamp = <T>(list: T[], ref: (x: T) => string) => {
    const push = list.push.bind(list);
    list.push = (...items: T[]) => { for (const x of items) arrivals.push([ref(x), Date.now()]); return push(...items); };
  };
  stamp(sg.sent, (m) => m.body.custom_args?.message_ref ?? '');
  stamp(tw.messages, (m) => new URL(m.statusCallback ?? 'http://x/').searchParams.get('m') ?? '');
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

/** Runs the notifications bench and prints its figures. */
export async function benchNotifications(): Promise<void> {
  const total = Number(process.env.BENCH_MESSAGES ?? 10_000);
  const teleconsultationCount = Math.ceil(total / 2);
  const worker = new Worker(
    // A Node 20 worker does not get tsx's hooks from --import: load this file through tsx's API.
    `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(import.meta.url)}, ${JSON.stringify(import.meta.url)}))`,
    { eval: true, workerData: { role: 'notification-fakes' }, execArgv: [] },
  );
  const fakes = await new Promise<FakesInfo>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
  const ask = () => new Promise<Arrivals>((resolve) => { worker.once('message', resolve); worker.postMessage('report'); });
  const database = await freshDatabase();
  let t: TestApp | undefined;
  try {
    t = await startTestApp({
      database,
      env: {
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
    const { db } = t.app.services.database;
    const queue = t.app.services.queue;

    // Seed far in the future, then move every due time into one minute with two statements.
    const seedStart = Date.now();
    const later = new Date(Date.now() + 24 * 3600_000);
    await db.insert(clinics).values({ id: 'bench_clinic' }).onConflictDoNothing();
    for (let from = 0; from < teleconsultationCount; from += CHUNK) {
      const n = Math.min(CHUNK, teleconsultationCount - from);
      await db.transaction(async (tx) => {
        const tcs = await tx.insert(teleconsultations).values(Array.from({ length: n }, (_, k) => {
          const i = from + k;
          return {
            clinicId: 'bench_clinic', appointmentId: `bench_${i}`, appointmentVersion: 1, status: 'scheduled' as const,
            startsAt: new Date(later.getTime() + 15 * 60_000), durationMinutes: 20, reasonId: 'r', reasonLabel: 'Téléconsultation',
            practitioner: { id: 'p', name: 'Dr Claire Dubois', email: 'claire@example.com', timezone: 'Europe/Paris', locale: 'fr-FR' },
            patient: { id: `pat_${i}`, firstName: 'Camille', lastName: 'Martin', locale: i % 2 ? 'en-GB' : 'fr-FR' },
            patientEmail: `patient${i}@example.com`, emailProblem: null,
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
        for (const [teleconsultationId, ids] of byTc) await queue.send<SendJobData>(SEND_QUEUE, { messageIds: ids, teleconsultationId }, { tx, startAfter: later });
      });
    }
    const windowStart = Date.now() + 3000;
    await db.execute(sql`
      with ordered as (select id, row_number() over (order by teleconsultation_id) - 1 as n, count(*) over () as total from ${messages})
      update ${messages} m set due_at = ${new Date(windowStart).toISOString()}::timestamptz + (floor(o.n / 2) * 2 / o.total * ${WINDOW_MS}) * interval '1 millisecond'
      from ordered o where o.id = m.id`);
    await db.execute(sql`
      update pgboss.job j set start_after = m.due_at
      from ${messages} m where j.name = ${SEND_QUEUE} and j.state = 'created' and (j.data->'messageIds'->>0)::uuid = m.id`);
    const seedMs = Date.now() - seedStart;

    const rows = await db.select({ id: messages.id, dueAt: messages.dueAt }).from(messages);
    const due = new Map(rows.map((r) => [r.id, r.dueAt.getTime()]));
    const deadline = windowStart + WINDOW_MS + 120_000;
    while (acknowledged < due.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    // Let any late duplicate show up before counting.
    await new Promise((r) => setTimeout(r, 1500));

    const arrivals = await ask();
    const received = new Map<string, number>();
    const doneAt = new Map<string, number>();
    for (const [ref, at] of arrivals) {
      received.set(ref, (received.get(ref) ?? 0) + 1);
      if (!doneAt.has(ref)) doneAt.set(ref, at);
    }
    let lost = 0;
    let duplicates = 0;
    const lateness: number[] = [];
    for (const [id, dueMs] of due) {
      const n = received.get(id) ?? 0;
      if (n === 0) lost++;
      duplicates += Math.max(0, n - 1);
      const at = doneAt.get(id);
      if (at !== undefined) lateness.push(at - dueMs);
    }
    lateness.sort((a, b) => a - b);
    const times = [...doneAt.values()];
    const first = Math.min(...times);
    const last = Math.max(...times);
    const [statusRow] = (await db.execute(sql`select count(*) filter (where status = 'sent')::int as sent from ${messages}`) as unknown as { rows: { sent: number }[] }).rows;
    const p50 = percentile(lateness, 50);
    const p99 = percentile(lateness, 99);
    console.log(`notifications: ${due.size} messages (${teleconsultationCount} × email + SMS) due within ${WINDOW_MS / 1000} s on ${t.app.services.database.kind}, seeded in ${(seedMs / 1000).toFixed(1)} s`);
    console.log(`  lateness vs due time: p50 ${p50} ms, p99 ${p99} ms, max ${lateness.at(-1)} ms (target p99 ≤ ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'MISSED'})`);
    console.log(`  throughput: ${(times.length / Math.max(1, (last - first) / 1000)).toFixed(0)} messages/s over ${((last - first) / 1000).toFixed(1)} s`);
    callMs.sort((a, b) => a - b);
    console.log(`  provider calls (our side, SDK included): p50 ${percentile(callMs, 50)} ms, p99 ${percentile(callMs, 99)} ms`);
    console.log(`  lost: ${lost} (must be 0), duplicates: ${duplicates} (must be 0), rows sent: ${statusRow?.sent ?? 0}/${due.size}`);
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
