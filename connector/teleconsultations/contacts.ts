/**
 * Judges the patient's contact details. A bad phone number or email never refuses the
 * appointment: the channel is marked unusable and the reason is kept.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type ContactCheck = { value: string; problem: null } | { value: null; problem: string };

/** A mobile number in E.164, able to receive SMS. */
export function checkMobile(input: string | null): ContactCheck {
  if (input === null || input.trim() === '') return { value: null, problem: 'missing' };
  const phone = parsePhoneNumberFromString(input.trim());
  if (!phone || !phone.isValid()) return { value: null, problem: 'invalid_number' };
  const type = phone.getType();
  // Unknown type is accepted: numbering plans lag behind operators.
  if (type !== undefined && type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE') return { value: null, problem: 'not_mobile' };
  return { value: phone.number, problem: null };
}

// The WHATWG HTML "valid email address" production: what browsers and most senders accept.
const EMAIL = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

/** An email address able to receive mail (syntax only; delivery tracking tells the rest). */
export function checkEmail(input: string | null): ContactCheck {
  if (input === null || input.trim() === '') return { value: null, problem: 'missing' };
  const email = input.trim();
  if (email.length > 254 || !EMAIL.test(email)) return { value: null, problem: 'invalid_email' };
  const [local, domain] = email.split('@') as [string, string];
  return { value: `${local}@${domain.toLowerCase()}`, problem: null };
}
