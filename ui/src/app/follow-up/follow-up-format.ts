import type { TeleconsultationSummary } from '#protocol/live';
import { ApiError } from '../shared/api-error';
import { billingErrorMessage } from '../billing/billing-messages';
import type { BillingMessage } from '../billing/billing-messages';
import { localeOf } from '../i18n/i18n';
import type { Language, TranslationKey } from '../i18n/i18n';

/** Date and time of a teleconsultation in the practitioner's time zone ("15 juin 2026, 10:30"). */
export function formatStartsAt(iso: string, timeZone: string, language: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(date);
}

/** Translation key of a teleconsultation status. */
export function teleconsultationStatusKey(status: TeleconsultationSummary['status']): TranslationKey {
  return `billing.teleconsultation.${status}`;
}

/** Which part of the list a consultation falls in: today, upcoming or past (days of `timeZone`). */
export function whenOf(iso: string, now: Date, timeZone: string): 'today' | 'upcoming' | 'past' {
  const day = dayValue(new Date(iso), timeZone);
  const today = dayValue(now, timeZone);
  if (day === today) return 'today';
  return day > today ? 'upcoming' : 'past';
}

/** A day as `YYYY-MM-DD` in `timeZone` (a date field's value, and what the list's period counts in). */
export function dayValue(date: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: '2-digit', day: '2-digit', timeZone }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

const FOLLOW_UP_KEYS: Readonly<Record<string, TranslationKey>> = {
  FOLLOW_UP_SESSION_REQUIRED: 'followUp.error.session',
  RATE_LIMITED: 'followUp.error.rateLimited',
  PRACTITIONER_EMAIL_MISSING: 'followUp.error.noEmail',
  VALIDATION_FAILED: 'followUp.error.invalid',
};

/** The text to show for a failed follow-up call, by code (billing's codes as billing says them). */
export function followUpErrorMessage(error: unknown): BillingMessage {
  const code = error instanceof ApiError ? error.code : '';
  const known = FOLLOW_UP_KEYS[code];
  return known ? { key: known, params: {} } : billingErrorMessage(error);
}
