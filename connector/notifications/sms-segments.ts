/**
 * SMS length arithmetic: which encoding a text needs and how many segments it costs,
 * and a GSM-7 transliteration that keeps French readable without falling back to UCS-2.
 *
 * Reference: 3GPP TS 23.038 (GSM 03.38) default alphabet and its extension table; a
 * concatenated SMS carries 153 septets (GSM-7) or 67 UTF-16 units (UCS-2) per segment
 * because of the 6-byte user data header. Twilio documents the same numbers:
 * https://www.twilio.com/docs/glossary/what-sms-character-limit
 *
 * The npm package `sms-segments-calculator` (Twilio's own segment calculator) does the
 * counting too; this thin module keeps our API stable and adds `toGsm7` for French.
 */

/** The 128 characters of the GSM 03.38 default alphabet (one septet each). */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** The extension table: each costs two septets (escape + character). */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set(Array.from(GSM7_BASIC).filter((c) => c !== '\u001b'));
const EXTENSION = new Set(Array.from(GSM7_EXTENSION));

/** Replacements for common characters outside GSM-7, chosen to read naturally. */
const REPLACEMENTS: Readonly<Record<string, string>> = {
  // Quotes and apostrophes (word processors and Intl output)
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'", '\u00b4': "'", '`': "'",
  '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"', '\u00ab': '"', '\u00bb': '"',
  '\u2039': "'", '\u203a': "'",
  // Dashes and hyphens
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2015': '-', '\u2212': '-',
  // Ellipsis, bullets
  '\u2026': '...', '\u2022': '-', '\u00b7': '.',
  // Spaces (Intl puts U+202F before "€" and ":" in French)
  '\u00a0': ' ', '\u202f': ' ', '\u2007': ' ', '\u2009': ' ', '\u200a': ' ', '\u2002': ' ', '\u2003': ' ', '\t': ' ',
  // Invisible characters
  '\u200b': '', '\u200c': '', '\u200d': '', '\u2060': '', '\ufeff': '', '\u00ad': '',
  // Ligatures and letters without a decomposition
  'œ': 'oe', 'Œ': 'OE', 'ﬁ': 'fi', 'ﬂ': 'fl', 'ł': 'l', 'Ł': 'L', 'đ': 'd', 'Đ': 'D', 'ð': 'd', 'Ð': 'D', 'þ': 'th', 'Þ': 'TH',
  // GSM has Ç (capital) only; a lower-case c reads better than a capital in the middle of a word.
  'ç': 'c',
  // Symbols
  '\u2122': 'TM', '\u00a9': '(c)', '\u00ae': '(R)', '\u00b0': 'o', '\u2116': 'No',
};

/** The encoding an SMS needs. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** How an SMS body is billed. */
export interface SmsSegmentCount {
  encoding: SmsEncoding;
  /** Number of segments (parts) the message is split into; 0 for an empty text. */
  segments: number;
  /** Length in septets (GSM-7, extension characters counting two) or UTF-16 code units (UCS-2). */
  units: number;
  /** Capacity of one segment for this text: 160/153 (GSM-7) or 70/67 (UCS-2). */
  perSegment: number;
}

/** True when every character of `text` is in the GSM-7 default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  for (const c of text) if (!BASIC.has(c) && !EXTENSION.has(c)) return false;
  return true;
}

/** Septets a GSM-7 character costs. */
function septets(c: string): number {
  return EXTENSION.has(c) ? 2 : 1;
}

/**
 * Counts the segments of an SMS body the way carriers split it: a single part holds 160
 * septets (GSM-7) or 70 UTF-16 units (UCS-2); concatenated parts hold 153 or 67, and an
 * escape sequence or a surrogate pair is never split across two parts.
 */
export function countSmsSegments(text: string): SmsSegmentCount {
  const gsm = isGsm7(text);
  const chars = Array.from(text);
  const cost = gsm ? septets : (c: string) => c.length;
  const units = chars.reduce((n, c) => n + cost(c), 0);
  const single = gsm ? 160 : 70;
  const multi = gsm ? 153 : 67;
  const encoding: SmsEncoding = gsm ? 'GSM-7' : 'UCS-2';
  if (units === 0) return { encoding, segments: 0, units, perSegment: single };
  if (units <= single) return { encoding, segments: 1, units, perSegment: single };
  let segments = 1;
  let used = 0;
  for (const c of chars) {
    const n = cost(c);
    if (used + n > multi) {
      segments++;
      used = 0;
    }
    used += n;
  }
  return { encoding, segments, units, perSegment: multi };
}

/**
 * Replaces characters outside GSM-7 by their closest GSM-7 equivalents (typographic
 * quotes and dashes, non-breaking spaces, ê → e, ç → c, œ → oe, …) so a French text stays
 * in the 160-septet encoding. Characters with no reasonable equivalent (e.g. a name in
 * another script, an emoji) are kept: the message then goes as UCS-2 rather than lose them.
 */
export function toGsm7(text: string): string {
  let out = '';
  for (const c of text) {
    if (BASIC.has(c) || EXTENSION.has(c)) {
      out += c;
      continue;
    }
    const replacement = REPLACEMENTS[c];
    if (replacement !== undefined) {
      out += replacement;
      continue;
    }
    // Accented letters: drop the combining marks (ê → e, Â → A, ō → o) when what remains is GSM-7.
    const stripped = c.normalize('NFD').replace(/\p{M}+/gu, '');
    out += stripped.length > 0 && isGsm7(stripped) ? stripped : c;
  }
  return out;
}
