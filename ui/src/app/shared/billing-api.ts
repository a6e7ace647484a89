import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { DestroyRef, WritableSignal } from '@angular/core';
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import type { PaymentSummary, TeleconsultationSummary } from '#protocol/live';
import { ApiError } from './api-error';
import type { Language, TranslationKey, TranslationParams } from './i18n';
import type { LiveSocket } from './live-socket';

/** `GET /api/live/{id}/practitioner/invoice`: what the "€ Facture" dialog offers. */
export interface InvoiceSettings {
  /** Preset amounts, in cents. */
  readonly presetsCents: readonly number[];
  /** ISO 4217 code of the clinic's currency. */
  readonly currency: string;
  /** Largest amount accepted, in cents. */
  readonly maxCents: number;
  /** True without a Stripe account: payments are simulated. */
  readonly sandbox: boolean;
  /** The teleconsultation's current request, if any. */
  readonly payment: PaymentSummary | null;
}

/** One row of the practitioner's payments follow-up. */
export interface PaymentListItem {
  readonly teleconsultationId: string;
  readonly startsAt: string;
  readonly status: TeleconsultationSummary['status'];
  readonly patientName: string;
  readonly payment: PaymentSummary | null;
}

/** An amount as the server accepts it: major units as typed ("30,50") or minor units (a preset). */
export type AmountInput = { readonly value: string; readonly currency?: string } | { readonly cents: number; readonly currency?: string };

/** The answer to "€ Facture": the request, and whether it is new (201) or the same open one (200). */
export interface PaymentRequestResult {
  readonly payment: PaymentSummary;
  readonly created: boolean;
}

const base = (id: string, role: 'practitioner' | 'patient') => `/api/live/${encodeURIComponent(id)}/${role}`;

/**
 * The billing routes of the live pages (connector/billing/routes.ts). Every call needs the
 * session cookie of that teleconsultation; errors arrive as `ApiError` (mapped once by
 * `apiErrorInterceptor`).
 */
@Injectable({ providedIn: 'root' })
export class BillingApi {
  private readonly http = inject(HttpClient);

  /** `GET …/practitioner/invoice`: presets, maximum, sandbox flag and the current request. */
  invoiceSettings(teleconsultationId: string): Observable<InvoiceSettings> {
    return this.http.get<InvoiceSettings>(`${base(teleconsultationId, 'practitioner')}/invoice`);
  }

  /** `POST …/practitioner/invoice`: asks the patient to pay; a new amount replaces the unpaid request. */
  requestPayment(teleconsultationId: string, amount: AmountInput): Observable<PaymentRequestResult> {
    return this.http
      .post<{ payment: PaymentSummary }>(`${base(teleconsultationId, 'practitioner')}/invoice`, { amount }, { observe: 'response' })
      .pipe(map((response) => ({ payment: requiredBody(response.body).payment, created: response.status === 201 })));
  }

  /** `POST …/practitioner/invoice/resend`: sends the open request's link again (SMS and email). */
  resendLink(teleconsultationId: string): Observable<PaymentSummary> {
    return this.http.post<{ payment: PaymentSummary }>(`${base(teleconsultationId, 'practitioner')}/invoice/resend`, {}).pipe(map((body) => body.payment));
  }

  /** `GET …/practitioner/payments`: the practitioner's teleconsultations and their payments, newest first. */
  payments(teleconsultationId: string): Observable<readonly PaymentListItem[]> {
    return this.http.get<{ items: PaymentListItem[] }>(`${base(teleconsultationId, 'practitioner')}/payments`).pipe(map((body) => body.items));
  }

  /** `GET …/patient/payment`: the payment the patient is asked to make, if any. */
  patientPayment(teleconsultationId: string): Observable<PaymentSummary | null> {
    return this.http.get<{ payment: PaymentSummary | null }>(`${base(teleconsultationId, 'patient')}/payment`).pipe(map((body) => body.payment));
  }
}

function requiredBody<T>(body: T | null): T {
  if (body === null) throw new ApiError(200, 'EMPTY_RESPONSE', 'The server answered without a body');
  return body;
}

// ---------------------------------------------------------------------------------------------
// Amounts

/** The refusal codes shared with the server (connector/billing/amount.ts). */
export type AmountErrorCode = 'AMOUNT_INVALID' | 'AMOUNT_NOT_POSITIVE' | 'AMOUNT_TOO_PRECISE' | 'AMOUNT_TOO_LARGE';

/** A typed amount, checked before it is sent. */
export type TypedAmount = { readonly ok: true; readonly cents: number; readonly text: string } | { readonly ok: false; readonly code: AmountErrorCode };

/** The Intl locale of a UI language. */
export function localeOf(language: Language): string {
  return language === 'fr' ? 'fr-FR' : 'en-GB';
}

/** Decimals of a currency (2 for EUR, 0 for JPY). */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** `formatMoney(3050, 'EUR', 'fr')` → "30,50 €"; `'en'` → "€30.50". */
export function formatMoney(cents: number, currency: string, language: Language): string {
  const digits = currencyDigits(currency);
  try {
    return new Intl.NumberFormat(localeOf(language), { style: 'currency', currency }).format(cents / 10 ** digits);
  } catch {
    return `${(cents / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

/** The amount as a practitioner would type it in the UI language: 3050 → "30,50" (fr) or "30.50" (en). */
export function amountFieldText(cents: number, currency: string, language: Language): string {
  const digits = currencyDigits(currency);
  const text = (cents / 10 ** digits).toFixed(digits);
  return language === 'fr' ? text.replace('.', ',') : text;
}

// Spaces (also the narrow no-break space French formatting uses) and a currency sign the practitioner may type.
const IGNORED = /[\s\u00a0\u202f€$£]|EUR/gi;
const DECIMAL = /^([+-]?)(\d+)(?:[.,](\d*))?$|^([+-]?)[.,](\d+)$/;

/**
 * Checks a typed amount with the server's rules, so the practitioner sees a mistake at once:
 * "30", "30,5", "30,50", "30.50", "1 200", "30 €" are accepted; digits are read one by one
 * (no floating point). Returns the cents and the text to send (without spaces or currency
 * sign), which the server checks again.
 */
export function parseTypedAmount(input: string, currency: string, maxCents: number): TypedAmount {
  const text = input.replace(IGNORED, '');
  const match = DECIMAL.exec(text);
  if (!match) return { ok: false, code: 'AMOUNT_INVALID' };
  const sign = match[1] ?? match[4] ?? '';
  const whole = match[2] ?? '0';
  const fraction = match[3] ?? match[5] ?? '';
  const digits = currencyDigits(currency);
  const nonZero = /[1-9]/.test(whole + fraction);
  if (!nonZero) return { ok: false, code: 'AMOUNT_NOT_POSITIVE' };
  if (sign === '-') return { ok: false, code: 'AMOUNT_NOT_POSITIVE' };
  if (fraction.length > digits) return { ok: false, code: 'AMOUNT_TOO_PRECISE' };
  const cents = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  if (!Number.isSafeInteger(cents) || cents > maxCents) return { ok: false, code: 'AMOUNT_TOO_LARGE' };
  return { ok: true, cents, text: fraction ? `${whole}.${fraction}` : whole };
}

// ---------------------------------------------------------------------------------------------
// Live state

const RANK: Readonly<Record<PaymentSummary['status'], number>> = { creating: 0, requested: 1, failed: 2, expired: 2, paid: 3, refunded: 4, replaced: 5 };

/**
 * The request to show after an update (a live `payment` event or a GET answer), whatever the
 * order they arrive in: a replaced request gives way to its successor, an older request never
 * hides a newer one, and a request never goes back (e.g. `paid` then a late `requested`).
 * `null` (nothing on the server when a GET was answered) keeps what a live event already brought.
 */
export function nextPayment(current: PaymentSummary | null, incoming: PaymentSummary | null): PaymentSummary | null {
  if (!incoming) return current;
  if (!current) return incoming.status === 'replaced' ? null : incoming;
  if (incoming.id === current.id) {
    if (incoming.status === 'replaced') return null;
    return RANK[incoming.status] >= RANK[current.status] ? incoming : current;
  }
  if (incoming.status === 'replaced') return current;
  return incoming.requestedAt >= current.requestedAt ? incoming : current;
}

/** Translation key of a payment status ("Demandée", "Payée"…). */
export function paymentStatusKey(status: PaymentSummary['status']): TranslationKey {
  return `billing.status.${status}`;
}

/** True while the patient can still pay the request. */
export function isPayable(payment: PaymentSummary | null): boolean {
  return !!payment && !!payment.url && (payment.status === 'requested' || payment.status === 'creating');
}

// ---------------------------------------------------------------------------------------------
// Errors

const ERROR_KEYS: Readonly<Record<string, TranslationKey>> = {
  AMOUNT_INVALID: 'billing.error.AMOUNT_INVALID',
  AMOUNT_NOT_POSITIVE: 'billing.error.AMOUNT_NOT_POSITIVE',
  AMOUNT_TOO_PRECISE: 'billing.error.AMOUNT_TOO_PRECISE',
  AMOUNT_TOO_LARGE: 'billing.error.AMOUNT_TOO_LARGE',
  CURRENCY_UNSUPPORTED: 'billing.error.CURRENCY_UNSUPPORTED',
  TELECONSULTATION_CANCELLED: 'billing.error.TELECONSULTATION_CANCELLED',
  NO_OPEN_PAYMENT: 'billing.error.NO_OPEN_PAYMENT',
  RESEND_LIMIT: 'billing.error.RESEND_LIMIT',
};

/** A message to show: a translation key and its parameters. */
export interface BillingMessage {
  readonly key: TranslationKey;
  readonly params: TranslationParams;
}

/** The text to show for a failed billing call (or a refused typed amount), by code. */
export function billingErrorMessage(error: unknown, context: { maxText?: string } = {}): BillingMessage {
  const code = typeof error === 'string' ? error : error instanceof ApiError ? error.code : 'UNKNOWN';
  const status = error instanceof ApiError ? error.status : -1;
  const known = ERROR_KEYS[code];
  if (known) return { key: known, params: { max: context.maxText ?? '', code } };
  if (status === 0) return { key: 'error.network', params: {} };
  if (status === 401 || status === 403) return { key: 'error.unauthorized', params: {} };
  if (status >= 500) return { key: 'error.server', params: {} };
  return { key: 'error.unknown', params: { code } };
}

/** The currency's sign in the UI language ("€"), or its code when Intl has none. */
export function currencySymbol(currency: string, language: Language): string {
  try {
    return new Intl.NumberFormat(localeOf(language), { style: 'currency', currency }).formatToParts(0).find((part) => part.type === 'currency')?.value ?? currency;
  } catch {
    return currency;
  }
}

/**
 * Keeps a payment signal current from the live socket: applies `payment` events, and calls
 * `reload` after a reconnection (any `state` but the first), since events may have been
 * missed meanwhile. Unsubscribes with `destroyRef`.
 */
export function followLivePayment(socket: LiveSocket | null, payment: WritableSignal<PaymentSummary | null>, reload: () => void, destroyRef: DestroyRef): void {
  let connections = 0;
  const subscription = socket?.messages$.subscribe((message) => {
    if (message.type === 'payment') payment.update((current) => nextPayment(current, message.payment));
    else if (message.type === 'state' && connections++ > 0) reload();
  });
  destroyRef.onDestroy(() => subscription?.unsubscribe());
}
