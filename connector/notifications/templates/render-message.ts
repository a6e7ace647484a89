/**
 * `renderMessage`: one journey message, in the patient's language, as an HTML + text email
 * and an SMS of at most two segments.
 */
import { countSmsSegments, toGsm7 } from '../sms-segments.ts';
import type { CopyContext, LanguagePack, SmsParts } from './content.ts';
import { renderHtml, renderText } from './email-layout.ts';
import { en } from './en.ts';
import { formatAmount, formatMoment, isValidZone, oneLine, pickLanguage } from './format.ts';
import { fr } from './fr.ts';
import { ALWAYS_REQUIRED, MESSAGE_KINDS, REQUIRED_VARIABLES, TemplateError, type MessageKind, type MessageVars, type RenderedMessage } from './types.ts';

const PACKS: Readonly<Record<'fr' | 'en', LanguagePack>> = { fr, en };

/** The most segments an SMS of ours may cost. */
export const MAX_SMS_SEGMENTS = 2;

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'https:' || u.protocol === 'http:') && !/\s/.test(value);
  } catch {
    return false;
  }
}

/** Checks the variables a kind needs; throws a `TemplateError` naming the first missing or invalid one. */
function checkVars(kind: MessageKind, vars: MessageVars): void {
  for (const name of [...ALWAYS_REQUIRED, ...REQUIRED_VARIABLES[kind]]) {
    const v = vars[name];
    if (v === undefined || v === null || (typeof v === 'string' && name !== 'patientFirstName' && v.trim() === '')) {
      throw new TemplateError('TEMPLATE_VARIABLE_MISSING', kind, name, `Template '${kind}' needs the variable '${name}'`);
    }
  }
  const invalid = (name: string, why: string) => new TemplateError('TEMPLATE_VARIABLE_INVALID', kind, name, `Template '${kind}': variable '${name}' ${why}`);
  for (const name of ['startsAt', 'previousStartsAt'] as const) {
    const d = vars[name];
    if (d !== undefined && (!(d instanceof Date) || Number.isNaN(d.getTime()))) throw invalid(name, 'is not a valid date');
  }
  if (!isValidZone(vars.timezone)) throw invalid('timezone', 'is not an IANA time zone');
  for (const name of ['patientUrl', 'paymentUrl', 'documentsUrl'] as const) {
    const u = vars[name];
    if (u !== undefined && !isHttpUrl(u)) throw invalid(name, 'is not an http(s) URL');
  }
  if (vars.amount !== undefined) {
    const { value, currency } = vars.amount;
    if (!Number.isSafeInteger(value) || value < 0) throw invalid('amount', 'must be a whole number of cents, 0 or more');
    if (!/^[A-Z]{3}$/.test(currency)) throw invalid('amount', 'must have an ISO 4217 currency');
  }
}

/** Joins SMS parts: words go through `toGsm7`, links stay exactly as given. */
function smsText(parts: SmsParts): string {
  return parts.map((p) => (typeof p === 'string' ? toGsm7(p) : p.url)).join('');
}

/** The richest wording that fits in `MAX_SMS_SEGMENTS`, else the shortest one. */
function pickSms(variants: SmsParts[]): string {
  const texts = variants.map(smsText);
  return texts.find((t) => countSmsSegments(t).segments <= MAX_SMS_SEGMENTS) ?? texts.reduce((a, b) => (countSmsSegments(b).units < countSmsSegments(a).units ? b : a));
}

/**
 * Writes one journey message for a patient. `locale` is the patient's ('fr…' → French,
 * 'en…' → English, anything else → French); dates and times are shown in `vars.timezone`.
 * The email comes as HTML (every variable escaped) and plain text; the SMS is GSM-7 where
 * possible and, with names too long to fit, falls back to shorter wordings so that it stays
 * within 2 segments with its link intact.
 * Throws a `TemplateError`: `TEMPLATE_VARIABLE_MISSING` when a variable the kind needs is
 * absent (e.g. `payment_request` without `paymentUrl`), `TEMPLATE_VARIABLE_INVALID` for a
 * bad date, zone, URL or amount, `TEMPLATE_KIND_UNKNOWN` for an unknown kind.
 */
export function renderMessage(kind: MessageKind, vars: MessageVars, locale?: string | null): RenderedMessage {
  if (!(MESSAGE_KINDS as readonly string[]).includes(kind)) {
    throw new TemplateError('TEMPLATE_KIND_UNKNOWN', String(kind), undefined, `Unknown message kind '${String(kind)}'`);
  }
  checkVars(kind, vars);
  const lang = pickLanguage(locale);
  const pack = PACKS[lang];
  const clinic = vars.clinicName !== undefined && oneLine(vars.clinicName) !== '' ? oneLine(vars.clinicName) : undefined;
  const ctx: CopyContext = {
    firstName: oneLine(vars.patientFirstName),
    practitioner: oneLine(vars.practitionerName),
    clinic,
    at: formatMoment(vars.startsAt, vars.timezone, lang),
    previous: vars.previousStartsAt ? formatMoment(vars.previousStartsAt, vars.timezone, lang) : undefined,
    amount: vars.amount ? formatAmount(vars.amount, lang) : undefined,
    patientUrl: vars.patientUrl,
    paymentUrl: vars.paymentUrl,
    documentsUrl: vars.documentsUrl,
  };
  const copy = pack.kinds[kind](ctx);
  const sig = { firstName: ctx.firstName, sender: clinic ?? ctx.practitioner };
  return {
    email: { subject: oneLine(copy.subject), html: renderHtml(copy, pack.frame, sig), text: renderText(copy, pack.frame, sig) },
    sms: pickSms(copy.sms),
  };
}
