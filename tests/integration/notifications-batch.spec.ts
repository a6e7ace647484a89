/**
 * The send worker's batch, called as the queue calls it (workers off, so nothing else
 * sends): every message of the batch is claimed before the first provider call; a process
 * that stops mid-batch loses nothing and, on retry, sends nothing twice that was recorded;
 * a provider outage retries only the jobs it hit. Through the real SDKs to the fakes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { accessLinks, clinics, messages, teleconsultations } from '../../connector/db/schema/index.ts';
import { runSendBatch, type ChannelProviders, type Message, type SendJob } from '../../connector/notifications/send.ts';
import { startSendgridFake, type SendgridFake } from '../fakes/sendgrid.ts';
import { startTwilioFake, type TwilioFake } from '../fakes/twilio.ts';
import { eventually, startTestApp, type TestApp } from '../support/harness.ts';
import { providerEnv, sendDeps } from './notifications-helpers.ts';

describe('notifications: the send batch', () => {
  let sg: SendgridFake;
  let tw: TwilioFake;
  let t: TestApp;

  beforeAll(async () => {
    [sg, tw] = await Promise.all([startSendgridFake(), startTwilioFake()]);
    t = await startTestApp({ env: { ...providerEnv(sg, tw), WORKERS: 'off' } });
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([sg?.close(), tw?.close()]);
  });

  const db = () => t.app.services.database.db;
  const rows = async (ids: string[]): Promise<Message[]> => db().select().from(messages).where(inArray(messages.id, ids));

  /** `n` teleconsultations starting in an hour, each with an email and an SMS invitation due now, as jobs. */
  async function invitations(n: number): Promise<SendJob[]> {
    const startsAt = new Date(Date.now() + 3600_000);
    await db().insert(clinics).values({ id: 'batch_clinic' }).onConflictDoNothing();
    const tcs = await db().insert(teleconsultations).values(Array.from({ length: n }, (_, i) => ({
      clinicId: 'batch_clinic', appointmentId: `batch_${randomUUID()}`, appointmentVersion: 1, status: 'scheduled' as const,
      startsAt, durationMinutes: 20, reasonId: 'r', reasonLabel: 'Téléconsultation',
      practitioner: { id: 'p', name: 'Dr Claire Dubois', email: 'claire@example.com', timezone: 'Europe/Paris', locale: 'fr-FR' },
      patient: { id: `pat_${i}`, firstName: 'Camille', lastName: 'Martin', locale: 'fr-FR' },
      patientEmail: `camille.${randomBytes(4).toString('hex')}@example.com`, emailProblem: null,
      patientMobile: `+336${String(10_000_000 + Math.floor(Math.random() * 89_999_999))}`, smsProblem: null,
      bookedOnline: true, roomName: `batch-${randomUUID()}`,
    }))).returning({ id: teleconsultations.id });
    await db().insert(accessLinks).values(tcs.map((c) => ({
      id: randomBytes(16).toString('base64url'), clinicId: 'batch_clinic', teleconsultationId: c.id, role: 'patient' as const, expiresAt: new Date(startsAt.getTime() + 86_400_000),
    })));
    const made = await db().insert(messages).values(tcs.flatMap((c) => (['email', 'sms'] as const).map((channel) => ({
      clinicId: 'batch_clinic', teleconsultationId: c.id, kind: 'invitation', channel, appointmentVersion: 1, dueAt: new Date(), status: 'planned' as const,
    })))).returning({ id: messages.id, teleconsultationId: messages.teleconsultationId });
    return tcs.map((c) => ({ id: randomUUID(), retryCount: 0, data: { teleconsultationId: c.id, messageIds: made.filter((m) => m.teleconsultationId === c.id).map((m) => m.id) } }));
  }

  const idsOf = (jobs: SendJob[]) => jobs.flatMap((j) => j.data.messageIds);

  /** How many times each message reached the fakes (accepted). */
  function receipts(): Map<string, number> {
    const n = new Map<string, number>();
    for (const m of sg.sent) { const ref = m.body.custom_args?.message_ref ?? ''; n.set(ref, (n.get(ref) ?? 0) + 1); }
    for (const m of tw.messages) { const ref = new URL(m.statusCallback ?? 'http://x/').searchParams.get('m') ?? ''; n.set(ref, (n.get(ref) ?? 0) + 1); }
    return n;
  }

  /** The app's providers, with `before` run ahead of each call. */
  function withBefore(before: () => Promise<void>): ChannelProviders {
    const real = t.app.notifications.providers;
    return {
      email: { name: real.email.name, async sendEmail(m) { await before(); return real.email.sendEmail(m); } },
      sms: { name: real.sms.name, async sendSms(m) { await before(); return real.sms.sendSms(m); } },
    };
  }

  it('claims every message of the batch (sending, one attempt) before the first provider call, then records each sent', async () => {
    const jobs = await invitations(4);
    // Read once, by the first call (the others wait for that read before they send).
    let firstCall: Promise<Message[]> | undefined;
    const providers = withBefore(async () => { await (firstCall ??= rows(idsOf(jobs))); });
    const failures = await runSendBatch({ ...sendDeps(t), providers }, jobs);
    const seenAtFirstCall = await firstCall;
    expect(failures.size).toBe(0);
    expect(seenAtFirstCall?.length).toBe(8);
    for (const m of seenAtFirstCall ?? []) {
      expect(m.status).withContext(`${m.channel} ${m.id} at the first call`).toBe('sending');
      expect(m.attempts).toBe(1);
    }
    const after = await rows(idsOf(jobs));
    expect(after.every((m) => m.status === 'sent' && m.providerId && m.sentAt)).withContext(JSON.stringify(after.map((m) => m.status))).toBeTrue();
    const got = receipts();
    for (const id of idsOf(jobs)) expect(got.get(id)).withContext(id).toBe(1);
  });

  it('loses nothing when the process stops mid-batch, and its retry sends nothing twice that was recorded', async () => {
    const jobs = await invitations(5);
    // The first three calls go through; then the process "stops": later calls never return.
    let calls = 0;
    const stopped = withBefore(() => (++calls <= 3 ? Promise.resolve() : new Promise<void>(() => {})));
    void runSendBatch({ ...sendDeps(t), providers: stopped }, jobs);
    const ids = idsOf(jobs);
    // The three acceptances are recorded as they come, not at the end of the batch (which never ends).
    await eventually(async () => (await rows(ids)).filter((m) => m.status === 'sent').length === 3, 'three messages recorded sent');
    expect((await rows(ids)).filter((m) => m.status === 'sending').length).toBe(7);

    // The jobs expire and run again (here, at once) on a healthy process.
    const failures = await runSendBatch(sendDeps(t), jobs.map((j) => ({ ...j, retryCount: 1 })));
    expect(failures.size).toBe(0);
    const after = await rows(ids);
    expect(after.every((m) => m.status === 'sent')).toBeTrue();
    const got = receipts();
    for (const id of ids) expect(got.get(id)).withContext(`${id} reached the provider`).toBe(1);
    expect(after.filter((m) => m.attempts === 1).length).toBe(3);
    expect(after.filter((m) => m.attempts === 2).length).toBe(7);
  });

  it('retries only the job a provider outage hit; its retry sends the rest once and the others not again', async () => {
    const jobs = await invitations(3);
    tw.failNext(1, 503);
    const failures = await runSendBatch(sendDeps(t), jobs);
    expect(failures.size).toBe(1);
    const [failedJob, why] = [...failures][0]!;
    expect(why.name).toBe('RetryLater');
    const ids = idsOf(jobs);
    const mid = await rows(ids);
    const planned = mid.filter((m) => m.status === 'planned');
    expect(planned.length).toBe(1);
    expect(planned[0]!.channel).toBe('sms');
    expect(planned[0]!.lastErrorCode).toBe('PROVIDER_UNAVAILABLE');
    expect(jobs.find((j) => j.id === failedJob)!.data.messageIds).toContain(planned[0]!.id);
    expect(mid.filter((m) => m.status === 'sent').length).toBe(5);

    // pg-boss retries that job (even a second delivery of the whole batch sends nothing twice).
    expect((await runSendBatch(sendDeps(t), jobs.map((j) => ({ ...j, retryCount: j.id === failedJob ? 1 : 0 })))).size).toBe(0);
    const after = await rows(ids);
    expect(after.every((m) => m.status === 'sent')).toBeTrue();
    const got = receipts();
    for (const id of ids) expect(got.get(id)).withContext(id).toBe(1);
  });
});
