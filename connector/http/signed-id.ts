/**
 * Ids that travel in URLs with a MAC: `{id}.{mac}`, where `mac` is the first 128 bits of
 * HMAC-SHA256 under LINK_SECRET over a purpose and the id. The id alone (from a database
 * dump, say) opens nothing; a MAC made for one purpose is worthless for another; checks run
 * in constant time. `macOf` / `macMatches` sign any text the same way (a download link signs
 * its ids and its expiry).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;
const MAC_TEXT = /^[A-Za-z0-9_-]{22}$/;

/** What a signed id is for; part of the MAC, so the purposes cannot be swapped. */
export type SignedIdPurpose = 'access-link:v1' | 'payment-link:v1' | 'document-link:v1' | 'sign-in-link:v1';

/** The MAC of `text` for a purpose, base64url (22 characters). */
export function macOf(secret: string, purpose: SignedIdPurpose, text: string): string {
  return createHmac('sha256', secret).update(`${purpose}:${text}`).digest().subarray(0, MAC_BYTES).toString('base64url');
}

/** Whether `given` is the MAC of `text` for this purpose (constant time). */
export function macMatches(secret: string, purpose: SignedIdPurpose, text: string, given: string): boolean {
  if (!MAC_TEXT.test(given)) return false;
  // Compared as text: base64url's last character carries spare bits, so two texts can
  // decode to the same bytes; only the canonical one is ours.
  const actual = Buffer.from(given);
  const expected = Buffer.from(macOf(secret, purpose, text));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** `{id}.{mac}` for a URL. */
export function signId(secret: string, purpose: SignedIdPurpose, id: string): string {
  return `${id}.${macOf(secret, purpose, id)}`;
}

/**
 * The id inside a signed token, or null when the token was not signed with our secret for
 * this purpose, or its id does not have the expected shape.
 */
export function verifySignedId(secret: string, purpose: SignedIdPurpose, token: string, idShape: RegExp): string | null {
  const dot = token.lastIndexOf('.');
  if (dot <= 0) return null;
  const id = token.slice(0, dot);
  const given = token.slice(dot + 1);
  if (!idShape.test(id)) return null;
  return macMatches(secret, purpose, id, given) ? id : null;
}
