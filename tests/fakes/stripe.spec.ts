import Stripe from 'stripe';
import { startStripeFake, type StripeFake } from './stripe.ts';
import { canonicalForm, FormSyntaxError, parseStripeForm } from './stripe-form.ts';

/** A valid create body, encoded as the SDK does (brackets left readable). */
function sessionForm(overrides: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    mode: 'payment',
    'line_items[0][quantity]': '1',
    'line_items[0][price_data][currency]': 'eur',
    'line_items[0][price_data][unit_amount]': '3000',
    'line_items[0][price_data][product_data][name]': 'Consultation',
    'metadata[paymentRequestId]': 'pr_1',
    success_url: 'https://example.org/ok',
    ...overrides,
  };
  return Object.entries(fields)
    .filter(([, v]) => v !== '__omit__')
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
}

interface Reply {
  status: number;
  headers: Headers;
  json: Record<string, unknown> & { error?: { type: string; code?: string; message: string; param?: string } };
}

describe('Stripe fake (wire level)', () => {
  let fake: StripeFake;

  async function call(method: string, path: string, opts: { body?: string; key?: string | null; idempotencyKey?: string; account?: string } = {}): Promise<Reply> {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
    if (opts.key !== null) headers.Authorization = `Bearer ${opts.key ?? fake.secretKey}`;
    if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey;
    if (opts.account) headers['Stripe-Account'] = opts.account;
    const res = await fetch(`${fake.url}${path}`, { method, headers, ...(opts.body === undefined ? {} : { body: opts.body }) });
    return { status: res.status, headers: res.headers, json: (await res.json()) as Reply['json'] };
  }

  beforeEach(async () => {
    fake = await startStripeFake();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('creates a checkout session shaped like Stripe\'s', async () => {
    const reply = await call('POST', '/v1/checkout/sessions', { body: sessionForm() });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('request-id')).toMatch(/^req_/);
    expect(reply.json).toEqual(jasmine.objectContaining({
      object: 'checkout.session',
      id: jasmine.stringMatching(/^cs_test_/),
      amount_total: 3000,
      currency: 'eur',
      status: 'open',
      payment_status: 'unpaid',
      metadata: { paymentRequestId: 'pr_1' },
      livemode: false,
      mode: 'payment',
      url: jasmine.stringMatching(/\/c\/pay\/cs_test_/),
      expires_at: jasmine.any(Number),
    }));
    const page = await fetch(reply.json.url as string);
    expect(page.status).toBe(200);
  });

  it('answers 401 with Stripe\'s error body without or with a wrong key', async () => {
    const none = await call('POST', '/v1/checkout/sessions', { body: sessionForm(), key: null });
    expect(none.status).toBe(401);
    expect(none.json.error?.type).toBe('invalid_request_error');
    expect(none.json.error?.message).toContain('You did not provide an API key');
    const wrong = await call('POST', '/v1/checkout/sessions', { body: sessionForm(), key: 'sk_test_wrong_0123456789' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error?.message).toMatch(/^Invalid API Key provided: sk_test_\*+6789$/);
    expect(fake.sessions.size).toBe(0);
  });

  const invalid: Array<[string, Record<string, string>, string, string | undefined]> = [
    ['a missing mode', { mode: '__omit__' }, 'mode', 'parameter_missing'],
    ['missing line items', { 'line_items[0][quantity]': '__omit__', 'line_items[0][price_data][currency]': '__omit__', 'line_items[0][price_data][unit_amount]': '__omit__', 'line_items[0][price_data][product_data][name]': '__omit__' }, 'line_items', 'parameter_missing'],
    ['a fractional unit amount', { 'line_items[0][price_data][unit_amount]': '30.5' }, 'line_items[0][price_data][unit_amount]', 'parameter_invalid_integer'],
    ['a missing quantity', { 'line_items[0][quantity]': '__omit__' }, 'line_items[0][quantity]', 'parameter_missing'],
    ['a missing product name', { 'line_items[0][price_data][product_data][name]': '__omit__' }, 'line_items[0][price_data][product_data][name]', 'parameter_missing'],
    ['an unknown parameter', { colour: 'blue' }, 'colour', 'parameter_unknown'],
    ['an invalid email', { customer_email: 'nope' }, 'customer_email', 'email_invalid'],
    ['expires_at under 30 minutes', { expires_at: String(Math.floor(Date.now() / 1000) + 60) }, 'expires_at', undefined],
    ['expires_at over 24 hours', { expires_at: String(Math.floor(Date.now() / 1000) + 25 * 3600) }, 'expires_at', undefined],
    ['a bad success URL', { success_url: 'not a url' }, 'success_url', 'url_invalid'],
  ];
  for (const [what, overrides, param, code] of invalid) {
    it(`answers 400 for ${what}`, async () => {
      const reply = await call('POST', '/v1/checkout/sessions', { body: sessionForm(overrides) });
      expect(reply.status).toBe(400);
      expect(reply.json.error?.type).toBe('invalid_request_error');
      expect(reply.json.error?.param).toBe(param);
      expect(reply.json.error?.code).toBe(code);
      expect(fake.sessions.size).toBe(0);
    });
  }

  it('answers 404 for an unknown URL and an unknown session', async () => {
    const url = await call('POST', '/v1/charges', { body: '' });
    expect(url.status).toBe(404);
    expect(url.json.error?.message).toContain('Unrecognized request URL (POST: /v1/charges)');
    const session = await call('GET', '/v1/checkout/sessions/cs_test_nope');
    expect(session.status).toBe(404);
    expect(session.json.error?.code).toBe('resource_missing');
  });

  describe('idempotency', () => {
    it('replays the saved response for the same key and parameters', async () => {
      const first = await call('POST', '/v1/checkout/sessions', { body: sessionForm(), idempotencyKey: 'k1' });
      const again = await call('POST', '/v1/checkout/sessions', { body: sessionForm(), idempotencyKey: 'k1' });
      expect(again.status).toBe(200);
      expect(again.json).toEqual(first.json);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.headers.get('original-request')).toBe(first.headers.get('request-id'));
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(fake.sessions.size).toBe(1);
    });

    it('treats parameter order as the same request', async () => {
      const body = sessionForm();
      const reordered = body.split('&').reverse().join('&');
      await call('POST', '/v1/checkout/sessions', { body, idempotencyKey: 'k1' });
      const again = await call('POST', '/v1/checkout/sessions', { body: reordered, idempotencyKey: 'k1' });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
    });

    it('answers 400 idempotency_error for the same key with other parameters', async () => {
      await call('POST', '/v1/checkout/sessions', { body: sessionForm(), idempotencyKey: 'k1' });
      const other = await call('POST', '/v1/checkout/sessions', { body: sessionForm({ 'line_items[0][price_data][unit_amount]': '4500' }), idempotencyKey: 'k1' });
      expect(other.status).toBe(400);
      expect(other.json.error?.type).toBe('idempotency_error');
      expect(fake.sessions.size).toBe(1);
    });

    it('answers 409 idempotency_error while the first request with the key is executing', async () => {
      const hold = fake.holdNext();
      const first = call('POST', '/v1/checkout/sessions', { body: sessionForm(), idempotencyKey: 'k1' });
      await hold.arrived;
      const concurrent = await call('POST', '/v1/checkout/sessions', { body: sessionForm(), idempotencyKey: 'k1' });
      hold.release();
      expect(concurrent.status).toBe(409);
      expect(concurrent.json.error).toEqual(jasmine.objectContaining({ type: 'idempotency_error', code: 'idempotency_key_in_use' }));
      expect((await first).status).toBe(200);
      expect(fake.sessions.size).toBe(1);
    });

    it('does not save a validation failure: the key can then carry corrected parameters', async () => {
      const bad = await call('POST', '/v1/checkout/sessions', { body: sessionForm({ customer_email: 'nope' }), idempotencyKey: 'k1' });
      expect(bad.status).toBe(400);
      const good = await call('POST', '/v1/checkout/sessions', { body: sessionForm(), idempotencyKey: 'k1' });
      expect(good.status).toBe(200);
      expect(good.headers.get('idempotent-replayed')).toBeNull();
    });

    it('does not save an injected failure', async () => {
      fake.failNext(1, 503);
      const failed = await call('POST', '/v1/checkout/sessions', { body: sessionForm(), idempotencyKey: 'k1' });
      expect(failed.status).toBe(503);
      expect(failed.json.error?.type).toBe('api_error');
      expect((await call('POST', '/v1/checkout/sessions', { body: sessionForm(), idempotencyKey: 'k1' })).status).toBe(200);
      expect(fake.sessions.size).toBe(1);
    });

    it('scopes keys to the Stripe-Account', async () => {
      await call('POST', '/v1/checkout/sessions', { body: sessionForm(), idempotencyKey: 'k1' });
      const other = await call('POST', '/v1/checkout/sessions', { body: sessionForm(), idempotencyKey: 'k1', account: 'acct_2' });
      expect(other.headers.get('idempotent-replayed')).toBeNull();
      expect(fake.sessions.size).toBe(2);
      expect(fake.requests.map((r) => r.stripeAccount)).toEqual([undefined, 'acct_2']);
    });
  });

  it('keeps a session on its account', async () => {
    const created = await call('POST', '/v1/checkout/sessions', { body: sessionForm(), account: 'acct_2' });
    const id = created.json.id as string;
    expect((await call('GET', `/v1/checkout/sessions/${id}`)).status).toBe(404);
    expect((await call('GET', `/v1/checkout/sessions/${id}`, { account: 'acct_2' })).json.id).toBe(id);
  });

  it('expires only an open session', async () => {
    const id = (await call('POST', '/v1/checkout/sessions', { body: sessionForm() })).json.id as string;
    const expired = await call('POST', `/v1/checkout/sessions/${id}/expire`, { body: '' });
    expect(expired.json).toEqual(jasmine.objectContaining({ status: 'expired', url: null }));
    const again = await call('POST', `/v1/checkout/sessions/${id}/expire`, { body: '' });
    expect(again.status).toBe(400);
  });

  it('answers 429 with Stripe\'s rate-limit error', async () => {
    fake.failNext(1, 429);
    const reply = await call('POST', '/v1/checkout/sessions', { body: sessionForm() });
    expect(reply.status).toBe(429);
    expect(reply.json.error?.code).toBe('rate_limit');
  });

  it('signs events the SDK verifies, with stale and future timestamps on request', () => {
    const { payload, header, event } = fake.signedEvent('checkout.session.expired', { id: 'cs_test_1', object: 'checkout.session' });
    expect(Stripe.webhooks.constructEvent(payload, header, fake.webhookSecret).id).toBe(event.id as string);
    expect(payload).toContain('\n  "type": "checkout.session.expired"');
    const stale = fake.signedEvent('checkout.session.expired', {}, { offsetSeconds: -600 });
    expect(() => Stripe.webhooks.constructEvent(stale.payload, stale.header, fake.webhookSecret, 300)).toThrowError(/tolerance/);
    const fixed = fake.signedEvent('checkout.session.expired', {}, { timestamp: 2_000_000_000 });
    expect(fixed.header).toMatch(/^t=2000000000,v1=[0-9a-f]{64}$/);
    expect(Stripe.webhooks.constructEvent(fixed.payload, fixed.header, fake.webhookSecret, 300, undefined, 2_000_000_000_000).type).toBe('checkout.session.expired');
    const other = fake.signedEvent('checkout.session.expired', {}, { secret: 'whsec_other' });
    expect(() => Stripe.webhooks.constructEvent(other.payload, other.header, fake.webhookSecret)).toThrow();
  });
});

describe('parseStripeForm', () => {
  it('decodes nested brackets and indexed arrays, encoded or not', () => {
    const form = parseStripeForm('line_items[0][price_data][unit_amount]=3000&line_items%5B1%5D%5Bquantity%5D=2&metadata[a]=x%20y&mode=payment');
    expect(form as unknown).toEqual({
      line_items: [{ price_data: { unit_amount: '3000' } }, { quantity: '2' }],
      metadata: { a: 'x y' },
      mode: 'payment',
    });
  });

  it('keeps non-consecutive numeric keys as an object and appends on []', () => {
    expect(parseStripeForm('a[1]=x&a[3]=y') as unknown).toEqual({ a: { '1': 'x', '3': 'y' } });
    expect(parseStripeForm('a[]=x&a[]=y') as unknown).toEqual({ a: ['x', 'y'] });
  });

  it('refuses malformed keys and conflicting values', () => {
    expect(() => parseStripeForm('a[b=1')).toThrowError(FormSyntaxError);
    expect(() => parseStripeForm('a=1&a[b]=2')).toThrowError(FormSyntaxError);
    expect(() => parseStripeForm('a=1&a=2')).toThrowError(FormSyntaxError);
  });

  it('compares forms regardless of key order', () => {
    expect(canonicalForm(parseStripeForm('a=1&b[c]=2'))).toBe(canonicalForm(parseStripeForm('b[c]=2&a=1')));
    expect(canonicalForm(parseStripeForm('a=1'))).not.toBe(canonicalForm(parseStripeForm('a=2')));
  });
});
