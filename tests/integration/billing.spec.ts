import { count, eq } from 'drizzle-orm';
import WebSocket from 'ws';
import { messages, paymentRequests, teleconsultationEvents, teleconsultations } from '../../connector/db/schema/index.ts';
import type { AgendaHub } from '../fakes/agenda-hub.ts';
import { startSendgridFake } from '../fakes/sendgrid.ts';
import { startStripeFake } from '../fakes/stripe.ts';
import { startTwilioFake } from '../fakes/twilio.ts';
import { eventually, jobsSettled, useAppWithHub, type TestApp } from '../support/harness.ts';

interface Participant { cookie: string; teleconsultationId: string }

/** The Connect endpoint's own signing secret (events of connected accounts). */
const CONNECT_SECRET = 'whsec_connectEndpointSecret0123456789';

/** Links carry PUBLIC_URL; the test reaches the same app on its listening address. */
const local = (t: TestApp, url: string) => url.replace(t.config.publicUrl, t.url);

/** Opens a link as a browser would and keeps the session cookie it sets. */
async function openLink(t: TestApp, url: string): Promise<Participant> {
  const res = await fetch(local(t, url), { redirect: 'manual' });
  expect(res.status).toBe(303);
  const location = res.headers.get('location') ?? '';
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { cookie, teleconsultationId: location.split('/').at(-1)! };
}

async function book(t: TestApp, hub: AgendaHub, overrides: Parameters<AgendaHub['makeAppointment']>[0] = {}) {
  const a = hub.upsert(hub.makeAppointment(overrides));
  expect((await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.created', a)).status).toBe(202);
  const wb = await eventually(() => hub.writeBacks.get(a.id)?.[0], 'the links written back');
  return { appointment: a, practitioner: await openLink(t, wb.joinUrl), patient: await openLink(t, wb.patientUrl) };
}

function invoice(t: TestApp, who: Participant, amount: unknown) {
  return fetch(`${t.url}/api/live/${who.teleconsultationId}/practitioner/invoice`, {
    method: 'POST', headers: { cookie: who.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ amount }),
  });
}

/** Collects the live messages of one participant. */
function listen(t: TestApp, who: Participant, role: 'practitioner' | 'patient') {
  const received: { type: string; payment?: { status: string; url: string | null } }[] = [];
  const ws = new WebSocket(`${t.url.replace('http', 'ws')}/live/${who.teleconsultationId}/${role}`, { headers: { cookie: who.cookie } });
  ws.on('message', (data) => received.push(JSON.parse(String(data))));
  return { received, opened: new Promise((r) => ws.once('open', r)), close: () => ws.close() };
}

describe('billing with Stripe', () => {
  const { t, hub, stripe, sendgrid, twilio } = useAppWithHub(
    { stripe: startStripeFake, sendgrid: startSendgridFake, twilio: startTwilioFake },
    ({ stripe, sendgrid, twilio }) => ({
      env: {
        STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_URL: stripe.url,
        SENDGRID_API_KEY: sendgrid.apiKey, SENDGRID_API_URL: sendgrid.url, MAIL_FROM: 'cabinet@example.org',
        TWILIO_ACCOUNT_SID: twilio.accountSid, TWILIO_AUTH_TOKEN: twilio.authToken, TWILIO_FROM: '+33600000000', TWILIO_API_URL: twilio.url,
        DEFAULT_INVOICE_MAX_CENTS: '20000', STRIPE_CONNECT_WEBHOOK_SECRET: CONNECT_SECRET,
      },
    }),
  );

  it('30 €: link by SMS, email and live to the patient; paid through Stripe; agenda and panel told', async () => {
    const { appointment, practitioner, patient } = await book(t, hub);
    const panel = listen(t, practitioner, 'practitioner');
    const patientPage = listen(t, patient, 'patient');
    await Promise.all([panel.opened, patientPage.opened]);

    const sessionsBefore = new Set(stripe.sessions.keys());
    const res = await invoice(t, practitioner, { value: '30', currency: 'EUR' });
    expect(res.status).toBe(201);
    const { payment } = (await res.json()) as { payment: { id: string; url: string; status: string } };
    expect(payment.url).toMatch(new RegExp(`^${t.config.publicUrl}/pay/`));

    // One Checkout Session, with the patient's email, the practitioner and date, and an idempotency key.
    const record = await eventually(() => [...stripe.sessions.entries()].find(([id]) => !sessionsBefore.has(id))?.[1], 'the Stripe Checkout Session');
    const session = record.session;
    const create = stripe.requests.find((r) => r.method === 'POST' && r.path === '/v1/checkout/sessions' && String(r.headers['idempotency-key']).includes(payment.id))!;
    expect(create.headers['idempotency-key']).toContain(practitioner.teleconsultationId);
    expect(session.amount_total).toBe(3000);
    expect(session.currency).toBe('eur');
    expect(session.customer_email).toBe(appointment.patient.email);
    expect(session.metadata['paymentRequestId']).toBe(payment.id);

    // The payment request message, on both channels, with our link.
    const sms = await eventually(() => twilio.messages.find((m) => m.body.includes(payment.url)), 'the payment SMS');
    expect(sms.to).toBe(appointment.patient.mobile!);
    await eventually(() => sendgrid.sent.find((m) => JSON.stringify(m.body.content).includes(payment.url)), 'the payment email');
    await eventually(() => patientPage.received.find((m) => m.type === 'payment' && m.payment?.status === 'requested'), 'the live link on the patient page');

    // The link opens Stripe's page.
    const open = await fetch(local(t, payment.url), { redirect: 'manual' });
    expect(open.status).toBe(303);
    expect(open.headers.get('location')).toBe(String(session.url));

    const paid = stripe.completeSession(session.id, 'paid');
    const delivery = stripe.signedEvent('checkout.session.completed', paid);
    const hook = await fetch(`${t.url}/webhooks/stripe`, { method: 'POST', headers: { 'stripe-signature': delivery.header, 'content-type': 'application/json' }, body: delivery.payload });
    expect(hook.status).toBe(200);
    expect(((await hook.json()) as { status: string }).status).toBe('applied');

    await eventually(() => hub.writeBacks.get(appointment.id)?.some((w) => w.payment?.status === 'paid' && w.payment.amount.value === 3000), 'payment.status paid in the agenda');
    await eventually(() => panel.received.find((m) => m.type === 'payment' && m.payment?.status === 'paid'), 'paid, live on the panel');
    panel.close();
    patientPage.close();
  });

  it('creates one Stripe object and one message for the same click sent 5 times at once', async () => {
    const { practitioner } = await book(t, hub);
    const sessionsBefore = stripe.sessions.size;
    const answers = await Promise.all(Array.from({ length: 5 }, () => invoice(t, practitioner, { value: '45,50' })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 201]);
    await jobsSettled(t, ['billing-checkout', 'notification-send']);
    expect(stripe.sessions.size).toBe(sessionsBefore + 1);
    const planned = await t.app.services.database.db.select().from(messages)
      .where(eq(messages.teleconsultationId, practitioner.teleconsultationId));
    expect(planned.filter((m) => m.kind === 'payment_request' && m.channel === 'sms').length).toBe(1);
    expect(planned.filter((m) => m.kind === 'payment_request' && m.channel === 'email').length).toBe(1);
  });

  it('replaces the unpaid request when the practitioner sends a new amount', async () => {
    const { practitioner } = await book(t, hub);
    expect((await invoice(t, practitioner, { cents: 2500 })).status).toBe(201);
    await jobsSettled(t, ['billing-checkout']);
    expect((await invoice(t, practitioner, { cents: 3500 })).status).toBe(201);
    await jobsSettled(t, ['billing-checkout', 'billing-expire-checkout']);
    const rows = await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.teleconsultationId, practitioner.teleconsultationId));
    expect(rows.map((r) => `${r.amountCents}:${r.status}`).sort()).toEqual(['2500:replaced', '3500:requested']);
    expect(stripe.requests.some((r) => r.path.endsWith('/expire'))).toBeTrue();
  });

  it('charges on the practitioner\'s connected account when the integrator set one, and hears its Connect events', async () => {
    const { createApiKey } = await import('../../connector/integrators/api-keys.ts');
    const { appointment } = { appointment: hub.makeAppointment({ practitioner: { id: 'prac_connected' } }) };
    const { key } = await createApiKey(t.app.services.database.db, { clinicId: appointment.clinicId, label: 'connect', by: { kind: 'operator', via: 'command' }, now: new Date() });
    const put = await fetch(`${t.url}/api/v1/practitioners/prac_connected/payment-account`, {
      method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ stripeAccount: 'acct_1ConnectedPractice' }),
    });
    expect(put.status).toBe(204);
    const { practitioner } = await book(t, hub, { practitioner: { id: 'prac_connected' } });
    const { payment } = (await (await invoice(t, practitioner, { value: '40' })).json()) as { payment: { id: string } };
    const create = await eventually(() => stripe.requests.find((r) => r.path === '/v1/checkout/sessions' && String(r.headers['idempotency-key']).includes(payment.id)), 'the Checkout Session');
    expect(create.headers['stripe-account']).toBe('acct_1ConnectedPractice');
    const [row] = await eventually(async () => {
      const r = await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.id, payment.id));
      return r[0]?.status === 'requested' ? r : null;
    }, 'the request made');
    const session = stripe.completeSession(row!.checkoutId!, 'paid');
    const d = stripe.signedEvent('checkout.session.completed', session, { account: 'acct_1ConnectedPractice', secret: CONNECT_SECRET });
    const res = await fetch(`${t.url}/webhooks/stripe`, { method: 'POST', headers: { 'stripe-signature': d.header, 'content-type': 'application/json' }, body: d.payload });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('applied');
  });

  describe('bad input', () => {
    let practitioner: Participant;
    beforeAll(async () => { ({ practitioner } = await book(t, hub)); });

    const cases: [string, unknown, string][] = [
      ['zero', { value: '0' }, 'AMOUNT_NOT_POSITIVE'],
      ['a negative amount', { value: '-5' }, 'AMOUNT_NOT_POSITIVE'],
      ['a non-numeric amount', { value: 'trente' }, 'AMOUNT_INVALID'],
      ['too many decimals', { value: '30.555' }, 'AMOUNT_TOO_PRECISE'],
      ['an amount over the maximum', { value: '250' }, 'AMOUNT_TOO_LARGE'],
      ['a wrong currency', { value: '30', currency: 'USD' }, 'CURRENCY_UNSUPPORTED'],
    ];
    for (const [what, amount, code] of cases) {
      it(`refuses ${what} with 400 ${code}, charging and changing nothing`, async () => {
        const stripeBefore = stripe.requests.length;
        const [before] = await t.app.services.database.db.select({ n: count() }).from(paymentRequests);
        const res = await invoice(t, practitioner, amount);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
        const [after] = await t.app.services.database.db.select({ n: count() }).from(paymentRequests);
        expect(after!.n).toBe(before!.n);
        expect(stripe.requests.length).toBe(stripeBefore);
      });
    }

    it('refuses an invoice for another practitioner\'s teleconsultation', async () => {
      const other = await book(t, hub, { practitioner: { id: 'prac_other', name: 'Dr Autre' } });
      const res = await fetch(`${t.url}/api/live/${other.practitioner.teleconsultationId}/practitioner/invoice`, {
        method: 'POST', headers: { cookie: practitioner.cookie, 'content-type': 'application/json' }, body: JSON.stringify({ amount: { value: '30' } }),
      });
      expect(res.status).toBe(401);
    });

    it('refuses an invoice for a cancelled teleconsultation', async () => {
      const { appointment, practitioner: p } = await book(t, hub);
      await hub.deliver(`${t.url}/webhooks/agenda`, 'appointment.cancelled', hub.upsert({ ...appointment, status: 'cancelled' }, { bump: true }));
      await eventually(async () => (await t.app.services.database.db.select().from(teleconsultations).where(eq(teleconsultations.id, p.teleconsultationId)))[0]?.status === 'cancelled', 'cancelled');
      const res = await invoice(t, p, { value: '30' });
      expect(res.status).toBe(410);
    });
  });

  describe('Stripe webhooks', () => {
    async function paidSession(): Promise<{ sessionId: string; requestId: string }> {
      const { practitioner } = await book(t, hub);
      const res = await invoice(t, practitioner, { value: '20' });
      const { payment } = (await res.json()) as { payment: { id: string } };
      const [row] = await eventually(async () => {
        const r = await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.id, payment.id));
        return r[0]?.status === 'requested' ? r : null;
      }, 'checkout created and the request made');
      stripe.completeSession(row!.checkoutId!, 'paid');
      return { sessionId: row!.checkoutId!, requestId: payment.id };
    }
    const post = (payload: string, header: string) => fetch(`${t.url}/webhooks/stripe`, { method: 'POST', headers: { 'stripe-signature': header, 'content-type': 'application/json' }, body: payload });
    const statusOf = async (id: string) => (await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.id, id)))[0]!.status;

    it('applies an event replayed 10 times once', async () => {
      const { sessionId, requestId } = await paidSession();
      const d = stripe.signedEvent('checkout.session.completed', stripe.sessions.get(sessionId)!.session);
      const answers = [];
      for (let i = 0; i < 10; i++) answers.push(((await (await post(d.payload, d.header)).json()) as { status: string }).status);
      expect(answers.filter((a) => a === 'applied').length).toBe(1);
      expect(answers.filter((a) => a === 'duplicate').length).toBe(9);
      expect(await statusOf(requestId)).toBe('paid');
    });

    it('leaves the request unpaid when the event carries another amount, currency or account, and records why', async () => {
      const cases: [string, (session: Record<string, unknown>) => { payload: string; header: string }, string[]][] = [
        ['another amount', (session) => stripe.signedEvent('checkout.session.completed', { ...session, amount_total: 100 }), ['amount']],
        ['another currency', (session) => stripe.signedEvent('checkout.session.completed', { ...session, currency: 'usd' }), ['currency']],
        ['another account', (session) => stripe.signedEvent('checkout.session.completed', session, { account: 'acct_1SomeoneElse', secret: CONNECT_SECRET }), ['account']],
      ];
      for (const [what, deliver, mismatch] of cases) {
        const { sessionId, requestId } = await paidSession();
        const d = deliver(stripe.sessions.get(sessionId)!.session as unknown as Record<string, unknown>);
        const answer = await post(d.payload, d.header);
        expect(answer.status).withContext(what).toBe(200);
        expect(((await answer.json()) as { status: string }).status).withContext(what).toBe('unchanged');
        expect(await statusOf(requestId)).withContext(what).toBe('requested');
        const [request] = await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.id, requestId));
        const events = await t.app.services.database.db.select().from(teleconsultationEvents).where(eq(teleconsultationEvents.teleconsultationId, request!.teleconsultationId));
        const recorded = events.find((e) => e.type === 'payment.mismatch');
        expect(recorded?.data['mismatch']).withContext(what).toEqual(mismatch);
        expect(events.some((e) => e.type === 'payment.paid')).withContext(what).toBeFalse();
      }
    });

    it('ends paid whatever the order: an expiry arriving after the payment changes nothing', async () => {
      const { sessionId, requestId } = await paidSession();
      const session = stripe.sessions.get(sessionId)!.session;
      const paid = stripe.signedEvent('checkout.session.completed', session);
      const expired = stripe.signedEvent('checkout.session.expired', { ...session, status: 'expired', payment_status: 'unpaid' });
      await post(paid.payload, paid.header);
      await post(expired.payload, expired.header);
      expect(await statusOf(requestId)).toBe('paid');
    });

    const refusals: [string, (s: { payload: string; header: string }) => [string, string], string][] = [
      ['a bad signature', (s) => [s.payload, s.header.replace(/v1=\w+/, 'v1=' + '0'.repeat(64))], 'STRIPE_SIGNATURE_INVALID'],
      ['a re-serialized body', (s) => [JSON.stringify(JSON.parse(s.payload)), s.header], 'STRIPE_SIGNATURE_INVALID'],
    ];
    for (const [what, tamper, code] of refusals) {
      it(`refuses ${what} with 400 ${code} and changes nothing`, async () => {
        const { sessionId, requestId } = await paidSession();
        const [payload, header] = tamper(stripe.signedEvent('checkout.session.completed', stripe.sessions.get(sessionId)!.session));
        const res = await post(payload, header);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
        expect(await statusOf(requestId)).toBe('requested');
      });
    }

    for (const [what, offsetSeconds] of [['stale', -400], ['future', 400]] as const) {
      it(`refuses a ${what} signature timestamp and changes nothing`, async () => {
        const { sessionId, requestId } = await paidSession();
        const d = stripe.signedEvent('checkout.session.completed', stripe.sessions.get(sessionId)!.session, { offsetSeconds });
        const res = await post(d.payload, d.header);
        expect(res.status).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('STRIPE_TIMESTAMP_OUT_OF_RANGE');
        expect(await statusOf(requestId)).toBe('requested');
      });
    }

    it('acknowledges and ignores an unknown event type', async () => {
      const d = stripe.signedEvent('customer.created', { id: 'cus_123', object: 'customer' });
      const res = await post(d.payload, d.header);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { status: string }).status).toBe('ignored');
    });
  });
});

describe('billing in sandbox mode', () => {
  const { t, hub } = useAppWithHub();

  it('pays on the labelled test page, through the same status path, and never tells the real agenda of the test payment', async () => {
    const { appointment, practitioner } = await book(t, hub);
    const res = await invoice(t, practitioner, { value: '30' });
    const { payment } = (await res.json()) as { payment: { url: string; sandbox: boolean } };
    expect(payment.sandbox).toBeTrue();
    await jobsSettled(t, ['billing-checkout']);
    const open = await fetch(local(t, payment.url), { redirect: 'manual' });
    expect(open.status).toBe(303);
    const page = await fetch(local(t, open.headers.get('location')!));
    const html = await page.text();
    expect(html).toContain('Paiement de test');
    expect(html).toContain('aucun argent');
    const action = /action="([^"]+\/paid)"/.exec(html)![1]!;
    expect((await fetch(`${t.url}${action}`, { method: 'POST', redirect: 'manual' })).status).toBe(303);
    const [request] = await t.app.services.database.db.select().from(paymentRequests).where(eq(paymentRequests.teleconsultationId, practitioner.teleconsultationId));
    expect(request?.status).toBe('paid');
    await jobsSettled(t, ['agenda-writeback']);
    expect(hub.writeBacks.get(appointment.id)?.every((w) => w.payment === null)).toBeTrue();
  });

  it('answers 404 to Stripe webhooks when Stripe is not configured', async () => {
    const res = await fetch(`${t.url}/webhooks/stripe`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });
});
