/**
 * A local fake of the Stripe API endpoints we use, speaking Stripe's wire protocol so the
 * real `stripe` SDK can be pointed at it (`host`, `port`, `protocol: 'http'`):
 *
 *   POST /v1/checkout/sessions              create (form-encoded, nested brackets)
 *   GET  /v1/checkout/sessions/{id}         retrieve
 *   POST /v1/checkout/sessions/{id}/expire  expire an open session
 *   GET  /c/pay/{id}                         a stand-in for the hosted payment page
 *
 * Like Stripe: Bearer secret-key auth (401 otherwise), error bodies `{error: {type, code,
 * message, param}}`, sessions scoped to the `Stripe-Account` they were created on, and
 * idempotency — the same key with the same parameters replays the saved response with
 * `Idempotent-Replayed: true`; with other parameters it is a 400 `idempotency_error`; while
 * the first request is still executing it is a 409 `idempotency_error`
 * (`idempotency_key_in_use`). Requests that fail validation are not saved
 * (https://docs.stripe.com/api/idempotent_requests).
 *
 * For tests: every request is recorded; `failNext`, `hangNext`, `dropNext` and `holdNext`
 * inject failures; `completeSession`, `refundSession`… move sessions; `signedEvent` builds a
 * webhook body and its `Stripe-Signature` header with the SDK's own test helper.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Stripe from 'stripe';
import {
  createCheckoutSession,
  invalidRequest,
  StripeFakeError,
  stripeId,
  type FakeCharge,
  type FakeCheckoutSession,
  type SessionRecord,
  type StripeErrorBody,
} from './stripe-checkout.ts';
import { canonicalForm, FormSyntaxError, parseStripeForm, type FormObject } from './stripe-form.ts';

export type { FakeCharge, FakeCheckoutSession } from './stripe-checkout.ts';
export type { FormObject, FormValue } from './stripe-form.ts';

/** One request the fake received. */
export interface RecordedStripeRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  idempotencyKey: string | undefined;
  stripeAccount: string | undefined;
  /** The decoded form body (`{}` for GET). */
  form: FormObject;
  rawBody: string;
  /** Status answered; 0 while unanswered, or when hung or dropped. */
  status: number;
  /** True when the answer was an idempotent replay. */
  replayed: boolean;
}

/** Options of `signedEvent`. */
export interface SignedEventOptions {
  /** Signature timestamp in seconds (default now). */
  timestamp?: number;
  /** Seconds added to now for the timestamp (negative: stale, positive: future). */
  offsetSeconds?: number;
  /** Signing secret (default the fake's `webhookSecret`). */
  secret?: string;
  /** Event id (default a new `evt_…`). */
  id?: string;
  /** Connected account the event happened on. */
  account?: string;
  /** `created` of the event, seconds (default the signature timestamp). */
  created?: number;
}

/** A webhook delivery as Stripe would POST it. */
export interface SignedEvent {
  /** The exact body (pretty-printed JSON, as Stripe sends it). */
  payload: string;
  /** The `Stripe-Signature` header value. */
  header: string;
  event: Record<string, unknown>;
}

export interface StripeFake {
  /** `http://127.0.0.1:<port>`: give it to the provider as `apiUrl`. */
  readonly url: string;
  readonly secretKey: string;
  readonly webhookSecret: string;
  /** Every request, in arrival order. */
  readonly requests: RecordedStripeRequest[];
  /** Sessions created, by id. */
  readonly sessions: Map<string, SessionRecord>;
  /** The next `n` requests answer `status` with Stripe's error body (not saved for idempotency). */
  failNext(n: number, status?: number): void;
  /** The next `n` requests are read but never answered (the client times out). */
  hangNext(n?: number): void;
  /** The next `n` requests have their connection destroyed after the body is read. */
  dropNext(n?: number): void;
  /** The next request that starts executing waits until `release()` (to test in-flight idempotency). */
  holdNext(): { arrived: Promise<void>; release(): void };
  /** The patient paid (`paid`), or submitted an async payment still pending (`unpaid`). */
  completeSession(id: string, paymentStatus?: 'paid' | 'unpaid'): FakeCheckoutSession;
  /** The session reached its `expires_at`. */
  expireSession(id: string): FakeCheckoutSession;
  /** Refund a completed session's charge (fully by default). */
  refundSession(id: string, amountCents?: number): FakeCharge;
  /** Builds a signed webhook delivery for `type` with `object` as `data.object`. */
  signedEvent(type: string, object: object, opts?: SignedEventOptions): SignedEvent;
  close(): Promise<void>;
}

type IdempotencyEntry =
  | { fingerprint: string; state: 'executing' }
  | { fingerprint: string; state: 'done'; status: number; body: string; requestId: string };

interface Answer {
  status: number;
  body: unknown;
}

/** Starts the fake on 127.0.0.1, on a free port. */
export async function startStripeFake(options: { secretKey?: string; webhookSecret?: string } = {}): Promise<StripeFake> {
  const secretKey = options.secretKey ?? 'sk_test_fake_4eC39HqLyjWDarjtT1zdp7dc';
  const webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(24).toString('hex')}`;
  const requests: RecordedStripeRequest[] = [];
  const sessions = new Map<string, SessionRecord>();
  const charges = new Map<string, FakeCharge>();
  const idempotency = new Map<string, IdempotencyEntry>();
  const sockets = new Set<Socket>();
  let failures: { remaining: number; status: number } = { remaining: 0, status: 500 };
  let hangs = 0;
  let drops = 0;
  const holds: Array<{ arrive: () => void; release: () => void; wait: Promise<void> }> = [];
  const heldReleases: Array<() => void> = [];
  let url = '';

  function errorBody(status: number): StripeErrorBody {
    if (status === 429) {
      return { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly.' } };
    }
    if (status >= 500) return { error: { type: 'api_error', message: 'An unknown error occurred (injected by the Stripe fake).' } };
    return { error: { type: 'invalid_request_error', message: `Injected failure ${status}.` } };
  }

  function findSession(id: string, account: string | null): SessionRecord {
    const record = sessions.get(id);
    // A session lives on one account: without its Stripe-Account header Stripe answers 404.
    if (!record || record.account !== account) {
      throw new StripeFakeError(404, {
        error: { type: 'invalid_request_error', code: 'resource_missing', message: `No such checkout.session: '${id}'`, param: 'session' },
      });
    }
    return record;
  }

  function route(method: string, path: string, form: FormObject, account: string | null): Answer {
    if (method === 'POST' && path === '/v1/checkout/sessions') {
      const record = createCheckoutSession(form, { account, now: new Date(), payUrlBase: url });
      sessions.set(record.session.id, record);
      return { status: 200, body: record.session };
    }
    const one = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === 'GET' && one?.[1]) return { status: 200, body: findSession(decodeURIComponent(one[1]), account).session };
    const expire = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path);
    if (method === 'POST' && expire?.[1]) {
      const record = findSession(decodeURIComponent(expire[1]), account);
      if (record.session.status !== 'open') {
        throw invalidRequest(`Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of "${record.session.status}".`);
      }
      record.session.status = 'expired';
      record.session.url = null;
      return { status: 200, body: record.session };
    }
    throw new StripeFakeError(404, {
      error: {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      },
    });
  }

  function authorised(header: string | undefined): StripeErrorBody | undefined {
    if (!header) {
      return { error: { type: 'invalid_request_error', message: 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').' } };
    }
    const bearer = /^Bearer (.+)$/.exec(header)?.[1];
    const basic = /^Basic (.+)$/.exec(header)?.[1];
    const key = bearer ?? (basic ? Buffer.from(basic, 'base64').toString().replace(/:$/, '') : undefined);
    if (key === secretKey) return undefined;
    const shown = key ? `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}` : '';
    return { error: { type: 'invalid_request_error', message: `Invalid API Key provided: ${shown}` } };
  }

  function send(res: ServerResponse, record: RecordedStripeRequest, status: number, body: string, headers: Record<string, string> = {}): void {
    record.status = status;
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Request-Id': headers['Request-Id'] ?? stripeId('req_', 14),
      'Stripe-Version': record.headers['stripe-version'] ?? Stripe.API_VERSION,
      ...(record.idempotencyKey ? { 'Idempotency-Key': record.idempotencyKey } : {}),
      ...headers,
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse, rawBody: string): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const record: RecordedStripeRequest = {
      method,
      path,
      headers: req.headers,
      idempotencyKey: header('idempotency-key'),
      stripeAccount: header('stripe-account'),
      form: {},
      rawBody,
      status: 0,
      replayed: false,
    };
    requests.push(record);

    if (method === 'GET' && /^\/c\/pay\/[^/]+$/.test(path)) {
      record.status = 200;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>Stripe fake checkout</title><h1>Stripe fake checkout (test)</h1>');
      return;
    }
    if (drops > 0) {
      drops--;
      req.socket.destroy();
      return;
    }
    if (hangs > 0) {
      hangs--;
      return;
    }
    if (failures.remaining > 0) {
      failures.remaining--;
      send(res, record, failures.status, JSON.stringify(errorBody(failures.status)));
      return;
    }
    const authError = authorised(header('authorization'));
    if (authError) {
      send(res, record, 401, JSON.stringify(authError));
      return;
    }
    if (method === 'POST') {
      try {
        record.form = parseStripeForm(rawBody);
      } catch (e) {
        const key = e instanceof FormSyntaxError ? e.key : '';
        send(res, record, 400, JSON.stringify(invalidRequest(`Invalid request: malformed parameter ${key}`, key).body));
        return;
      }
    }

    const account = record.stripeAccount ?? null;
    // Keys are scoped to the API key and the account, as at Stripe; GET ignores them.
    const scope = method === 'POST' && record.idempotencyKey ? `${secretKey}|${account ?? ''}|${record.idempotencyKey}` : undefined;
    const fingerprint = `${method} ${path} ${canonicalForm(record.form)}`;
    if (scope) {
      const entry = idempotency.get(scope);
      if (entry && entry.fingerprint !== fingerprint) {
        send(res, record, 400, JSON.stringify({
          error: {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${record.idempotencyKey}' if you meant to execute a different request.`,
          },
        }));
        return;
      }
      if (entry?.state === 'executing') {
        send(res, record, 409, JSON.stringify({
          error: {
            type: 'idempotency_error',
            code: 'idempotency_key_in_use',
            message: 'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through). Please try again later.',
          },
        }));
        return;
      }
      if (entry?.state === 'done') {
        record.replayed = true;
        send(res, record, entry.status, entry.body, { 'Idempotent-Replayed': 'true', 'Original-Request': entry.requestId });
        return;
      }
      idempotency.set(scope, { fingerprint, state: 'executing' });
    }

    const hold = holds.shift();
    if (hold) {
      hold.arrive();
      await hold.wait;
    }

    let answer: Answer;
    try {
      answer = route(method, path, record.form, account);
    } catch (e) {
      if (!(e instanceof StripeFakeError)) throw e;
      answer = { status: e.status, body: e.body };
    }
    const body = JSON.stringify(answer.body);
    const requestId = stripeId('req_', 14);
    if (scope) {
      // Stripe saves the result once the endpoint has executed; a validation failure is not saved.
      if (answer.status < 400) idempotency.set(scope, { fingerprint, state: 'done', status: answer.status, body, requestId });
      else idempotency.delete(scope);
    }
    send(res, record, answer.status, body, { 'Request-Id': requestId });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((e: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'api_error', message: `Stripe fake crashed: ${String(e)}` } }));
        }
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function sessionOrThrow(id: string): SessionRecord {
    const record = sessions.get(id);
    if (!record) throw new Error(`Stripe fake: no session ${id}`);
    return record;
  }

  return {
    url,
    secretKey,
    webhookSecret,
    requests,
    sessions,
    failNext(n, status = 500) {
      failures = { remaining: n, status };
    },
    hangNext(n = 1) {
      hangs = n;
    },
    dropNext(n = 1) {
      drops = n;
    },
    holdNext() {
      let arrive = () => {};
      let release = () => {};
      const arrived = new Promise<void>((r) => { arrive = r; });
      const wait = new Promise<void>((r) => { release = r; });
      holds.push({ arrive, release, wait });
      heldReleases.push(release);
      return { arrived, release };
    },
    completeSession(id, paymentStatus = 'paid') {
      const record = sessionOrThrow(id);
      const s = record.session;
      s.status = 'complete';
      s.payment_status = paymentStatus;
      s.url = null;
      s.customer_details = { email: s.customer_email };
      s.payment_intent = stripeId('pi_', 24);
      if (paymentStatus === 'paid') {
        const charge: FakeCharge = {
          id: stripeId('ch_', 24),
          object: 'charge',
          amount: s.amount_total,
          amount_captured: s.amount_total,
          amount_refunded: 0,
          captured: true,
          created: Math.floor(Date.now() / 1000),
          currency: s.currency,
          livemode: false,
          // The Charge carries the PaymentIntent's metadata (payment_intent_data.metadata).
          metadata: { ...record.paymentIntentMetadata },
          paid: true,
          payment_intent: s.payment_intent,
          refunded: false,
          status: 'succeeded',
        };
        charges.set(id, charge);
      }
      return structuredClone(s);
    },
    expireSession(id) {
      const s = sessionOrThrow(id).session;
      s.status = 'expired';
      s.url = null;
      return structuredClone(s);
    },
    refundSession(id, amountCents) {
      const charge = charges.get(id);
      if (!charge) throw new Error(`Stripe fake: session ${id} has no charge to refund`);
      charge.amount_refunded = Math.min(charge.amount, charge.amount_refunded + (amountCents ?? charge.amount));
      charge.refunded = charge.amount_refunded === charge.amount;
      return structuredClone(charge);
    },
    signedEvent(type, object, opts = {}) {
      const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000) + (opts.offsetSeconds ?? 0);
      const event: Record<string, unknown> = {
        id: opts.id ?? stripeId('evt_', 24),
        object: 'event',
        ...(opts.account ? { account: opts.account } : {}),
        api_version: Stripe.API_VERSION,
        created: opts.created ?? timestamp,
        data: { object },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      };
      // Stripe delivers pretty-printed JSON; re-serialising it changes the bytes.
      const payload = JSON.stringify(event, null, 2);
      const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? webhookSecret, timestamp });
      return { payload, header, event };
    },
    async close() {
      for (const release of heldReleases.splice(0)) release();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
