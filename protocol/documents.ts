/**
 * Documents shared in a teleconsultation ("Partager un fichier") and the conversation they
 * appear in, as the connector serves them and both pages read them. No schema library here:
 * the pages import these paths without it (protocol/live.ts re-exports everything).
 */
import type { Role } from './live.ts';

/** A document exchanged in the consultation ("Partager un fichier"), as both pages list it. */
export interface DocumentSummary {
  id: string;
  /** The sanitised file name (no path, no control characters). */
  name: string;
  /** In bytes. */
  size: number;
  /** The content type, as sniffed from the content (it matched the declared type and extension). */
  contentType: string;
  /** Who shared it (the uploading session's role). */
  from: Role;
  /** When it was stored (ISO). */
  at: string;
}

/** What the connector accepts as a document, for the pages to say before uploading. */
export interface DocumentLimits {
  /** Per file, in bytes. */
  maxFileBytes: number;
  /** All documents of a consultation together, in bytes. */
  maxConsultationBytes: number;
  /** Accepted content types. */
  contentTypes: string[];
}

/** One entry of the conversation: a message or a document, in the order they were shared. */
export type ConversationEntry =
  | { kind: 'message'; id: string; from: Role; text: string; at: string }
  | { kind: 'document'; id: string; from: Role; at: string; document: DocumentSummary };

/** `GET /api/live/{teleconsultationId}/{role}/conversation`: the whole conversation, during and after the call. */
export interface ConversationResponse {
  entries: ConversationEntry[];
}

/** The session API of documents, relative to the site (the session cookie authorises them). */
export const documentPaths = {
  /** `GET` the list ({@link DocumentSummary}[] with the limits), `POST` one file (multipart, field `file`). */
  collection: (teleconsultationId: string, role: Role) => `/api/live/${teleconsultationId}/${role}/documents`,
  /** `GET`: a 303 to the document's short-lived signed download URL. */
  download: (teleconsultationId: string, role: Role, documentId: string) => `/api/live/${teleconsultationId}/${role}/documents/${documentId}/download`,
};

