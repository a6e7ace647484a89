/**
 * Short-lived download links of documents: `/documents/{teleconsultationId}/{documentId}
 * ?expires={unix seconds}&sig={mac}`, the MAC under LINK_SECRET covering both ids and the
 * expiry (connector/http/signed-id.ts). A link opens one document of one consultation until
 * it expires, and only with a session of that consultation (checked by the route).
 */
import { macMatches, macOf } from '../http/signed-id.ts';

const PURPOSE = 'document-link:v1';
const EXPIRES = /^\d{1,12}$/;

/** Where the bytes of a document are served (the route's path, before its query). */
export function documentBytesPath(teleconsultationId: string, documentId: string): string {
  return `/documents/${teleconsultationId}/${documentId}`;
}

/** A signed link to a document's bytes, valid until `expiresAt` (to the second). */
export function signedDocumentLink(secret: string, teleconsultationId: string, documentId: string, expiresAt: Date): string {
  const expires = String(Math.floor(expiresAt.getTime() / 1000));
  const sig = macOf(secret, PURPOSE, `${teleconsultationId}:${documentId}:${expires}`);
  return `${documentBytesPath(teleconsultationId, documentId)}?expires=${expires}&sig=${sig}`;
}

/** What a link's query says: ours and current, not ours (or changed), or ours but expired. */
export type DocumentLinkCheck = 'valid' | 'invalid' | 'expired';

/** Checks a link's ids, expiry and MAC; the expiry is told only for a link we made. */
export function checkDocumentLink(secret: string, input: { teleconsultationId: string; documentId: string; expires: string | undefined; sig: string | undefined }, now: Date): DocumentLinkCheck {
  const { teleconsultationId, documentId, expires, sig } = input;
  if (expires === undefined || sig === undefined || !EXPIRES.test(expires)) return 'invalid';
  if (!macMatches(secret, PURPOSE, `${teleconsultationId}:${documentId}:${expires}`, sig)) return 'invalid';
  return Number(expires) * 1000 <= now.getTime() ? 'expired' : 'valid';
}
