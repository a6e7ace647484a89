/**
 * Invoice amounts: what a practitioner types (major units, "30", "30.5", "30,50") or picks
 * (a preset in cents), turned into integer cents without floating-point arithmetic, and
 * back into text for messages. Every refusal carries a code the UI can translate.
 */

/** Why an amount was refused. */
export type AmountErrorCode =
  | 'AMOUNT_INVALID'
  | 'AMOUNT_NOT_POSITIVE'
  | 'AMOUNT_TOO_PRECISE'
  | 'AMOUNT_TOO_LARGE'
  | 'CURRENCY_UNSUPPORTED';

export type ParsedAmount =
  | { ok: true; cents: number; currency: string }
  | { ok: false; code: AmountErrorCode; message: string };

export interface ParseAmountOptions {
  /** Currency used when the input names none (ISO 4217, any case). */
  currency: string;
  /** Largest accepted amount, in minor units. */
  maxCents: number;
  /** Currencies the clinic accepts; defaults to `[currency]`. */
  allowedCurrencies?: string[];
}

const SPACES = /[\s\u00a0\u202f]/g;
// Digits, optionally one decimal separator (dot or French comma) followed by digits.
const DECIMAL = /^([+-]?)(\d+)(?:[.,](\d+))?$/;

/**
 * Number of minor-unit digits of an ISO 4217 currency (2 for EUR, 0 for JPY, 3 for BHD),
 * as the platform's Intl data knows it. Throws a RangeError for a malformed code.
 */
export function minorUnitDigits(currency: string): number {
  return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
}

function refuse(code: AmountErrorCode, message: string): ParsedAmount {
  return { ok: false, code, message };
}

function normaliseCurrency(raw: unknown, fallback: string, allowed: string[]): string | undefined {
  const code = raw === undefined ? fallback : raw;
  if (typeof code !== 'string' || !/^[A-Za-z]{3}$/.test(code.trim())) return undefined;
  const upper = code.trim().toUpperCase();
  return allowed.some((c) => c.toUpperCase() === upper) ? upper : undefined;
}

/** Turns a JS number into the decimal text it denotes, or undefined when it has none. */
function numberToDecimalText(n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  const text = String(n);
  if (!/e/i.test(text)) return text;
  // Exponent notation: only for |n| >= 1e21 or < 1e-6; toFixed(20) is exact enough to judge.
  return Math.abs(n) >= 1 ? BigInt(Math.trunc(n)).toString() : n.toFixed(20);
}

/**
 * Parses an amount sent by a client.
 *
 * Accepts `{ value, currency? }` where `value` is in major units, as a string ("30", "30.5",
 * "30,50", "1 234,50") or a number (30.5), or `{ cents, currency? }` with an integer of minor
 * units (a preset). Decimal text is converted digit by digit, so "0.30" is exactly 30 cents
 * and a number such as `0.1 + 0.2` (0.30000000000000004) is refused as too precise rather
 * than silently rounded. Checks, in order: shape, currency, syntax, sign, precision, maximum.
 */
export function parseAmount(input: unknown, opts: ParseAmountOptions): ParsedAmount {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return refuse('AMOUNT_INVALID', 'The amount must be an object with "value" (major units) or "cents".');
  }
  const body = input as { value?: unknown; cents?: unknown; currency?: unknown };
  const hasValue = 'value' in body && body.value !== undefined;
  const hasCents = 'cents' in body && body.cents !== undefined;
  if (hasValue === hasCents) {
    return refuse('AMOUNT_INVALID', 'Give exactly one of "value" (major units) or "cents".');
  }

  const currency = normaliseCurrency(body.currency, opts.currency, opts.allowedCurrencies ?? [opts.currency]);
  if (currency === undefined) {
    const accepted = (opts.allowedCurrencies ?? [opts.currency]).map((c) => c.toUpperCase()).join(', ');
    return refuse('CURRENCY_UNSUPPORTED', `The currency is not accepted here (accepted: ${accepted}).`);
  }
  const digits = minorUnitDigits(currency);
  const max = BigInt(Math.max(0, Math.trunc(opts.maxCents)));

  let cents: bigint;
  if (hasCents) {
    const raw = body.cents;
    if (typeof raw !== 'number' || !Number.isSafeInteger(raw)) {
      return refuse('AMOUNT_INVALID', '"cents" must be an integer number of minor units.');
    }
    cents = BigInt(raw);
  } else {
    const raw = body.value;
    const text = typeof raw === 'string' ? raw.replace(SPACES, '') : typeof raw === 'number' ? numberToDecimalText(raw) : undefined;
    const match = text === undefined ? null : DECIMAL.exec(text);
    if (!match) {
      return refuse('AMOUNT_INVALID', 'The amount must be a number such as 30, 30.50 or 30,50.');
    }
    const [, sign, whole = '0', fraction = ''] = match;
    const negative = sign === '-' && /[1-9]/.test(whole + fraction);
    if (negative) return refuse('AMOUNT_NOT_POSITIVE', 'The amount must be greater than zero.');
    if (fraction.length > digits) {
      if (!/[1-9]/.test(whole + fraction)) return refuse('AMOUNT_NOT_POSITIVE', 'The amount must be greater than zero.');
      return refuse('AMOUNT_TOO_PRECISE', `The amount can have at most ${digits} decimal${digits === 1 ? '' : 's'} in ${currency}.`);
    }
    cents = BigInt(whole) * 10n ** BigInt(digits) + BigInt(fraction.padEnd(digits, '0') || '0');
  }

  if (cents <= 0n) return refuse('AMOUNT_NOT_POSITIVE', 'The amount must be greater than zero.');
  if (cents > max) {
    return refuse('AMOUNT_TOO_LARGE', `The amount must be at most ${centsToDecimalText(max, digits)} ${currency}.`);
  }
  return { ok: true, cents: Number(cents), currency };
}

/** Minor units as plain decimal text in the currency's own decimals, e.g. `decimalAmount(3050, 'EUR')` → "30.50" (exports, never for people). */
export function decimalAmount(cents: number, currency: string): string {
  const sign = cents < 0 ? '-' : '';
  return sign + centsToDecimalText(BigInt(Math.abs(Math.trunc(cents))), minorUnitDigits(currency));
}

function centsToDecimalText(cents: bigint, digits: number): string {
  if (digits === 0) return cents.toString();
  const text = cents.toString().padStart(digits + 1, '0');
  return `${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/**
 * Formats minor units for people, e.g. `formatAmount(3050, 'EUR', 'fr-FR')` → "30,50 €".
 * Uses the currency's own number of decimals (JPY has none).
 */
export function formatAmount(cents: number, currency: string, locale = 'fr-FR'): string {
  const digits = minorUnitDigits(currency);
  return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(cents / 10 ** digits);
}
