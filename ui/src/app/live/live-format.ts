import { localeOf } from '../i18n/i18n';
import type { Language } from '../i18n/i18n';

/** A date and time in the practice's time zone, in the UI language (e.g. "lundi 15 juin 2026 à 10:30"). */
export function formatAppointment(iso: string, timeZone: string, language: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'full', timeStyle: 'short', timeZone }).format(date);
}

/** A time of day in the practice's time zone ("10:32"). */
export function formatTime(iso: string, timeZone: string, language: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(localeOf(language), { timeStyle: 'short', timeZone }).format(date);
}
