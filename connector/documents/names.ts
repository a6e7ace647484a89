/**
 * File names of documents: checked as they arrive (a name with a path, `..`, control or
 * direction-changing characters is refused, never quietly renamed) and given back in an
 * RFC 6266 Content-Disposition (an ASCII fallback and the exact UTF-8 name).
 */
import { AppError } from '../errors.ts';

/** The longest name accepted, in characters. */
export const MAX_NAME_LENGTH = 200;

// Control characters, and the marks that reorder text (they make "facture‮fdp.exe" read as a PDF).
const FORBIDDEN = /[\p{Cc}\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/** The name as it will be kept (NFC), or DOCUMENT_NAME_INVALID saying why not. */
export function checkDocumentName(raw: string | undefined): string {
  const invalid = (why: string) => new AppError('DOCUMENT_NAME_INVALID', `The file name ${why}.`, { maxLength: MAX_NAME_LENGTH });
  const name = (raw ?? '').normalize('NFC');
  if (name.trim() === '') throw invalid('is empty');
  if ([...name].length > MAX_NAME_LENGTH) throw invalid(`is longer than ${MAX_NAME_LENGTH} characters`);
  if (/[/\\]/.test(name) || name.trim() === '.' || name.trim() === '..') throw invalid('holds a path');
  if (FORBIDDEN.test(name)) throw invalid('holds control characters');
  return name;
}

/** The extension of a name, lower case, without its dot ('' when it has none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot + 1).toLowerCase();
}

/** RFC 5987 `attr-char`s stay; everything else is percent-encoded from UTF-8. */
function encodeExtValue(name: string): string {
  return encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `attachment; filename="…"; filename*=UTF-8''…` for a document name (RFC 6266). */
export function attachmentDisposition(name: string): string {
  const ascii = name.normalize('NFD').replace(/\p{M}/gu, '').replace(/[^\x20-\x7e]|["\\%]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeExtValue(name)}`;
}
