/**
 * Stripe behind our `PaymentProvider`: one Checkout Session (mode `payment`) per payment
 * request, and the verification and translation of Stripe's webhook events. Stripe types stay
 * in this file.
 *
 * Why a Checkout Session rather than a Payment Link or an Invoice: it is one API call with an
 * inline `price_data` (no Product/Price catalogue), single-use (it cannot be paid twice),
 * expires by itself (`expires_at`, 30 min to 24 h), prefills the patient's email, carries our
 * ids in `metadata`, accepts an idempotency key and a `Stripe-Account`, and reports its outcome
 * through `checkout.session.*` events. Payment Links are reusable multi-payment URLs that need
 * a Price; Invoices need a Customer object, finalisation and numbering of their own.
 */
import Stripe from 'stripe';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import type { StripeConfig } from '../../config/schema.ts';
import {
  PaymentProviderError,
  type CreatePaymentLinkRequest,
  type PaymentEvent,
  type PaymentLink,
  type PaymentProvider,
} from './payment-provider.ts';

/** Checkout Session lifetime bounds set by Stripe (`expires_at`). */
export const CHECKOUT_MIN_LIFETIME_MS = 30 * 60_000;
export const CHECKOUT_MAX_LIFETIME_MS = 24 * 3_600_000;
/** Webhook timestamp tolerance, in seconds, in both directions. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** Tuning that does not belong in the environment. */
export interface StripeProviderOptions {
  /**
   * SDK retries of connection errors, 409 and 5xx (default 1): one quick retry with the same
   * idempotency key covers a double click in flight; longer outages go to our job queue.
   */
  maxNetworkRetries?: number;
  /** Timeout of one API call, ms (default 10 000; the SDK's own default is 80 s). */
  timeoutMs?: number;
}

/** Outcome of a verified webhook that we do not act on. */
export interface IgnoredStripeEvent {
  /** The event type, with a reason after a colon when the type is known (`charge.refunded:partial`). */
  ignored: string;
  eventId: string;
}

export type StripeWebhookErrorCode = 'STRIPE_SIGNATURE_INVALID' | 'STRIPE_TIMESTAMP_OUT_OF_RANGE' | 'STRIPE_PAYLOAD_INVALID';

/** A webhook delivery we refuse (answer 400; Stripe retries, an attacker gets nothing). */
export class StripeWebhookError extends Error {
  override readonly name = 'StripeWebhookError';
  readonly statusCode = 400;
  constructor(readonly code: StripeWebhookErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Our provider plus webhook parsing, which only Stripe has. */
export interface StripePaymentProvider extends PaymentProvider {
  readonly name: 'stripe';
  /**
   * Verifies a `POST /webhooks/stripe` delivery on its raw bytes (`Stripe-Signature`, 300 s
   * tolerance into the past and the future) and translates it. Throws `StripeWebhookError`.
   */
  parseWebhook(rawBody: Buffer | string, signatureHeader: string | undefined, now?: Date): PaymentEvent | IgnoredStripeEvent;
}

/**
 * SDK constructor options that point it at `apiUrl` (a local fake, a proxy); none for the
 * real API. Stripe's base path `/v1/` is fixed, so the URL must not have a path.
 */
export function stripeHostOptions(apiUrl: string): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  const url = new URL(apiUrl);
  if (url.pathname !== '/' || url.search || url.hash) throw new Error(`STRIPE_API_URL must be an origin without a path, got ${url.origin}${url.pathname}`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('STRIPE_API_URL must use http or https');
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  if (protocol === 'https' && url.hostname === 'api.stripe.com' && (url.port === '' || url.port === '443')) return {};
  return { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol };
}

const SessionSchema = Type.Object({
  id: Type.String({ pattern: '^cs_' }),
  object: Type.Literal('checkout.session'),
  url: Type.String({ minLength: 1 }),
  expires_at: Type.Integer(),
});

const Metadata = Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]);
const ExpandableId = Type.Union([Type.String(), Type.Object({ id: Type.String() }), Type.Null()]);

const EventSchema = Type.Object({
  id: Type.String({ minLength: 1 }),
  type: Type.String({ minLength: 1 }),
  created: Type.Integer(),
  /** Set on events of a connected account (https://docs.stripe.com/connect/webhooks). */
  account: Type.Optional(Type.String()),
  data: Type.Object({ object: Type.Record(Type.String(), Type.Unknown()) }),
});
const SessionEventObject = Type.Object({
  id: Type.String({ pattern: '^cs_' }),
  object: Type.Literal('checkout.session'),
  payment_status: Type.String(),
  metadata: Metadata,
  amount_total: Type.Union([Type.Integer(), Type.Null()]),
  currency: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  payment_intent: Type.Optional(ExpandableId),
});
const ChargeEventObject = Type.Object({
  id: Type.String(),
  object: Type.Literal('charge'),
  payment_intent: ExpandableId,
  metadata: Metadata,
  amount_refunded: Type.Integer(),
  currency: Type.Optional(Type.String()),
  refunded: Type.Boolean(),
});
type ExpandableIdValue = Static<typeof ExpandableId>;

function idOf(value: ExpandableIdValue | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : value.id;
}

/** Turns an SDK failure into our error; messages never echo request values (Stripe's may). */
function toProviderError(err: unknown, action: string): PaymentProviderError {
  if (!(err instanceof Stripe.errors.StripeError)) {
    return new PaymentProviderError('PAYMENT_PROVIDER_UNAVAILABLE', `Stripe ${action} failed before an answer`, { retryable: true, cause: err });
  }
  const status = typeof err.statusCode === 'number' ? err.statusCode : undefined;
  const providerCode = err.code ?? err.rawType ?? undefined;
  const details = { status, providerCode, param: err.param ?? undefined, requestId: err.requestId ?? undefined };
  // Stripe's message may contain what we sent (an email address): keep a sanitised cause.
  const summary = `${err.type}${providerCode ? ` ${providerCode}` : ''}${status ? ` (HTTP ${status})` : ''}${details.param ? ` param ${details.param}` : ''}${details.requestId ? ` request ${details.requestId}` : ''}`;
  const cause = err instanceof Stripe.errors.StripeConnectionError ? err : new Error(summary);
  const unavailable =
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeRateLimitError ||
    status === undefined ||
    status === 409 || // another request with the same idempotency key is executing
    status >= 500;
  if (unavailable) {
    return new PaymentProviderError('PAYMENT_PROVIDER_UNAVAILABLE', `Stripe ${action} unavailable: ${summary}`, { retryable: true, ...details, cause });
  }
  return new PaymentProviderError('PAYMENT_REJECTED', `Stripe refused ${action}: ${summary}`, { retryable: false, ...details, cause });
}

function signatureTimestamp(header: string): number | undefined {
  for (const part of header.split(',')) {
    const [key, value] = part.split('=');
    if (key?.trim() === 't' && value !== undefined && /^\d+$/.test(value.trim())) return Number(value.trim());
  }
  return undefined;
}

/**
 * Builds the Stripe payment provider from configuration.
 *
 * Each payment request becomes one Checkout Session: `mode=payment`, one `price_data` line
 * (amount, currency, description as the product name), `customer_email`, `metadata` and
 * `payment_intent_data.metadata` with `{ teleconsultationId, paymentRequestId }` (so the
 * PaymentIntent and its Charge, hence `charge.refunded`, name our request), `expires_at`,
 * success and cancel URLs, sent with the request's idempotency key and, for a practitioner
 * paid directly, `Stripe-Account`.
 */
export function createStripeProvider(cfg: StripeConfig, options: StripeProviderOptions = {}): StripePaymentProvider {
  const stripe = new Stripe(cfg.secretKey, {
    ...stripeHostOptions(cfg.apiUrl),
    maxNetworkRetries: options.maxNetworkRetries ?? 1,
    timeout: options.timeoutMs ?? 10_000,
    telemetry: false,
    appInfo: { name: 'teleconsult-connector' },
  });

  async function createPaymentLink(req: CreatePaymentLinkRequest): Promise<PaymentLink> {
    const ids = { teleconsultationId: req.teleconsultationId, paymentRequestId: req.paymentRequestId };
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment',
      line_items: [
        {
          quantity: 1,
          price_data: { currency: req.currency.toLowerCase(), unit_amount: req.amountCents, product_data: { name: req.description } },
        },
      ],
      client_reference_id: req.paymentRequestId,
      metadata: ids,
      payment_intent_data: { metadata: ids, description: req.description },
      expires_at: Math.floor(req.expiresAt.getTime() / 1000),
      success_url: req.successUrl,
      cancel_url: req.cancelUrl,
    };
    if (req.customerEmail) params.customer_email = req.customerEmail;
    let session: unknown;
    try {
      session = await stripe.checkout.sessions.create(params, {
        idempotencyKey: req.idempotencyKey,
        ...(req.connectedAccount ? { stripeAccount: req.connectedAccount } : {}),
      });
    } catch (err) {
      throw toProviderError(err, 'checkout session creation');
    }
    if (!Value.Check(SessionSchema, session)) {
      throw new PaymentProviderError('PAYMENT_PROVIDER_INVALID_RESPONSE', 'Stripe returned a checkout session without id, url or expires_at', { retryable: false });
    }
    return { providerId: session.id, url: session.url, expiresAt: new Date(session.expires_at * 1000) };
  }

  async function expirePaymentLink(providerId: string, connectedAccount?: string): Promise<void> {
    const requestOptions = connectedAccount ? { stripeAccount: connectedAccount } : {};
    try {
      await stripe.checkout.sessions.expire(providerId, {}, requestOptions);
      return;
    } catch (err) {
      const mapped = toProviderError(err, 'checkout session expiry');
      if (mapped.status !== 400) throw mapped;
      // Stripe only expires open sessions: find out whether it already expired or was paid.
      let status: string | null;
      try {
        status = (await stripe.checkout.sessions.retrieve(providerId, {}, requestOptions)).status;
      } catch (retrieveErr) {
        throw toProviderError(retrieveErr, 'checkout session retrieval');
      }
      if (status === 'expired') return;
      if (status === 'complete') {
        throw new PaymentProviderError('PAYMENT_ALREADY_PAID', 'The checkout session was completed before it could be expired', {
          retryable: false,
          status: 400,
          providerCode: 'checkout_session_complete',
        });
      }
      throw mapped;
    }
  }

  function verify(rawBody: Buffer | string, header: string | undefined, now: Date): unknown {
    if (!header) throw new StripeWebhookError('STRIPE_SIGNATURE_INVALID', 'Missing Stripe-Signature header');
    try {
      return stripe.webhooks.constructEvent(rawBody, header, cfg.webhookSecret, WEBHOOK_TOLERANCE_SECONDS, undefined, now.getTime());
    } catch (err) {
      if (!(err instanceof Stripe.errors.StripeSignatureVerificationError)) {
        throw new StripeWebhookError('STRIPE_PAYLOAD_INVALID', 'Signed webhook body is not a Stripe event', { cause: err });
      }
      // constructEvent reports a good signature with an old timestamp the same way as a bad
      // signature; check the signature alone (tolerance 0 skips the age check) to tell them apart.
      try {
        const signature = stripe.webhooks.signature;
        if (!signature) throw err;
        signature.verifyHeader(rawBody, header, cfg.webhookSecret, 0);
      } catch {
        throw new StripeWebhookError('STRIPE_SIGNATURE_INVALID', 'Stripe-Signature does not match the body', { cause: err });
      }
      throw new StripeWebhookError('STRIPE_TIMESTAMP_OUT_OF_RANGE', 'Stripe-Signature timestamp is too old', { cause: err });
    }
  }

  function parseWebhook(rawBody: Buffer | string, signatureHeader: string | undefined, now = new Date()): PaymentEvent | IgnoredStripeEvent {
    const event = verify(rawBody, signatureHeader, now);
    // constructEvent only rejects old timestamps; a signed timestamp far in the future is
    // refused too (a clock error or a captured-and-held delivery).
    const timestamp = signatureTimestamp(signatureHeader ?? '');
    if (timestamp === undefined || timestamp - Math.floor(now.getTime() / 1000) > WEBHOOK_TOLERANCE_SECONDS) {
      throw new StripeWebhookError('STRIPE_TIMESTAMP_OUT_OF_RANGE', 'Stripe-Signature timestamp is in the future');
    }
    if (!Value.Check(EventSchema, event)) throw new StripeWebhookError('STRIPE_PAYLOAD_INVALID', 'Webhook body is not a Stripe event');
    return translate(event);
  }

  return { name: 'stripe', createPaymentLink, expirePaymentLink, parseWebhook };
}

const SESSION_KINDS: Record<string, PaymentEvent['kind']> = {
  'checkout.session.completed': 'paid',
  'checkout.session.async_payment_succeeded': 'paid',
  'checkout.session.async_payment_failed': 'failed',
  'checkout.session.expired': 'expired',
};

/** Maps a verified Stripe event to ours; unknown types and non-events are ignored. */
function translate(event: Static<typeof EventSchema>): PaymentEvent | IgnoredStripeEvent {
  const at = new Date(event.created * 1000);
  const object = event.data.object;
  const sessionKind = SESSION_KINDS[event.type];
  if (sessionKind) {
    if (!Value.Check(SessionEventObject, object)) throw new StripeWebhookError('STRIPE_PAYLOAD_INVALID', `${event.type} without a checkout session`);
    // A completed session with a delayed method (SEPA debit…) is not paid yet: an
    // async_payment_succeeded or _failed event follows.
    if (event.type === 'checkout.session.completed' && object.payment_status !== 'paid') {
      return { ignored: `${event.type}:${object.payment_status}`, eventId: event.id };
    }
    const out: PaymentEvent = { eventId: event.id, kind: sessionKind, providerId: object.id, at, account: event.account ?? null };
    const paymentRequestId = object.metadata?.paymentRequestId;
    if (paymentRequestId) out.paymentRequestId = paymentRequestId;
    const paymentIntentId = idOf(object.payment_intent);
    if (paymentIntentId) out.paymentIntentId = paymentIntentId;
    if (sessionKind === 'paid' && object.amount_total !== null) out.amountCents = object.amount_total;
    if (sessionKind === 'paid' && object.currency) out.currency = object.currency.toUpperCase();
    return out;
  }
  if (event.type === 'charge.refunded') {
    if (!Value.Check(ChargeEventObject, object)) throw new StripeWebhookError('STRIPE_PAYLOAD_INVALID', 'charge.refunded without a charge');
    // A partial refund leaves the consultation paid; only a full refund changes the status.
    if (!object.refunded) return { ignored: `${event.type}:partial`, eventId: event.id };
    const paymentRequestId = object.metadata?.paymentRequestId;
    const paymentIntentId = idOf(object.payment_intent);
    if (!paymentRequestId || !paymentIntentId) return { ignored: `${event.type}:not-ours`, eventId: event.id };
    return {
      eventId: event.id, kind: 'refunded', providerId: paymentIntentId, paymentRequestId, paymentIntentId, at, amountCents: object.amount_refunded,
      ...(object.currency ? { currency: object.currency.toUpperCase() } : {}), account: event.account ?? null,
    };
  }
  return { ignored: event.type, eventId: event.id };
}
