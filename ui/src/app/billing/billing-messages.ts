import { ApiError } from '../shared/api-error';
import type { TranslationKey, TranslationParams } from '../i18n/i18n';

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
