/**
 * The Checkout Session resource of the Stripe fake: parameter checks with Stripe's error
 * shapes, and session, charge and event objects shaped like Stripe's (API 2026-10-28).
 */
import { randomBytes } from 'node:crypto';
import type { FormObject, FormValue } from './stripe-form.ts';

/** Stripe's error body, `{ error: { type, code?, message, param? } }`. */
export interface StripeErrorBody {
  error: { type: string; code?: string; message: string; param?: string; doc_url?: string };
}

/** A failure the fake answers with its HTTP status. */
export class StripeFakeError extends Error {
  constructor(readonly status: number, readonly body: StripeErrorBody) {
    super(body.error.message);
  }
}

/** 400 invalid_request_error, as Stripe answers bad parameters. */
export function invalidRequest(message: string, param?: string, code?: string): StripeFakeError {
  const error: StripeErrorBody['error'] = { type: 'invalid_request_error', message };
  if (code) {
    error.code = code;
    error.doc_url = `https://docs.stripe.com/error-codes/${code.replace(/_/g, '-')}`;
  }
  if (param) error.param = param;
  return new StripeFakeError(400, { error });
}

/** Stripe-looking random id: `cs_test_a1B2…`. */
export function stripeId(prefix: string, length = 24): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${prefix}${out}`;
}

/** A Checkout Session as Stripe returns it (the fields we and our tests read, plus common ones). */
export interface FakeCheckoutSession {
  id: string;
  object: 'checkout.session';
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string | null;
  client_reference_id: string | null;
  created: number;
  currency: string;
  customer: string | null;
  customer_creation: 'if_required';
  customer_details: { email: string | null } | null;
  customer_email: string | null;
  expires_at: number;
  livemode: false;
  locale: string | null;
  metadata: Record<string, string>;
  mode: 'payment';
  payment_intent: string | null;
  payment_link: null;
  payment_method_types: string[];
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  status: 'open' | 'complete' | 'expired';
  success_url: string | null;
  ui_mode: 'hosted_page';
  url: string | null;
}

/** Fake-side state kept next to a session: whose account, what the PaymentIntent will carry. */
export interface SessionRecord {
  session: FakeCheckoutSession;
  account: string | null;
  paymentIntentMetadata: Record<string, string>;
  paymentIntentDescription: string | null;
  /** Line items as sent, for assertions. */
  lineItems: FormValue;
}

/** A Charge as Stripe sends it in `charge.refunded`. */
export interface FakeCharge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  captured: boolean;
  created: number;
  currency: string;
  livemode: false;
  metadata: Record<string, string>;
  paid: boolean;
  payment_intent: string | null;
  refunded: boolean;
  status: 'succeeded';
}

const TOP_LEVEL = new Set([
  'mode', 'line_items', 'customer_email', 'client_reference_id', 'metadata', 'payment_intent_data', 'expires_at',
  'success_url', 'cancel_url', 'locale', 'expand', 'payment_method_types', 'submit_type', 'ui_mode', 'customer',
  'customer_creation', 'invoice_creation', 'after_expiration', 'allow_promotion_codes', 'billing_address_collection',
  'consent_collection', 'custom_text', 'phone_number_collection', 'automatic_tax',
]);
const PAYMENT_INTENT_DATA = new Set([
  'metadata', 'description', 'receipt_email', 'statement_descriptor', 'statement_descriptor_suffix', 'capture_method',
  'setup_future_usage', 'on_behalf_of', 'transfer_data', 'application_fee_amount', 'transfer_group',
]);
/** Stripe's minimum charge per currency, in minor units (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). */
const MINIMUM: Record<string, number> = { eur: 50, usd: 50, chf: 50, gbp: 30, cad: 50, jpy: 50 };
const MAXIMUM = 99_999_999;

function isObject(v: FormValue | undefined): v is FormObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function integer(value: FormValue | undefined, param: string): number {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw invalidRequest(`Invalid integer: ${typeof value === 'string' ? value : 'object'}`, param, 'parameter_invalid_integer');
  }
  return Number(value);
}

function url(value: FormValue | undefined, param: string): string | null {
  if (value === undefined) return null;
  if (typeof value === 'string') {
    try {
      const parsed = new URL(value);
      if (parsed.protocol === 'https:' || parsed.protocol === 'http:') return value;
    } catch {
      // fall through to Stripe's error
    }
  }
  throw invalidRequest('Not a valid URL', param, 'url_invalid');
}

function metadata(value: FormValue | undefined, param: string): Record<string, string> {
  if (value === undefined || value === '') return {};
  if (!isObject(value)) throw invalidRequest('Invalid object', param, 'parameter_invalid_empty');
  const out: Record<string, string> = {};
  const keys = Object.keys(value);
  if (keys.length > 50) throw invalidRequest('Metadata can have up to 50 keys.', param);
  for (const key of keys) {
    const v = value[key];
    if (typeof v !== 'string') throw invalidRequest('Metadata values must be strings.', `${param}[${key}]`);
    if (key.length > 40) throw invalidRequest('Metadata keys can be up to 40 characters long.', `${param}[${key}]`);
    if (v.length > 500) throw invalidRequest('Metadata values can be up to 500 characters long.', `${param}[${key}]`);
    out[key] = v;
  }
  return out;
}

function unknownParams(form: FormObject, allowed: Set<string>, prefix: string): void {
  for (const key of Object.keys(form)) {
    if (!allowed.has(key)) {
      const param = prefix ? `${prefix}[${key}]` : key;
      throw invalidRequest(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
    }
  }
}

/**
 * Checks `POST /v1/checkout/sessions` parameters as Stripe does (the subset we use) and
 * builds the session. Throws `StripeFakeError` with Stripe's message, param and code.
 */
export function createCheckoutSession(form: FormObject, opts: { account: string | null; now: Date; payUrlBase: string }): SessionRecord {
  unknownParams(form, TOP_LEVEL, '');
  const created = Math.floor(opts.now.getTime() / 1000);

  if (form.mode === undefined) throw invalidRequest('Missing required param: mode.', 'mode', 'parameter_missing');
  if (form.mode !== 'payment') {
    if (form.mode === 'setup' || form.mode === 'subscription') throw invalidRequest(`The Stripe fake only supports mode=payment.`, 'mode');
    throw invalidRequest('Invalid mode: must be one of payment, setup, or subscription', 'mode', 'parameter_invalid_string');
  }

  const items = form.line_items;
  if (items === undefined) throw invalidRequest('`line_items` is required in `payment` mode.', 'line_items', 'parameter_missing');
  if (!Array.isArray(items) || items.length === 0) throw invalidRequest('Invalid array', 'line_items', 'parameter_invalid_empty');
  let currency: string | undefined;
  let total = 0;
  items.forEach((item, i) => {
    const p = `line_items[${i}]`;
    if (!isObject(item)) throw invalidRequest('Invalid object', p);
    unknownParams(item, new Set(['price', 'price_data', 'quantity', 'adjustable_quantity', 'tax_rates']), p);
    if (typeof item.price === 'string') throw invalidRequest(`No such price: '${item.price}'`, `${p}[price]`, 'resource_missing');
    const data = item.price_data;
    if (!isObject(data)) throw invalidRequest('You must specify either `price` or `price_data` for each line item.', p);
    unknownParams(data, new Set(['currency', 'product', 'product_data', 'unit_amount', 'unit_amount_decimal', 'tax_behavior']), `${p}[price_data]`);
    if (data.currency === undefined) throw invalidRequest(`Missing required param: ${p}[price_data][currency].`, `${p}[price_data][currency]`, 'parameter_missing');
    if (typeof data.currency !== 'string' || !/^[a-zA-Z]{3}$/.test(data.currency)) {
      throw invalidRequest(`Invalid currency: ${String(data.currency)}.`, `${p}[price_data][currency]`, 'parameter_invalid_string');
    }
    const itemCurrency = data.currency.toLowerCase();
    if (currency !== undefined && currency !== itemCurrency) throw invalidRequest('All line items must use the same currency.', `${p}[price_data][currency]`);
    currency = itemCurrency;
    if (typeof data.product === 'string') throw invalidRequest(`No such product: '${data.product}'`, `${p}[price_data][product]`, 'resource_missing');
    const product = data.product_data;
    if (!isObject(product) || typeof product.name !== 'string' || product.name.trim() === '') {
      throw invalidRequest(`Missing required param: ${p}[price_data][product_data][name].`, `${p}[price_data][product_data][name]`, 'parameter_missing');
    }
    if (data.unit_amount === undefined) throw invalidRequest(`Missing required param: ${p}[price_data][unit_amount].`, `${p}[price_data][unit_amount]`, 'parameter_missing');
    const unit = integer(data.unit_amount, `${p}[price_data][unit_amount]`);
    if (unit < 0) throw invalidRequest('This value must be greater than or equal to 0.', `${p}[price_data][unit_amount]`, 'parameter_invalid_integer');
    if (item.quantity === undefined) throw invalidRequest(`Quantity is required. Add \`quantity\` to \`${p}\`.`, `${p}[quantity]`, 'parameter_missing');
    const quantity = integer(item.quantity, `${p}[quantity]`);
    if (quantity < 1) throw invalidRequest('This value must be greater than or equal to 1.', `${p}[quantity]`, 'parameter_invalid_integer');
    total += unit * quantity;
  });
  const cur = currency as string;
  const minimum = MINIMUM[cur] ?? 50;
  if (total < minimum) {
    throw invalidRequest(`The Checkout Session's total amount due must add up to at least ${(minimum / 100).toFixed(2)} ${cur}`, undefined, 'amount_too_small');
  }
  if (total > MAXIMUM) throw invalidRequest('Amount must be no more than 999,999.99', undefined, 'amount_too_large');

  let email: string | null = null;
  if (form.customer_email !== undefined) {
    if (typeof form.customer_email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(form.customer_email)) {
      throw invalidRequest(`Invalid email address: ${typeof form.customer_email === 'string' ? form.customer_email : ''}`, 'customer_email', 'email_invalid');
    }
    email = form.customer_email;
  }

  let expiresAt = created + 24 * 3600;
  if (form.expires_at !== undefined) {
    expiresAt = integer(form.expires_at, 'expires_at');
    if (expiresAt < created + 30 * 60) {
      throw invalidRequest('The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.', 'expires_at');
    }
    if (expiresAt > created + 24 * 3600) {
      throw invalidRequest('The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.', 'expires_at');
    }
  }

  const successUrl = url(form.success_url, 'success_url');
  const cancelUrl = url(form.cancel_url, 'cancel_url');
  const meta = metadata(form.metadata, 'metadata');

  let piMetadata: Record<string, string> = {};
  let piDescription: string | null = null;
  if (form.payment_intent_data !== undefined) {
    const pid = form.payment_intent_data;
    if (!isObject(pid)) throw invalidRequest('Invalid object', 'payment_intent_data');
    unknownParams(pid, PAYMENT_INTENT_DATA, 'payment_intent_data');
    piMetadata = metadata(pid.metadata, 'payment_intent_data[metadata]');
    if (pid.description !== undefined) piDescription = String(pid.description);
  }
  const clientReference = typeof form.client_reference_id === 'string' ? form.client_reference_id : null;
  if (clientReference !== null && clientReference.length > 200) {
    throw invalidRequest('client_reference_id can be up to 200 characters long.', 'client_reference_id');
  }

  const id = stripeId('cs_test_a1', 56);
  const session: FakeCheckoutSession = {
    id,
    object: 'checkout.session',
    amount_subtotal: total,
    amount_total: total,
    cancel_url: cancelUrl,
    client_reference_id: clientReference,
    created,
    currency: cur,
    customer: null,
    customer_creation: 'if_required',
    customer_details: null,
    customer_email: email,
    expires_at: expiresAt,
    livemode: false,
    locale: typeof form.locale === 'string' ? form.locale : null,
    metadata: meta,
    mode: 'payment',
    // Since API 2022-08-01 the PaymentIntent is created when the customer pays, not before.
    payment_intent: null,
    payment_link: null,
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    status: 'open',
    success_url: successUrl,
    ui_mode: 'hosted_page',
    url: `${opts.payUrlBase}/c/pay/${id}`,
  };
  return { session, account: opts.account, paymentIntentMetadata: piMetadata, paymentIntentDescription: piDescription, lineItems: items };
}
