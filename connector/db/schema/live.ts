/**
 * The live side of a teleconsultation: sessions exchanged for links, who is present in the
 * waiting room and the call (shared by every instance), and the chat both sides consult.
 */
import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { accessLinks, teleconsultations, type LinkRole } from './core.ts';

/**
 * A participant's session, made when a link is opened. The cookie carries 128 random bits;
 * only their SHA-256 hash is stored, so a database dump yields no working session.
 */
export const sessions = pgTable('sessions', {
  idHash: text('id_hash').primaryKey(),
  teleconsultationId: uuid('teleconsultation_id').notNull().references(() => teleconsultations.id, { onDelete: 'cascade' }),
  clinicId: text('clinic_id').notNull(),
  role: text('role').$type<LinkRole>().notNull(),
  linkId: text('link_id').notNull().references(() => accessLinks.id, { onDelete: 'cascade' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  /** The link's expiry when the session was made (the link's current expiry is what is checked). */
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
}, (t) => [
  index('sessions_teleconsultation').on(t.teleconsultationId),
  index('sessions_link').on(t.linkId),
]);

/** Where the patient stands in the waiting room (the practitioner's row keeps `absent`). */
export type ParticipantState = 'absent' | 'waiting' | 'admitted' | 'denied';

/**
 * Presence of each participant of a teleconsultation, in the database so that it survives
 * a reload and is the same on every instance. One live connection per participant:
 * `connectionId` is the newest one (another tab takes over), refreshed by `lastSeenAt`.
 */
export const participants = pgTable('participants', {
  teleconsultationId: uuid('teleconsultation_id').notNull().references(() => teleconsultations.id, { onDelete: 'cascade' }),
  role: text('role').$type<LinkRole>().notNull(),
  state: text('state').$type<ParticipantState>().notNull().default('absent'),
  connectionId: text('connection_id'),
  connectedAt: timestamp('connected_at', { withTimezone: true }),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
  leftAt: timestamp('left_at', { withTimezone: true }),
  knockedAt: timestamp('knocked_at', { withTimezone: true }),
  admittedAt: timestamp('admitted_at', { withTimezone: true }),
  deniedAt: timestamp('denied_at', { withTimezone: true }),
  /** The patient's row: the practitioner's message with "Refuser" (purged with the rest of the row). */
  deniedMessage: text('denied_message'),
  /** The practitioner's row: the announced delay ("retard 10 min") and when it was announced. */
  delayMinutes: integer('delay_minutes'),
  delayedAt: timestamp('delayed_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  primaryKey({ columns: [t.teleconsultationId, t.role] }),
  index('participants_connection').on(t.connectionId),
]);

/** Chat messages of a teleconsultation; the sender is the session's role, never the client's word. */
export const chatMessages = pgTable('chat_messages', {
  id: uuid('id').primaryKey().defaultRandom(),
  teleconsultationId: uuid('teleconsultation_id').notNull().references(() => teleconsultations.id, { onDelete: 'cascade' }),
  sender: text('sender').$type<LinkRole>().notNull(),
  text: text('text').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('chat_messages_teleconsultation').on(t.teleconsultationId, t.createdAt)]);
