import { Writable } from 'node:stream';
import { count, eq } from 'drizzle-orm';
import * as schema from '../../connector/db/schema/index.ts';
import { applyAgendaEvent, RECONCILE_QUEUE, reconcile, WRITEBACK_QUEUE } from '../../connector/agenda/sync.ts';
import type { AgendaHub } from '../fakes/agenda-hub.ts';
import { eventually, jobsSettled, useAppWithHub, type TestApp } from '../support/harness.ts';

/**
 * The queues that add rows: agenda events, and a reconciliation (another spec's) applying
 * every appointment of the hub and re-planning write-backs. Counts are taken once both are done.
 */
const QUIET = ['agenda-event', RECONCILE_QUEUE];

/** Row counts of every table: "nothing stored half-way" means these do not move. */
async function snapshot(t: TestApp): Promise<Record<string, number>> {
  const db = t.app.services.database.db;
  const tables = {
    clinics: schema.clinics, appointments: schema.appointments, teleconsultations: schema.teleconsultations,
    accessLinks: schema.accessLinks, webhookReceipts: schema.webhookReceipts, events: schema.teleconsultationEvents,
  };
  const out: Record<string, number> = {};
  for (const [name, table] of Object.entries(tables)) {
    const [row] = await db.select({ n: count() }).from(table);
    out[name] = row!.n;
  }
  const jobs = await db.execute<{ n: number }>(`select count(*)::int as n from pgboss.job` as never);
  out['jobs'] = (jobs as unknown as { rows: { n: number }[] }).rows[0]!.n;
  return out;
}

async function teleconsultationsOf(t: TestApp, appointmentId: string) {
  return t.app.services.database.db.select().from(schema.teleconsultations).where(eq(schema.teleconsultations.appointmentId, appointmentId));
}

/** The teleconsultation of an appointment once its events are applied. */
async function teleconsultationOf(t: TestApp, appointmentId: string) {
  await jobsSettled(t);
  return (await teleconsultationsOf(t, appointmentId))[0];
}

describe('agenda webhooks', () => {
  const logs: string[] = [];
  const { t, hub } = useAppWithHub(() => ({
    env: { AGENDA_TIMEOUT_MS: '500', LOG_LEVEL: 'info' },
    logStream: new Writable({ write(chunk, _enc, cb) { logs.push(String(chunk)); cb(); } }),
  }));
  let target: string;
  beforeAll(() => { target = `${t.url}/webhooks/agenda`; });
  beforeEach(() => hub.reset());

  it('turns a teleconsultation appointment into one teleconsultation with its links written back', async () => {
    const a = hub.upsert(hub.makeAppointment());
    const r = await hub.deliver(target, 'appointment.created', a);
    expect(r.status).toBe(202);
    const tc = await teleconsultationOf(t, a.id);
    expect(tc?.status).toBe('scheduled');
    expect(tc?.patientMobile).toBe(a.patient.mobile);
    const wb = await eventually(() => hub.writeBacks.get(a.id)?.[0], 'the write-back');
    expect(wb.status).toBe('scheduled');
    expect(wb.joinUrl).toMatch(new RegExp(`^${t.config.publicUrl}/j/[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{22}$`));
    expect(wb.patientUrl).not.toBe(wb.joinUrl);
    expect(wb.payment).toBeNull();
    const put = hub.requests.find((q) => q.method === 'PUT');
    expect(put?.headers.authorization).toBe(`Bearer ${hub.token}`);
  });

  it('keeps appointments whose reason is not video out of teleconsultations', async () => {
    const a = hub.upsert(hub.makeAppointment({ reason: { teleconsultation: false, label: 'Consultation' } }));
    expect((await hub.deliver(target, 'appointment.created', a)).status).toBe(202);
    expect(await teleconsultationOf(t, a.id)).toBeUndefined();
  });

  it('has exactly one effect for one webhook replayed 100 times in a row and 20 times at once', async () => {
    const a = hub.upsert(hub.makeAppointment());
    const body = JSON.stringify({ type: 'appointment.created', occurredAt: new Date().toISOString(), data: { appointment: a } });
    const id = 'msg_replayed_once';
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) statuses.push((await hub.deliver(target, 'appointment.created', a, { id, body })).status);
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => hub.deliver(target, 'appointment.created', a, { id, body })));
    statuses.push(...concurrent.map((r) => r.status));
    expect(statuses.every((s) => s >= 200 && s < 300)).toBeTrue();
    await jobsSettled(t);
    expect((await teleconsultationsOf(t, a.id)).length).toBe(1);
    await eventually(() => hub.writeBacks.get(a.id)?.length, 'the write-back');
    await new Promise((r) => setTimeout(r, 1500)); // time for any second write-back to show up
    expect(hub.writeBacks.get(a.id)?.length).toBe(1);
  });

  it('sends nothing for a write-back planned again after the agenda acknowledged the same revision', async () => {
    const a = hub.upsert(hub.makeAppointment());
    await hub.deliver(target, 'appointment.created', a);
    await eventually(() => hub.writeBacks.get(a.id)?.[0], 'the first write-back');
    await jobsSettled(t, ['agenda-event', 'agenda-writeback']);
    const [tc] = await teleconsultationsOf(t, a.id);
    expect(tc!.agendaRevision).toBe(tc!.revision);
    // What a reconciliation's re-plan does when it meets the first job still sending.
    expect(await t.app.services.queue.send(WRITEBACK_QUEUE, { teleconsultationId: tc!.id }, { singletonKey: tc!.id })).toBeTruthy();
    await jobsSettled(t, ['agenda-writeback']);
    expect(hub.writeBacks.get(a.id)?.length).toBe(1);
  });

  it('applies a delivery once even when its job runs again (a retry after a crash, a replay after the job was cleaned away)', async () => {
    const a = hub.upsert(hub.makeAppointment());
    const deps = {
      database: t.app.services.database, queue: t.app.services.queue, client: t.app.services.agenda, log: t.app.services.log,
      publicUrl: t.config.publicUrl, linkSecret: t.config.linkSecret, apply: t.app.services.apply,
    };
    const job = { deliveryId: 'msg_direct_once', type: 'appointment.created' as const, appointment: a };
    expect(await applyAgendaEvent(deps, job)).toBe('created');
    expect(await applyAgendaEvent(deps, job)).toBe('duplicate');
    // The same state under another delivery id is an older-or-equal version: no effect either.
    expect(await applyAgendaEvent(deps, { ...job, deliveryId: 'msg_direct_twice' })).toBe('stale');
    expect((await teleconsultationsOf(t, a.id)).length).toBe(1);
  });

  it('has one effect when the same event comes 20 times at once under different delivery ids', async () => {
    const a = hub.upsert(hub.makeAppointment());
    const results = await Promise.all(Array.from({ length: 20 }, () => hub.deliver(target, 'appointment.created', a)));
    expect(results.every((r) => r.status >= 200 && r.status < 300)).toBeTrue();
    await jobsSettled(t);
    expect((await teleconsultationsOf(t, a.id)).length).toBe(1);
  });

  it('ends cancelled when the cancellation (newer version) arrives before the creation', async () => {
    const created = hub.upsert(hub.makeAppointment());
    const cancelled = hub.upsert({ ...created, status: 'cancelled' }, { bump: true });
    expect(cancelled.version).toBeGreaterThan(created.version);
    await jobsSettled(t, QUIET);
    const before = await snapshot(t);
    expect((await hub.deliver(target, 'appointment.cancelled', cancelled)).status).toBe(202);
    expect((await hub.deliver(target, 'appointment.created', created)).status).toBe(202);
    const tc = await teleconsultationOf(t, created.id);
    expect(tc?.status).toBe('cancelled');
    const after = await snapshot(t);
    expect(after['jobs']).toBe(before['jobs']! + 2); // the two received events, nothing scheduled for it
    expect(after['accessLinks']).toBe(before['accessLinks']!);
  });

  it('applies the newest version whatever the order, and ignores an older one', async () => {
    const v1 = hub.upsert(hub.makeAppointment());
    const later = new Date(Date.parse(v1.startsAt) + 3600_000).toISOString();
    const v2 = hub.upsert({ ...v1, startsAt: later }, { bump: true });
    await hub.deliver(target, 'appointment.created', v1);
    await jobsSettled(t);
    await hub.deliver(target, 'appointment.updated', v2);
    await jobsSettled(t);
    expect((await hub.deliver(target, 'appointment.updated', v1)).status).toBe(202);
    const tc = await teleconsultationOf(t, v1.id);
    expect(tc?.startsAt.toISOString()).toBe(new Date(later).toISOString());
    expect(tc?.appointmentVersion).toBe(v2.version);
  });

  it('creates or cancels the teleconsultation when the reason changes to or from video', async () => {
    const office = hub.upsert(hub.makeAppointment({ reason: { teleconsultation: false } }));
    await hub.deliver(target, 'appointment.created', office);
    expect(await teleconsultationOf(t, office.id)).toBeUndefined();
    const video = hub.upsert({ ...office, reason: { ...office.reason, teleconsultation: true } }, { bump: true });
    await hub.deliver(target, 'appointment.updated', video);
    expect((await teleconsultationOf(t, office.id))?.status).toBe('scheduled');
    const backToOffice = hub.upsert({ ...video, reason: { ...video.reason, teleconsultation: false } }, { bump: true });
    await hub.deliver(target, 'appointment.updated', backToOffice);
    expect((await teleconsultationOf(t, office.id))?.status).toBe('cancelled');
  });

  it('cancels on appointment.deleted carrying only the id, clinic and version', async () => {
    const a = hub.upsert(hub.makeAppointment());
    await hub.deliver(target, 'appointment.created', a);
    await jobsSettled(t);
    const r = await hub.deliver(target, 'appointment.deleted', { id: a.id, clinicId: a.clinicId, version: a.version + 1 });
    expect(r.status).toBe(202);
    expect((await teleconsultationOf(t, a.id))?.status).toBe('cancelled');
  });

  it('keeps an appointment with an invalid phone and email, marking both channels unusable', async () => {
    const a = hub.upsert(hub.makeAppointment({ patient: { mobile: '+33 1 2', email: 'not-an-email' } }));
    expect((await hub.deliver(target, 'appointment.created', a)).status).toBe(202);
    const tc = await teleconsultationOf(t, a.id);
    expect(tc?.patientMobile).toBeNull();
    expect(tc?.smsProblem).toBe('invalid_number');
    expect(tc?.patientEmail).toBeNull();
    expect(tc?.emailProblem).toBe('invalid_email');
    const landline = hub.upsert(hub.makeAppointment({ patient: { mobile: '+33145678901', email: null } }));
    await hub.deliver(target, 'appointment.created', landline);
    const tl = await teleconsultationOf(t, landline.id);
    expect(tl?.smsProblem).toBe('not_mobile');
    expect(tl?.emailProblem).toBe('missing');
  });

  it('acknowledges and ignores an unknown event type', async () => {
    await jobsSettled(t, QUIET);
    const before = await snapshot(t);
    const a = hub.makeAppointment();
    const r = await hub.deliver(target, 'appointment.reminded', a);
    expect(r.status).toBe(202);
    expect(JSON.parse(r.body)).toEqual({ status: 'ignored' });
    expect(await snapshot(t)).toEqual(before);
  });

  it('acknowledges and ignores an unknown event type whatever its data, and changes nothing', async () => {
    await jobsSettled(t);
    const before = await snapshot(t);
    for (const data of [{ patient: { id: 'p1', mergedInto: 'p2' } }, [], 'text', null, { appointment: 'not an object' }]) {
      const body = JSON.stringify({ type: 'patient.merged', occurredAt: new Date().toISOString(), data });
      const r = await hub.deliver(target, 'patient.merged', hub.makeAppointment(), { body });
      expect(r.status).withContext(JSON.stringify(data)).toBe(202);
      expect(JSON.parse(r.body)).toEqual({ status: 'ignored' });
    }
    const noData = await hub.deliver(target, 'patient.merged', hub.makeAppointment(), { body: JSON.stringify({ type: 'patient.merged' }) });
    expect(noData.status).toBe(202);
    expect(await snapshot(t)).toEqual(before);
  });

  describe('bad input', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, (a: ReturnType<AgendaHub['makeAppointment']>) => Promise<{ status: number; body: string }>, number, string][] = [
      ['a bad signature', (a) => hub.deliver(target, 'appointment.created', a, { signature: 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }), 401, 'WEBHOOK_SIGNATURE_INVALID'],
      ['a signature made with another secret', (a) => hub.deliver(target, 'appointment.created', a, { secret: `whsec_${Buffer.from('another secret of 32 bytes......').toString('base64')}` }), 401, 'WEBHOOK_SIGNATURE_INVALID'],
      ['a timestamp 6 minutes old', (a) => hub.deliver(target, 'appointment.created', a, { timestamp: now() - 360 }), 400, 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE'],
      ['a timestamp 6 minutes ahead', (a) => hub.deliver(target, 'appointment.created', a, { timestamp: now() + 360 }), 400, 'WEBHOOK_TIMESTAMP_OUT_OF_RANGE'],
      ['malformed JSON', (a) => hub.deliver(target, 'appointment.created', a, { body: '{"type": "appointment.created",' }), 400, 'INVALID_JSON'],
      ['a missing field', (a) => hub.deliver(target, 'appointment.created', a, { body: JSON.stringify({ type: 'appointment.created', occurredAt: new Date().toISOString(), data: { appointment: { ...a, startsAt: undefined } } }) }), 400, 'VALIDATION_FAILED'],
      ['a wrongly typed field', (a) => hub.deliver(target, 'appointment.created', a, { body: JSON.stringify({ type: 'appointment.created', occurredAt: new Date().toISOString(), data: { appointment: { ...a, version: '2' } } }) }), 400, 'VALIDATION_FAILED'],
      ['a body over 1 MiB', (a) => hub.deliver(target, 'appointment.created', a, { body: JSON.stringify({ type: 'appointment.created', occurredAt: new Date().toISOString(), data: { appointment: a }, pad: 'x'.repeat(1024 * 1024) }) }), 413, 'PAYLOAD_TOO_LARGE'],
    ];
    for (const [what, send, status, code] of cases) {
      it(`refuses ${what} with ${status} ${code} and stores nothing`, async () => {
        await jobsSettled(t, QUIET);
        const before = await snapshot(t);
        const r = await send(hub.upsert(hub.makeAppointment()));
        expect(r.status).toBe(status);
        expect(JSON.parse(r.body).error.code).toBe(code);
        expect(await snapshot(t)).toEqual(before);
      });
    }

    it('refuses missing signature headers with 400 WEBHOOK_HEADERS_MISSING and stores nothing', async () => {
      await jobsSettled(t, QUIET);
      const before = await snapshot(t);
      const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'appointment.created' }) });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('WEBHOOK_HEADERS_MISSING');
      expect(await snapshot(t)).toEqual(before);
    });

    it('logs refusals without patient data', async () => {
      const a = hub.upsert(hub.makeAppointment({ patient: { firstName: 'Zéphyrine', lastName: 'Quintal-Unique' } }));
      await hub.deliver(target, 'appointment.created', a, { signature: 'v1,AAAA' });
      await hub.deliver(target, 'appointment.created', a);
      const text = logs.join('');
      expect(text).toContain('agenda event received');
      for (const secret of ['Zéphyrine', 'Quintal-Unique', a.patient.mobile!, a.patient.email!, hub.token]) expect(text).not.toContain(secret);
    });
  });

  it('catches up a lost webhook with the reconciliation job', async () => {
    const lost = hub.upsert(hub.makeAppointment(), { bump: true });
    expect(await teleconsultationsOf(t, lost.id)).toEqual([]);
    await t.app.services.queue.send(RECONCILE_QUEUE, {});
    const [tc] = await eventually(async () => { const r = await teleconsultationsOf(t, lost.id); return r.length ? r : null; }, 'reconciliation');
    expect(tc!.status).toBe('scheduled');
    await eventually(() => hub.writeBacks.get(lost.id)?.[0], 'the write-back of the caught-up appointment');
  });

  it('delays the write-back while the agenda API fails (500, timeout) and delivers it when it recovers', async () => {
    await jobsSettled(t, ['agenda-event', 'agenda-writeback']);
    const a = hub.upsert(hub.makeAppointment());
    // Its own write-back fails, not one another spec's app is still retrying.
    const writeBack = `/appointments/${encodeURIComponent(a.id)}/teleconsultation`;
    hub.failNext(1, { status: 500, path: writeBack });
    hub.failNext(1, { delayMs: 2000, path: writeBack });
    expect((await hub.deliver(target, 'appointment.created', a)).status).toBe(202);
    // Synced means the agenda answered 204 to us, which only the third attempt can get.
    const [tc] = await eventually(async () => {
      const rows = await teleconsultationsOf(t, a.id);
      return rows[0] && rows[0].agendaRevision === rows[0].revision ? rows : null;
    }, 'the acknowledged write-back after recovery', 60_000);
    expect(tc!.status).toBe('scheduled');
    expect(hub.writeBacks.get(a.id)?.at(-1)?.status).toBe('scheduled');
    const puts = hub.requests.filter((q) => q.method === 'PUT' && q.path.includes(encodeURIComponent(a.id)));
    if (puts.length < 3) console.log(hub.requests.map((q) => `${q.method} ${q.path}`));
    expect(puts.length).toBeGreaterThanOrEqual(3);
  });

  it('re-plans, at reconciliation, a write-back whose retries ran out', async () => {
    const a = hub.upsert(hub.makeAppointment());
    await hub.deliver(target, 'appointment.created', a);
    await eventually(() => hub.writeBacks.get(a.id)?.[0], 'the first write-back');
    // The job is still running after the agenda answered: it records the acknowledged revision next.
    await jobsSettled(t, ['agenda-event', 'agenda-writeback']);
    // The agenda never acknowledged the latest change (as if every retry had failed).
    await t.app.services.database.db.update(schema.teleconsultations).set({ agendaRevision: 0 }).where(eq(schema.teleconsultations.appointmentId, a.id));
    const result = await reconcile({
      database: t.app.services.database, queue: t.app.services.queue, client: t.app.services.agenda, log: t.app.services.log,
      publicUrl: t.config.publicUrl, linkSecret: t.config.linkSecret, apply: t.app.services.apply,
    });
    expect(result.replanned).toBeGreaterThanOrEqual(1);
    await eventually(() => (hub.writeBacks.get(a.id)?.length ?? 0) >= 2, 'the re-planned write-back');
  });
});
