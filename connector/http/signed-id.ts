/**
 * Ids that travel in URLs with a MAC: `{id}.{mac}`, where `mac` is the first 128 bits of
 * HMAC-SHA256 under LINK_SECRET over a purpose and the id. The id alone (from a database
 * dump, say) opens nothing; a MAC made for one purpose is worthless for another; checks run
 * in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 16;
const MAC_TEXT = /^[A-Za-z0-9_-]{22}$/;

/** What a signed id is for; part of the MAC, so the purposes cannot be swapped. */
export type SignedIdPurpose = 'access-link:v1' | 'payment-link:v1';

function mac(secret: string, purpose: SignedIdPurpose, id: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}:${id}`).digest().subarray(0, MAC_BYTES);
}

/** `{id}.{mac}` for a URL. */
export function signId(secret: string, purpose: SignedIdPurpose, id: string): string {
  return `${id}.${mac(secret, purpose, id).toString('base64url')}`;
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
  if (!idShape.test(id) || !MAC_TEXT.test(given)) return null;
  // Compared as text: base64url's last character carries spare bits, so two texts can
  // decode to the same bytes; only the canonical one is ours.
  const actual = Buffer.from(given);
  const expected = Buffer.from(mac(secret, purpose, id).toString('base64url'));
  return actual.length === expected.length && timingSafeEqual(actual, expected) ? id : null;
}
