import { startStripeFake, type StripeFake } from '../../tests/fakes/stripe.ts';
import { PaymentProviderError, type CreatePaymentLinkRequest, type PaymentEvent } from './payment-provider.ts';
import {
  createStripeProvider,
  stripeHostOptions,
  StripeWebhookError,
  type IgnoredStripeEvent,
  type StripePaymentProvider,
  type StripeProviderOptions,
} from './stripe.ts';

const PATIENT_EMAIL = 'patient.test@example.org';

// Whole seconds (Stripe's expires_at has none), and the same for every request of a spec: a
// second boundary between two clicks would make their parameters differ under one key.
const EXPIRES_AT = new Date((Math.floor(Date.now() / 1000) + 3600) * 1000);

function linkRequest(overrides: Partial<CreatePaymentLinkRequest> = {}): CreatePaymentLinkRequest {
  return {
    paymentRequestId: 'pr_1',
    teleconsultationId: 'tc_1',
    amountCents: 3000,
    currency: 'EUR',
    description: 'Téléconsultation du 12/03/2026 avec Dr Martin',
    customerEmail: PATIENT_EMAIL,
    idempotencyKey: 'teleconsult-payment:tc_1:pr_1',
    successUrl: 'https://connector.example/pay/done',
    cancelUrl: 'https://connector.example/pay/cancelled',
    expiresAt: EXPIRES_AT,
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<PaymentProviderError> {
  try {
    await promise;
  } catch (e) {
    if (e instanceof PaymentProviderError) return e;
    throw e;
  }
  throw new Error('expected a PaymentProviderError, got success');
}

function webhookError(run: () => unknown): StripeWebhookError {
  try {
    run();
  } catch (e) {
    if (e instanceof StripeWebhookError) return e;
    throw e;
  }
  throw new Error('expected a StripeWebhookError');
}

describe('Stripe provider against the Stripe fake', () => {
  let fake: StripeFake;
  const provider = (options: StripeProviderOptions = { maxNetworkRetries: 0 }, secretKey?: string): StripePaymentProvider =>
    createStripeProvider({ secretKey: secretKey ?? fake.secretKey, webhookSecret: fake.webhookSecret, apiUrl: fake.url }, options);

  beforeEach(async () => {
    fake = await startStripeFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  describe('createPaymentLink', () => {
    it('creates one Checkout Session in payment mode and sends what Stripe needs', async () => {
      const req = linkRequest();
      const link = await provider().createPaymentLink(req);

      expect(link.providerId).toMatch(/^cs_test_/);
      expect(link.url).toBe(`${fake.url}/c/pay/${link.providerId}`);
      expect(link.expiresAt).toEqual(req.expiresAt);

      expect(fake.requests.length).toBe(1);
      const sent = fake.requests[0]!;
      expect(sent.method).toBe('POST');
      expect(sent.path).toBe('/v1/checkout/sessions');
      expect(sent.headers['authorization']).toBe(`Bearer ${fake.secretKey}`);
      expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(sent.idempotencyKey).toBe(req.idempotencyKey);
      expect(sent.stripeAccount).toBeUndefined();
      expect(sent.rawBody).toContain('line_items[0][price_data][unit_amount]=3000');
      expect(sent.form as unknown).toEqual({
        mode: 'payment',
        line_items: [{ quantity: '1', price_data: { currency: 'eur', unit_amount: '3000', product_data: { name: req.description } } }],
        client_reference_id: 'pr_1',
        metadata: { teleconsultationId: 'tc_1', paymentRequestId: 'pr_1' },
        payment_intent_data: { metadata: { teleconsultationId: 'tc_1', paymentRequestId: 'pr_1' }, description: req.description },
        expires_at: String(req.expiresAt.getTime() / 1000),
        success_url: req.successUrl,
        cancel_url: req.cancelUrl,
        customer_email: PATIENT_EMAIL,
      });
      const stored = fake.sessions.get(link.providerId)!;
      expect(stored.session.amount_total).toBe(3000);
      expect(stored.session.status).toBe('open');
      expect(stored.account).toBeNull();
    });

    it('leaves customer_email out when the patient has no email', async () => {
      await provider().createPaymentLink(linkRequest({ customerEmail: null }));
      expect('customer_email' in fake.requests[0]!.form).toBeFalse();
    });

    it('creates the session on the practitioner\'s connected account', async () => {
      const p = provider();
      const link = await p.createPaymentLink(linkRequest({ connectedAccount: 'acct_1Practitioner' }));
      expect(fake.requests[0]!.stripeAccount).toBe('acct_1Practitioner');
      expect(fake.sessions.get(link.providerId)!.account).toBe('acct_1Practitioner');
    });

    it('returns the same session when the same request is sent again with its key', async () => {
      const p = provider();
      const first = await p.createPaymentLink(linkRequest());
      const again = await p.createPaymentLink(linkRequest({ expiresAt: first.expiresAt }));
      expect(again).toEqual(first);
      expect(fake.sessions.size).toBe(1);
      expect(fake.requests.map((r) => r.replayed)).toEqual([false, true]);
    });

    it('refuses a key reused with another amount (Stripe idempotency_error)', async () => {
      const p = provider();
      const req = linkRequest();
      await p.createPaymentLink(req);
      const err = await rejection(p.createPaymentLink({ ...req, amountCents: 4500 }));
      expect(err.code).toBe('PAYMENT_REJECTED');
      expect(err.retryable).toBeFalse();
      expect(err.status).toBe(400);
      expect(err.providerCode).toBe('idempotency_error');
      expect(fake.sessions.size).toBe(1);
    });

    it('creates one session for 5 concurrent clicks with the same key, the others get a retryable 409', async () => {
      const p = provider({ maxNetworkRetries: 0 });
      const hold = fake.holdNext();
      const first = p.createPaymentLink(linkRequest());
      await hold.arrived;
      const others = await Promise.allSettled([1, 2, 3, 4].map(() => p.createPaymentLink(linkRequest())));
      hold.release();
      const link = await first;

      for (const other of others) {
        expect(other.status).toBe('rejected');
        const reason = other.status === 'rejected' ? (other.reason as PaymentProviderError) : undefined;
        expect(reason?.code).toBe('PAYMENT_PROVIDER_UNAVAILABLE');
        expect(reason?.retryable).toBeTrue();
        expect(reason?.status).toBe(409);
        expect(reason?.providerCode).toBe('idempotency_key_in_use');
      }
      expect(fake.sessions.size).toBe(1);
      // The retry the job queue would make gets the saved session.
      expect((await p.createPaymentLink(linkRequest())).providerId).toBe(link.providerId);
      expect(fake.sessions.size).toBe(1);
    });

    it('with the default SDK retry, 5 concurrent clicks all end with the one session', async () => {
      const p = provider({});
      const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => p.createPaymentLink(linkRequest())));
      expect(fake.sessions.size).toBe(1);
      const [id] = [...fake.sessions.keys()];
      const fulfilled = results.filter((r) => r.status === 'fulfilled');
      expect(fulfilled.length).toBeGreaterThan(0);
      for (const r of fulfilled) expect(r.status === 'fulfilled' ? r.value.providerId : '').toBe(id!);
      expect(new Set(fake.requests.map((r) => r.idempotencyKey))).toEqual(new Set(['teleconsult-payment:tc_1:pr_1']));
    });

    for (const status of [500, 503, 429]) {
      it(`maps a ${status} to a retryable PAYMENT_PROVIDER_UNAVAILABLE, and a later retry creates the session`, async () => {
        const p = provider({ maxNetworkRetries: 0 });
        fake.failNext(1, status);
        const err = await rejection(p.createPaymentLink(linkRequest()));
        expect(err.code).toBe('PAYMENT_PROVIDER_UNAVAILABLE');
        expect(err.retryable).toBeTrue();
        expect(err.status).toBe(status);
        expect(fake.sessions.size).toBe(0);

        const link = await p.createPaymentLink(linkRequest());
        expect(fake.sessions.has(link.providerId)).toBeTrue();
      });
    }

    it('lets the SDK retry one 503 itself by default, with the same idempotency key', async () => {
      fake.failNext(1, 503);
      const link = await provider({}).createPaymentLink(linkRequest());
      expect(fake.sessions.size).toBe(1);
      expect(fake.requests.map((r) => [r.status, r.idempotencyKey])).toEqual([
        [503, 'teleconsult-payment:tc_1:pr_1'],
        [200, 'teleconsult-payment:tc_1:pr_1'],
      ]);
      expect(link.providerId).toMatch(/^cs_test_/);
    });

    it('maps a timeout to a retryable PAYMENT_PROVIDER_UNAVAILABLE without a status', async () => {
      fake.hangNext(1);
      const err = await rejection(provider({ maxNetworkRetries: 0, timeoutMs: 200 }).createPaymentLink(linkRequest()));
      expect(err.code).toBe('PAYMENT_PROVIDER_UNAVAILABLE');
      expect(err.retryable).toBeTrue();
      expect(err.status).toBeUndefined();
    });

    it('survives a dropped connection: the SDK resends once with the same key and one session exists', async () => {
      fake.dropNext(1);
      const link = await provider({ maxNetworkRetries: 0 }).createPaymentLink(linkRequest());
      expect(fake.requests.length).toBe(2);
      expect(fake.requests[0]!.idempotencyKey).toBe(fake.requests[1]!.idempotencyKey);
      expect([...fake.sessions.keys()]).toEqual([link.providerId]);
    });

    it('maps a wrong secret key to PAYMENT_REJECTED (401), not retryable', async () => {
      const err = await rejection(provider({ maxNetworkRetries: 0 }, 'sk_test_wrong_key_000000').createPaymentLink(linkRequest()));
      expect(err.code).toBe('PAYMENT_REJECTED');
      expect(err.retryable).toBeFalse();
      expect(err.status).toBe(401);
    });

    it('maps invalid parameters to PAYMENT_REJECTED with Stripe\'s param', async () => {
      const tooSoon = new Date(Date.now() + 10 * 60_000);
      const err = await rejection(provider().createPaymentLink(linkRequest({ expiresAt: tooSoon })));
      expect(err.code).toBe('PAYMENT_REJECTED');
      expect(err.status).toBe(400);
      expect(err.param).toBe('expires_at');
      expect(err.requestId).toMatch(/^req_/);
      expect(fake.sessions.size).toBe(0);
    });

    it('does not repeat the patient\'s email in the error, even though Stripe\'s message does', async () => {
      const err = await rejection(provider().createPaymentLink(linkRequest({ customerEmail: 'not-an-email' })));
      expect(err.providerCode).toBe('email_invalid');
      expect(err.param).toBe('customer_email');
      expect(err.message).not.toContain('not-an-email');
      expect(String((err.cause as Error).message)).not.toContain('not-an-email');
    });

    it('maps an amount under Stripe\'s minimum to PAYMENT_REJECTED', async () => {
      const err = await rejection(provider().createPaymentLink(linkRequest({ amountCents: 20 })));
      expect(err.providerCode).toBe('amount_too_small');
    });
  });

  describe('expirePaymentLink', () => {
    it('expires an open session', async () => {
      const p = provider();
      const link = await p.createPaymentLink(linkRequest());
      await p.expirePaymentLink(link.providerId);
      expect(fake.sessions.get(link.providerId)!.session.status).toBe('expired');
      expect(fake.requests.at(-1)!.path).toBe(`/v1/checkout/sessions/${link.providerId}/expire`);
    });

    it('expires on the connected account it was created on', async () => {
      const p = provider();
      const link = await p.createPaymentLink(linkRequest({ connectedAccount: 'acct_1Practitioner' }));
      const wrong = await rejection(p.expirePaymentLink(link.providerId));
      expect(wrong.status).toBe(404);
      expect(wrong.providerCode).toBe('resource_missing');
      await p.expirePaymentLink(link.providerId, 'acct_1Practitioner');
      expect(fake.requests.at(-1)!.stripeAccount).toBe('acct_1Practitioner');
      expect(fake.sessions.get(link.providerId)!.session.status).toBe('expired');
    });

    it('accepts a session that already expired', async () => {
      const p = provider();
      const link = await p.createPaymentLink(linkRequest());
      fake.expireSession(link.providerId);
      await p.expirePaymentLink(link.providerId);
      expect(fake.requests.slice(1).map((r) => [r.method, r.status])).toEqual([['POST', 400], ['GET', 200]]);
    });

    it('reports a session the patient already paid', async () => {
      const p = provider();
      const link = await p.createPaymentLink(linkRequest());
      fake.completeSession(link.providerId);
      const err = await rejection(p.expirePaymentLink(link.providerId));
      expect(err.code).toBe('PAYMENT_ALREADY_PAID');
      expect(err.retryable).toBeFalse();
    });
  });

  describe('parseWebhook', () => {
    const now = new Date('2026-03-12T10:00:00Z');
    const nowSeconds = now.getTime() / 1000;

    async function paidSession() {
      const link = await provider().createPaymentLink(linkRequest());
      return fake.completeSession(link.providerId);
    }

    it('accepts a signed checkout.session.completed and reports it paid', async () => {
      const session = await paidSession();
      const { payload, header, event } = fake.signedEvent('checkout.session.completed', session, { timestamp: nowSeconds - 5 });
      const result = provider().parseWebhook(Buffer.from(payload), header, now);
      expect(result).toEqual({
        eventId: event.id as string,
        kind: 'paid',
        providerId: session.id,
        paymentRequestId: 'pr_1',
        paymentIntentId: session.payment_intent!,
        at: new Date((nowSeconds - 5) * 1000),
        amountCents: 3000,
        currency: 'EUR',
        account: null,
      } satisfies PaymentEvent);
    });

    it('accepts the body as a string too', async () => {
      const session = await paidSession();
      const { payload, header } = fake.signedEvent('checkout.session.completed', session, { timestamp: nowSeconds });
      expect((provider().parseWebhook(payload, header, now) as PaymentEvent).kind).toBe('paid');
    });

    it('refuses a signature made with another secret', async () => {
      const { payload, header } = fake.signedEvent('checkout.session.completed', await paidSession(), { timestamp: nowSeconds, secret: 'whsec_other' });
      expect(webhookError(() => provider().parseWebhook(payload, header, now)).code).toBe('STRIPE_SIGNATURE_INVALID');
    });

    it('refuses a missing or garbled Stripe-Signature header', async () => {
      const { payload } = fake.signedEvent('checkout.session.completed', await paidSession(), { timestamp: nowSeconds });
      expect(webhookError(() => provider().parseWebhook(payload, undefined, now)).code).toBe('STRIPE_SIGNATURE_INVALID');
      expect(webhookError(() => provider().parseWebhook(payload, 'garbage', now)).code).toBe('STRIPE_SIGNATURE_INVALID');
    });

    it('refuses a body changed after signing', async () => {
      const { payload, header } = fake.signedEvent('checkout.session.completed', await paidSession(), { timestamp: nowSeconds });
      const tampered = payload.replace('"amount_total": 3000', '"amount_total": 1');
      expect(tampered).not.toBe(payload);
      expect(webhookError(() => provider().parseWebhook(tampered, header, now)).code).toBe('STRIPE_SIGNATURE_INVALID');
    });

    it('refuses a re-serialized body (same JSON, other bytes)', async () => {
      const { payload, header } = fake.signedEvent('checkout.session.completed', await paidSession(), { timestamp: nowSeconds });
      const reserialized = JSON.stringify(JSON.parse(payload));
      expect(reserialized).not.toBe(payload);
      expect(webhookError(() => provider().parseWebhook(reserialized, header, now)).code).toBe('STRIPE_SIGNATURE_INVALID');
    });

    it('refuses a timestamp more than 300 s old, accepts one just inside', async () => {
      const session = await paidSession();
      const stale = fake.signedEvent('checkout.session.completed', session, { timestamp: nowSeconds - 301 });
      expect(webhookError(() => provider().parseWebhook(stale.payload, stale.header, now)).code).toBe('STRIPE_TIMESTAMP_OUT_OF_RANGE');
      const recent = fake.signedEvent('checkout.session.completed', session, { timestamp: nowSeconds - 299 });
      expect((provider().parseWebhook(recent.payload, recent.header, now) as PaymentEvent).kind).toBe('paid');
    });

    it('refuses a timestamp more than 300 s in the future, accepts one just inside', async () => {
      const session = await paidSession();
      const future = fake.signedEvent('checkout.session.completed', session, { timestamp: nowSeconds + 301 });
      expect(webhookError(() => provider().parseWebhook(future.payload, future.header, now)).code).toBe('STRIPE_TIMESTAMP_OUT_OF_RANGE');
      const soon = fake.signedEvent('checkout.session.completed', session, { timestamp: nowSeconds + 299 });
      expect((provider().parseWebhook(soon.payload, soon.header, now) as PaymentEvent).kind).toBe('paid');
    });

    it('reports a stale delivery with a bad signature as a bad signature', async () => {
      const { payload, header } = fake.signedEvent('checkout.session.completed', await paidSession(), { timestamp: nowSeconds - 1000, secret: 'whsec_other' });
      expect(webhookError(() => provider().parseWebhook(payload, header, now)).code).toBe('STRIPE_SIGNATURE_INVALID');
    });

    it('checks against the real clock by default', async () => {
      const { payload, header } = fake.signedEvent('checkout.session.completed', await paidSession(), { offsetSeconds: -3600 });
      expect(webhookError(() => provider().parseWebhook(payload, header)).code).toBe('STRIPE_TIMESTAMP_OUT_OF_RANGE');
    });

    it('ignores an unknown event type', () => {
      const { payload, header, event } = fake.signedEvent('customer.created', { id: 'cus_1', object: 'customer' }, { timestamp: nowSeconds });
      expect(provider().parseWebhook(payload, header, now)).toEqual({ ignored: 'customer.created', eventId: event.id as string });
    });

    it('refuses a signed event whose object is not a checkout session', () => {
      const { payload, header } = fake.signedEvent('checkout.session.completed', { id: 'pi_1', object: 'payment_intent' }, { timestamp: nowSeconds });
      expect(webhookError(() => provider().parseWebhook(payload, header, now)).code).toBe('STRIPE_PAYLOAD_INVALID');
    });

    describe('event mapping', () => {
      async function session(): Promise<{ id: string; p: StripePaymentProvider }> {
        const p = provider();
        return { id: (await p.createPaymentLink(linkRequest())).providerId, p };
      }
      const parse = (p: StripePaymentProvider, type: string, object: object) => {
        const { payload, header } = fake.signedEvent(type, object, { timestamp: nowSeconds });
        return p.parseWebhook(payload, header, now);
      };

      it('checkout.session.completed still unpaid (delayed payment method) is ignored until the async outcome', async () => {
        const { id, p } = await session();
        expect(parse(p, 'checkout.session.completed', fake.completeSession(id, 'unpaid'))).toEqual(
          jasmine.objectContaining<IgnoredStripeEvent>({ ignored: 'checkout.session.completed:unpaid' }),
        );
      });

      it('checkout.session.async_payment_succeeded → paid', async () => {
        const { id, p } = await session();
        const s = fake.completeSession(id, 'paid');
        expect(parse(p, 'checkout.session.async_payment_succeeded', s)).toEqual(
          jasmine.objectContaining({ kind: 'paid', providerId: id, paymentRequestId: 'pr_1', amountCents: 3000 }),
        );
      });

      it('checkout.session.async_payment_failed → failed', async () => {
        const { id, p } = await session();
        const s = fake.completeSession(id, 'unpaid');
        const result = parse(p, 'checkout.session.async_payment_failed', s) as PaymentEvent;
        expect(result).toEqual(jasmine.objectContaining({ kind: 'failed', providerId: id, paymentRequestId: 'pr_1' }));
        expect(result.amountCents).toBeUndefined();
      });

      it('checkout.session.expired → expired', async () => {
        const { id, p } = await session();
        expect(parse(p, 'checkout.session.expired', fake.expireSession(id))).toEqual(
          jasmine.objectContaining({ kind: 'expired', providerId: id, paymentRequestId: 'pr_1' }),
        );
      });

      it('charge.refunded (full) → refunded, found through the metadata the PaymentIntent carried', async () => {
        const { id, p } = await session();
        const paid = fake.completeSession(id);
        const charge = fake.refundSession(id);
        expect(parse(p, 'charge.refunded', charge)).toEqual(
          jasmine.objectContaining({ kind: 'refunded', providerId: paid.payment_intent!, paymentIntentId: paid.payment_intent!, paymentRequestId: 'pr_1', amountCents: 3000 }),
        );
      });

      it('charge.refunded (partial) is ignored: the consultation stays paid', async () => {
        const { id, p } = await session();
        fake.completeSession(id);
        expect(parse(p, 'charge.refunded', fake.refundSession(id, 1000))).toEqual(jasmine.objectContaining({ ignored: 'charge.refunded:partial' }));
      });

      it('charge.refunded for a charge that is not ours is ignored', async () => {
        const { id, p } = await session();
        fake.completeSession(id);
        const charge = { ...fake.refundSession(id), metadata: {} };
        expect(parse(p, 'charge.refunded', charge)).toEqual(jasmine.objectContaining({ ignored: 'charge.refunded:not-ours' }));
      });
    });
  });
});

describe('stripeHostOptions', () => {
  it('leaves the SDK defaults for the real API', () => {
    expect(stripeHostOptions('https://api.stripe.com')).toEqual({});
    expect(stripeHostOptions('https://api.stripe.com:443/')).toEqual({});
  });

  it('points the SDK at another origin', () => {
    expect(stripeHostOptions('http://127.0.0.1:12345')).toEqual({ host: '127.0.0.1', port: 12345, protocol: 'http' });
    expect(stripeHostOptions('https://stripe-proxy.internal')).toEqual({ host: 'stripe-proxy.internal', port: 443, protocol: 'https' });
  });

  it('refuses a URL with a path (the SDK always uses /v1/)', () => {
    expect(() => stripeHostOptions('http://127.0.0.1:12345/stripe')).toThrowError(/without a path/);
  });
});
