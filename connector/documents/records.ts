/** The `documents` rows of a consultation, as the pages see them. */
import { and, asc, eq, sql } from 'drizzle-orm';
import type { DocumentSummary } from '#protocol/live';
import type { Queryable } from '../db/client.ts';
import { documents } from '../db/schema/index.ts';

export type DocumentRow = typeof documents.$inferSelect;

/** A row as both pages list it. */
export function documentSummary(row: DocumentRow): DocumentSummary {
  return { id: row.id, name: row.name, size: row.sizeBytes, contentType: row.contentType, from: row.sender, at: row.createdAt.toISOString() };
}

/** The documents of a consultation, oldest first. */
export async function documentsOf(q: Queryable, teleconsultationId: string): Promise<DocumentRow[]> {
  return q.select().from(documents).where(eq(documents.teleconsultationId, teleconsultationId)).orderBy(asc(documents.createdAt), asc(documents.id));
}

/** One document, if it belongs to this consultation. */
export async function documentOf(q: Queryable, teleconsultationId: string, documentId: string): Promise<DocumentRow | undefined> {
  const [row] = await q.select().from(documents).where(and(eq(documents.teleconsultationId, teleconsultationId), eq(documents.id, documentId)));
  return row;
}

/** The bytes a consultation's documents hold together. */
export async function storedBytesOf(q: Queryable, teleconsultationId: string): Promise<number> {
  const [row] = await q.select({ total: sql<string | number | null>`sum(${documents.sizeBytes})` }).from(documents).where(eq(documents.teleconsultationId, teleconsultationId));
  return Number(row?.total ?? 0);
}

/** Whether a consultation has any document. */
export async function hasDocuments(q: Queryable, teleconsultationId: string): Promise<boolean> {
  const rows = await q.select({ id: documents.id }).from(documents).where(eq(documents.teleconsultationId, teleconsultationId)).limit(1);
  return rows.length > 0;
}
