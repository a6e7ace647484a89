/**
 * Payments in our own words: a one-off payment link for a teleconsultation, the events that
 * move its status, and the error a provider raises. Stripe (`stripe.ts`) and the sandbox
 * implement this; nothing outside those modules sees a vendor type.
 */

/** What the connector asks a provider to create. */
export interface CreatePaymentLinkRequest {
  /** Our payment request id; echoed back in events. */
  paymentRequestId: string;
  teleconsultationId: string;
  /** Minor units (cents), > 0. */
  amountCents: number;
  /** ISO 4217, any case. */
  currency: string;
  /** Shown to the patient on the payment page (practitioner and date). */
  description: string;
  /** Prefills the payment page and receives the receipt. */
  customerEmail: string | null;
  /**
   * Sent as the provider's idempotency key. A retry must reuse the key AND the same values
   * (including `expiresAt` and `description`): the provider refuses a key reused with other
   * parameters. Store them with the request and resend them unchanged.
   */
  idempotencyKey: string;
  /** Connected account (Stripe `acct_…`) paid directly, if the practitioner has one. */
  connectedAccount?: string;
  successUrl: string;
  cancelUrl: string;
  /** When the link stops accepting payment (Stripe: 30 min to 24 h after creation). */
  expiresAt: Date;
}

/** A created payment link. */
export interface PaymentLink {
  /** Provider's id of the payable object (Stripe Checkout Session `cs_…`). */
  providerId: string;
  /** Where the patient pays. */
  url: string;
  expiresAt: Date;
}

/** One payment provider. */
export interface PaymentProvider {
  readonly name: 'stripe' | 'sandbox';
  /** Creates (or, for a repeated idempotency key, returns again) a payment link. */
  createPaymentLink(req: CreatePaymentLinkRequest): Promise<PaymentLink>;
  /**
   * Closes an unpaid link so it can no longer be paid (a new amount replaces it). Resolves
   * when the link is closed or was already expired; rejects with `PAYMENT_ALREADY_PAID` when
   * the patient paid it in the meantime.
   */
  expirePaymentLink(providerId: string, connectedAccount?: string): Promise<void>;
}

export type PaymentEventKind = 'paid' | 'failed' | 'expired' | 'refunded';

/**
 * A verified status change reported by a provider. Apply it idempotently (dedupe on
 * `eventId`) and independently of delivery order (compare `at`, and never move a request
 * out of `paid`/`refunded` because of an older or weaker event).
 */
export interface PaymentEvent {
  /** Provider's event id, for deduplication. */
  eventId: string;
  kind: PaymentEventKind;
  /**
   * The payment link's provider id (Stripe Checkout Session). For `refunded`, Stripe's Charge
   * does not know its session, so this is the PaymentIntent id (`pi_…`); match on
   * `paymentRequestId` first.
   */
  providerId: string;
  /** Our payment request id, carried in the provider's metadata. */
  paymentRequestId?: string;
  /** Stripe PaymentIntent id, when known (set on `paid` and `refunded`). */
  paymentIntentId?: string;
  /** When the provider says it happened. */
  at: Date;
  /** Amount paid (for `paid`) or refunded (for `refunded`), in minor units. */
  amountCents?: number;
  /** ISO 4217 currency of that amount, upper case. */
  currency?: string;
  /** The provider account it happened on (a practitioner's Stripe connected account), null for the platform's own. */
  account?: string | null;
}

export type PaymentProviderErrorCode =
  /** Network failure, timeout, 5xx, 429 or a concurrent request with the same key: retry later. */
  | 'PAYMENT_PROVIDER_UNAVAILABLE'
  /** The provider refused the request (bad parameters, key reused with other values, auth). */
  | 'PAYMENT_REJECTED'
  /** `expirePaymentLink` on a link the patient has already paid. */
  | 'PAYMENT_ALREADY_PAID'
  /** The provider answered something we could not read. */
  | 'PAYMENT_PROVIDER_INVALID_RESPONSE';

/**
 * Error raised by a payment provider. Its message never repeats request values (emails,
 * descriptions); `providerCode`, `param` and `requestId` identify the failure at the vendor.
 */
export class PaymentProviderError extends Error {
  override readonly name = 'PaymentProviderError';
  readonly code: PaymentProviderErrorCode;
  /** True when the same request may succeed later (our job queue retries it). */
  readonly retryable: boolean;
  /** HTTP status the provider answered, if it answered. */
  readonly status: number | undefined;
  /** Provider's own error type or code (e.g. `idempotency_error`, `resource_missing`). */
  readonly providerCode: string | undefined;
  /** Request parameter the provider blamed, if any. */
  readonly param: string | undefined;
  /** Provider's request id, for its dashboard. */
  readonly requestId: string | undefined;

  constructor(
    code: PaymentProviderErrorCode,
    message: string,
    details: { retryable: boolean; status?: number; providerCode?: string; param?: string; requestId?: string; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.retryable = details.retryable;
    this.status = details.status;
    this.providerCode = details.providerCode;
    this.param = details.param;
    this.requestId = details.requestId;
  }
}

/**
 * The idempotency key of a payment request: derived from the teleconsultation and our
 * request id, so a repeated click or a retried job maps to the same provider object.
 */
export function paymentIdempotencyKey(teleconsultationId: string, paymentRequestId: string): string {
  return `teleconsult-payment:${teleconsultationId}:${paymentRequestId}`.slice(0, 255);
}
