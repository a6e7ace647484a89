/**
 * What a document is: its declared content type must be accepted, and agree with its
 * extension and with its content, sniffed from its first bytes by file-type. Plain text has
 * no signature: it is accepted only as `.txt`, valid UTF-8 without control characters other
 * than tab, CR and LF, checked as it streams.
 */
import { fileTypeFromBuffer } from 'file-type';
import type { DocumentType } from '../../config/schema.ts';
import { AppError } from '../errors.ts';
import { extensionOf } from './names.ts';

/** How many first bytes the sniffing reads (file-type's advice for its every format). */
export const SNIFF_BYTES = 4100;

/** The extensions each type may carry. */
const EXTENSIONS: Record<DocumentType, readonly string[]> = {
  'application/pdf': ['pdf'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/webp': ['webp'],
  'image/heic': ['heic'],
  'image/heif': ['heif'],
  'image/gif': ['gif'],
  'text/plain': ['txt'],
};

/** Other names browsers give these types. */
const ALIASES: Record<string, DocumentType> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg' };

function mismatch(): AppError {
  return new AppError('DOCUMENT_CONTENT_MISMATCH', "The file's content does not match its type or its extension.");
}

/**
 * The declared type of a part (`image/png; charset=…` → `image/png`) if it is accepted and
 * agrees with the name's extension: DOCUMENT_TYPE_REFUSED or DOCUMENT_CONTENT_MISMATCH otherwise.
 */
export function checkDeclaredType(declared: string, name: string, accepted: readonly DocumentType[]): DocumentType {
  const bare = declared.split(';')[0]!.trim().toLowerCase();
  const type = (ALIASES[bare] ?? bare) as DocumentType;
  if (!accepted.includes(type)) throw new AppError('DOCUMENT_TYPE_REFUSED', 'This type of file is not accepted.', { accepted });
  if (!EXTENSIONS[type].includes(extensionOf(name))) throw mismatch();
  return type;
}

/**
 * What the content may be sniffed as for a declared type: itself, and for HEIC/HEIF either
 * (one container; a phone's `.heic` may carry the generic `mif1` brand file-type calls HEIF).
 */
function sniffedAs(type: DocumentType): readonly string[] {
  return type === 'image/heic' || type === 'image/heif' ? ['image/heic', 'image/heif'] : [type];
}

/** Checks the first bytes of a file (at most {@link SNIFF_BYTES}) against its declared type. */
export async function checkSniffedType(head: Uint8Array, type: DocumentType): Promise<void> {
  const found = await fileTypeFromBuffer(head);
  if (type === 'text/plain' ? found !== undefined : !found || !sniffedAs(type).includes(found.mime)) throw mismatch();
}

// C0 controls but tab, LF and CR; DEL; C1 controls.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/**
 * A check of plain text as it streams: `push` each chunk, then `end`; either throws
 * DOCUMENT_CONTENT_MISMATCH on invalid UTF-8 or a control character.
 */
export function plainTextCheck(): { push(chunk: Uint8Array): void; end(): void } {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const check = (decode: () => string) => {
    let text: string;
    try {
      text = decode();
    } catch {
      throw mismatch();
    }
    if (CONTROL.test(text)) throw mismatch();
  };
  return {
    push: (chunk) => check(() => decoder.decode(chunk, { stream: true })),
    end: () => check(() => decoder.decode()),
  };
}
