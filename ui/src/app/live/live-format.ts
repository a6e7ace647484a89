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

/** A file size in the UI language ("1,2 Mo", "1.2 MB", "820 ko"). */
export function formatSize(bytes: number, language: Language): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return new Intl.NumberFormat(localeOf(language), { style: 'unit', unit: units[unit], unitDisplay: 'short', maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0 }).format(value);
}

/** A short name of a content type, for people ("PDF", "JPEG", "texte"…). */
export function contentTypeLabel(contentType: string): string {
  const known: Record<string, string> = {
    'application/pdf': 'PDF', 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'image/webp': 'WebP', 'image/heic': 'HEIC', 'text/plain': 'TXT',
  };
  return known[contentType] ?? contentType;
}

/** A call's length in whole minutes, at least one ("12 minutes", "1 minute"). */
export function formatDuration(ms: number, language: Language): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  return new Intl.NumberFormat(localeOf(language), { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(minutes);
}

/** An exact length for the follow-up's table ("12 min 05 s", "1 h 02 min"); "—" while unknown. */
export function formatElapsed(seconds: number | null): string {
  if (seconds === null) return '—';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s).padStart(2, '0')} s`;
}
