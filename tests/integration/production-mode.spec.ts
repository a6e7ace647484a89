/**
 * With a real agenda connected, the first-run stand-ins are off unless each is switched on by
 * name: no demo agenda, no dev outbox, no sandbox payments; a channel without provider is off.
 */
import { eq } from 'drizzle-orm';
import { messages, paymentRequests, teleconsultations } from '../../connector/db/schema/index.ts';
import { startAgendaHub, type AgendaHub } from '../fakes/agenda-hub.ts';
import { agendaEnv, eventually, jobsSettled, startTestApp, type TestApp } from '../support/harness.ts';

const OPERATOR_TOKEN = 'op_7fQ2mZ9rL4xC8vB1nK6tW3yH5sJ0dG2p';
/** The stand-ins the test harness turns on by name; unset here. */
const NO_STAND_INS = { DEV_OUTBOX: undefined, SANDBOX_PAYMENTS: undefined, OPERATOR_TOKEN: undefined };

async function book(t: TestApp, hub: AgendaHub) {
  const a = hub.upsert(hub.makeAppointment());
  expect((await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', a)).status).toBe(202);
  const wb = await eventually(() => hub.writeBacks.get(a.id)?.[0], 'the links written back');
  const res = await fetch(wb.joinUrl.replace(t.config.publicUrl, t.url), { redirect: 'manual' });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const id = (res.headers.get('location') ?? '').split('/').at(-1)!;
  return { appointment: a, cookie, id };
}

describe('production mode: a real agenda without stand-ins switched on', () => {
  let hub: AgendaHub;
  let t: TestApp;

  beforeAll(async () => {
    hub = await startAgendaHub();
    t = await startTestApp({ env: { ...agendaEnv(hub), ...NO_STAND_INS } });
  });
  afterAll(async () => {
    await t?.close();
    await hub?.close();
  });

  it('answers 404 at /demo, /dev/outbox and /pay/sandbox from any address, forwarded header or not', async () => {
    for (const url of ['/demo', '/demo/api/appointments', '/dev/outbox', '/dev/outbox.json', '/pay/sandbox/0f0e0d0c-0000-4000-8000-000000000000.AAAAAAAAAAAAAAAAAAAAAA']) {
      for (const remoteAddress of ['127.0.0.1', '203.0.113.7']) {
        for (const headers of [{}, { 'x-forwarded-for': '127.0.0.1' }]) {
          const r = await t.app.inject({ url, remoteAddress, headers });
          expect(r.statusCode).withContext(`${url} from ${remoteAddress} ${JSON.stringify(headers)}`).toBe(404);
        }
      }
    }
    const posted = await t.app.inject({ method: 'POST', url: '/demo/appointments', remoteAddress: '127.0.0.1', payload: 'firstName=A' , headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(posted.statusCode).toBe(404);
  });

  it('refuses "€ Facture" without a payment provider and stores nothing', async () => {
    const { cookie, id } = await book(t, hub);
    const r = await fetch(`${t.url}/api/live/${id}/practitioner/invoice`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ amount: { value: '30' } }),
    });
    expect(r.status).toBe(409);
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe('PAYMENTS_NOT_CONFIGURED');
    expect(await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.teleconsultationId, id))).toEqual([]);
  });

  it('sends nothing on a channel without provider, and routes it to no page', async () => {
    const { id } = await book(t, hub);
    await jobsSettled(t, ['agenda-event', 'notification-send']);
    const rows = await eventually(async () => {
      const r = await t.app.services.database.db.select().from(messages).where(eq(messages.teleconsultationId, id));
      return r.filter((m) => m.kind === 'confirmation').every((m) => m.status === 'skipped') && r.length > 0 ? r : null;
    }, 'the confirmations skipped');
    for (const m of rows.filter((x) => x.kind === 'confirmation')) {
      expect(m.skipReason).toBe('channel_off');
      expect(m.provider).toBeNull();
    }
  });
});

describe('production mode: stand-ins switched on by name', () => {
  let hub: AgendaHub;
  let t: TestApp;

  beforeAll(async () => {
    hub = await startAgendaHub();
    t = await startTestApp({ env: { ...agendaEnv(hub), DEV_OUTBOX: 'on', OPERATOR_TOKEN, SANDBOX_PAYMENTS: 'on' } });
  });
  afterAll(async () => {
    await t?.close();
    await hub?.close();
  });

  it('shows the outbox only with the operator\'s credential, whatever the address', async () => {
    expect((await t.app.inject({ url: '/dev/outbox.json', remoteAddress: '127.0.0.1' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/dev/outbox.json', remoteAddress: '127.0.0.1', headers: { authorization: 'Bearer wrong-token-0000000000000000000000' } })).statusCode).toBe(404);
    const ok = await t.app.inject({ url: '/dev/outbox.json', remoteAddress: '203.0.113.7', headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } });
    expect(ok.statusCode).toBe(200);
  });

  it('never writes a sandbox payment to the real agenda as paid', async () => {
    const { appointment, cookie, id } = await book(t, hub);
    const r = await fetch(`${t.url}/api/live/${id}/practitioner/invoice`, {
      method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ amount: { value: '30' } }),
    });
    expect(r.status).toBe(201);
    const { payment } = (await r.json()) as { payment: { id: string; url: string } };
    await eventually(async () => (await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.id, payment.id)))[0]?.status === 'requested', 'the test page made');
    const page = await fetch(payment.url.replace(t.config.publicUrl, t.url), { redirect: 'manual' });
    const sandbox = page.headers.get('location')!.replace(t.config.publicUrl, t.url);
    expect((await fetch(`${sandbox}/paid`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    expect((await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.id, payment.id)))[0]?.status).toBe('paid');
    await eventually(async () => {
      const [tc] = await t.app.services.database.db.select().from(teleconsultations).where(eq(teleconsultations.id, id));
      return tc && tc.agendaRevision === tc.revision;
    }, 'the agenda up to date');
    const writes = hub.writeBacks.get(appointment.id) ?? [];
    expect(writes.length).toBeGreaterThan(1);
    for (const w of writes) expect(w.payment).toBeNull();
  });
});
