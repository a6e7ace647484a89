/**
 * What the participants share in a consultation besides words: documents ("Partager un
 * fichier") and the drawing ("Dessiner"). Both are patient data, kept for the clinic's
 * retention period and purged with the teleconsultation's other data.
 */
import { sql } from 'drizzle-orm';
import { bigint, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { DrawingSurface, DrawOperation } from '#protocol/live';
import { teleconsultations, type LinkRole } from './core.ts';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

/** Where a document's bytes are: in `document_chunks`, or in S3-compatible object storage under `storage_key`. */
export type DocumentStorageKind = 'database' | 's3';

/**
 * A document shared into a consultation. The row is written only once its bytes are stored
 * in full and checked, in the same transaction as the quota check: there is no half-stored
 * document to see.
 */
export const documents = pgTable('documents', {
  id: uuid('id').primaryKey().defaultRandom(),
  teleconsultationId: uuid('teleconsultation_id').notNull().references(() => teleconsultations.id, { onDelete: 'cascade' }),
  /** The uploading session's role. */
  sender: text('sender').$type<LinkRole>().notNull(),
  /** Sanitised file name. */
  name: text('name').notNull(),
  /** Sniffed from the content. */
  contentType: text('content_type').notNull(),
  sizeBytes: integer('size_bytes').notNull(),
  /** SHA-256 of the content, hex. */
  sha256: text('sha256').notNull(),
  storage: text('storage').$type<DocumentStorageKind>().notNull(),
  /** The object's key in its storage (for `database`, the document's id). */
  storageKey: text('storage_key').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('documents_teleconsultation').on(t.teleconsultationId, t.createdAt)]);

/**
 * The bytes of documents kept in the database (the default storage), in chunks, so that an
 * upload is written and a download read without holding a whole file in memory. Keyed by
 * the storage key, not a foreign key: the bytes are written before their document row.
 */
export const documentChunks = pgTable('document_chunks', {
  storageKey: text('storage_key').notNull(),
  seq: integer('seq').notNull(),
  data: bytea('data').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.storageKey, t.seq] })]);

/** The drawing layer of a consultation: where it is shown, and how many operations it keeps. */
export const drawings = pgTable('drawings', {
  teleconsultationId: uuid('teleconsultation_id').primaryKey().references(() => teleconsultations.id, { onDelete: 'cascade' }),
  surface: text('surface').$type<DrawingSurface>().notNull().default('off'),
  operations: integer('operations').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The drawing's operations since the last "effacer tout", replayed in `seq` order. */
export const drawingOperations = pgTable('drawing_operations', {
  seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
  teleconsultationId: uuid('teleconsultation_id').notNull().references(() => teleconsultations.id, { onDelete: 'cascade' }),
  sender: text('sender').$type<LinkRole>().notNull(),
  operation: jsonb('operation').$type<Exclude<DrawOperation, { action: 'board' | 'clear' }>>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
}, (t) => [index('drawing_operations_teleconsultation').on(t.teleconsultationId, t.seq)]);
