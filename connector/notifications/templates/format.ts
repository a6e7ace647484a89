/**
 * Formatting for the templates: the language of a locale, dates and times in the
 * practitioner's zone (luxon, so daylight-saving changes are right), amounts, HTML escaping.
 */
import { DateTime } from 'luxon';
import type { Amount, Language } from './types.ts';
import { formatAmount as formatMinorUnits } from '#protocol/money';

/** 'fr…' → fr, 'en…' → en, anything else (or nothing) → fr. */
export function pickLanguage(locale: string | undefined | null): Language {
  const l = (locale ?? '').trim().toLowerCase();
  if (/^en([-_]|$)/.test(l)) return 'en';
  return 'fr';
}

const INTL_LOCALE: Readonly<Record<Language, string>> = { fr: 'fr-FR', en: 'en-GB' };

/** A moment as the patient reads it, in the practitioner's zone. */
export interface FormattedMoment {
  /** "dimanche 25 octobre 2026" / "Sunday 25 October 2026" */
  date: string;
  /** "dim. 25 oct." / "Sun 25 Oct" */
  dateShort: string;
  /** "10h30" / "10:30"; on the repeated hour of an autumn change, the offset follows ("02h30 (UTC+2)"). */
  time: string;
  /** "10h30 (heure de Paris)" / "10:30 (Paris time)"; "02h30 (heure de Paris, UTC+2)" on the repeated hour. */
  timeWithZone: string;
}

// Both are pure and asked again and again with the same arguments (a clinic's zone; the
// quarter hours appointments start at), and each costs several Intl calls: remembered.
const ZONES = new Map<string, boolean>();
const MOMENTS = new Map<string, FormattedMoment>();
const MOMENTS_KEPT = 5000;

/** True when `zone` is an IANA zone luxon (ICU) knows. */
export function isValidZone(zone: string): boolean {
  let valid = ZONES.get(zone);
  if (valid === undefined) {
    valid = DateTime.now().setZone(zone).isValid;
    if (ZONES.size < 1000) ZONES.set(zone, valid);
  }
  return valid;
}

/** Formats `at` in `zone` for `lang`. */
export function formatMoment(at: Date, zone: string, lang: Language): FormattedMoment {
  const key = `${at.getTime()} ${zone} ${lang}`;
  const known = MOMENTS.get(key);
  if (known) return { ...known };
  const formatted = formatMomentNow(at, zone, lang);
  // Oldest out first (a Map keeps insertion order).
  if (MOMENTS.size >= MOMENTS_KEPT) MOMENTS.delete(MOMENTS.keys().next().value!);
  MOMENTS.set(key, formatted);
  return { ...formatted };
}

function formatMomentNow(at: Date, zone: string, lang: Language): FormattedMoment {
  const dt = DateTime.fromJSDate(at, { zone }).setLocale(INTL_LOCALE[lang]);
  const clock = lang === 'fr' ? dt.toFormat("HH'h'mm") : dt.toFormat('HH:mm');
  // 02:30 happens twice on the night the clocks go back: say which one.
  const offset = dt.getPossibleOffsets().length > 1 ? `UTC${dt.toFormat('ZZ').replace(/:00$/, '').replace(/^([+-])0/, '$1')}` : undefined;
  const city = (zone.split('/').at(-1) ?? zone).replace(/_/g, ' ');
  const zoneName = zone === 'UTC' || zone === 'Etc/UTC' ? 'UTC' : lang === 'fr' ? `heure de ${city}` : `${city} time`;
  return {
    date: dt.toFormat('cccc d LLLL yyyy'),
    dateShort: dt.toFormat('ccc d LLL'),
    time: offset ? `${clock} (${offset})` : clock,
    timeWithZone: `${clock} (${offset ? `${zoneName}, ${offset}` : zoneName})`,
  };
}

/** "35,00 €" / "€35.00", from minor units; the currency's own number of decimals (0 for JPY). */
export function formatAmount(amount: Amount, lang: Language): string {
  return formatMinorUnits(amount.value, amount.currency, INTL_LOCALE[lang]);
}

/** One line of plain text: line breaks and control characters become a space, runs of spaces one space; no-break spaces stay. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/ {2,}/g, ' ').trim();
}
