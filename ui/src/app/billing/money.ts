/**
 * Amounts in the UI: the contract's rules (`#protocol/money`, the same the server applies)
 * with what only a screen needs on top: the UI language's locale, a currency sign the
 * practitioner may type, and the text of the amount field.
 */
import { formatAmount, minorUnitDigits, parseAmount } from '#protocol/money';
import type { AmountErrorCode } from '#protocol/money';
import { localeOf } from '../i18n/i18n';
import type { Language } from '../i18n/i18n';

export type { AmountErrorCode } from '#protocol/money';

/** A typed amount, checked before it is sent: its cents and the text to send, or the refusal code. */
export type TypedAmount = { readonly ok: true; readonly cents: number; readonly text: string } | { readonly ok: false; readonly code: AmountErrorCode };

/** Decimals of a currency (2 for EUR, 0 for JPY); 2 for a code Intl does not know. */
export function currencyDigits(currency: string): number {
  try {
    return minorUnitDigits(currency);
  } catch {
    return 2;
  }
}

/** `formatMoney(3050, 'EUR', 'fr')` → "30,50 €"; `'en'` → "€30.50". */
export function formatMoney(cents: number, currency: string, language: Language): string {
  try {
    return formatAmount(cents, currency, localeOf(language));
  } catch {
    const digits = currencyDigits(currency);
    return `${(cents / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

/** The amount as a practitioner would type it in the UI language: 3050 → "30,50" (fr) or "30.50" (en). */
export function amountFieldText(cents: number, currency: string, language: Language): string {
  const digits = currencyDigits(currency);
  const text = (cents / 10 ** digits).toFixed(digits);
  return language === 'fr' ? text.replace('.', ',') : text;
}

/** The currency's sign in the UI language ("€"), or its code when Intl has none. */
export function currencySymbol(currency: string, language: Language): string {
  try {
    return new Intl.NumberFormat(localeOf(language), { style: 'currency', currency }).formatToParts(0).find((part) => part.type === 'currency')?.value ?? currency;
  } catch {
    return currency;
  }
}

// Spaces (also the narrow no-break space French formatting uses) and a currency sign the practitioner may type.
const IGNORED = /[\s\u00a0\u202f€$£]|EUR/gi;

/**
 * Checks a typed amount with the server's rules (`parseAmount` of `#protocol/money`), so the
 * practitioner sees a mistake at once: "30", "30,5", "30,50", "30.50", "1 200", "30 €" are
 * accepted. Returns the cents and the text to send (without spaces or currency sign, decimal
 * dot), which the server checks again.
 */
export function parseTypedAmount(input: string, currency: string, maxCents: number): TypedAmount {
  const text = input
    .replace(IGNORED, '')
    // A separator with nothing on one side ("30,", ",5") is still read as the practitioner meant it.
    .replace(/(\d)[.,]$/, '$1')
    .replace(/^([+-]?)[.,](?=\d)/, '$10.');
  const parsed = parseAmount({ value: text, currency }, { currency, maxCents });
  if (!parsed.ok) return { ok: false, code: parsed.code };
  return { ok: true, cents: parsed.cents, text: text.replace(',', '.').replace(/^\+/, '') };
}
