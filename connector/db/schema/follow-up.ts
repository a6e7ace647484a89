/**
 * The practitioner's follow-up ("Suivi et paiement"): sign-in links sent to the
 * practitioner's email known from the agenda, and the sessions they open on a device. A
 * practitioner is known by the agenda's ids (clinic, practitioner), as in every
 * teleconsultation row. Link and session ids are 128 random bits of which only the SHA-256
 * hash is stored, so a database dump yields neither.
 */
import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** A sign-in link: opens follow-up sessions until it expires (minutes), or is revoked. */
export const signInLinks = pgTable('sign_in_links', {
  idHash: text('id_hash').primaryKey(),
  clinicId: text('clinic_id').notNull(),
  practitionerId: text('practitioner_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  /** When it first opened a session (a link reused past its lifetime opens nothing). */
  usedAt: timestamp('used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
}, (t) => [index('sign_in_links_practitioner').on(t.clinicId, t.practitionerId, t.createdAt)]);

/** A practitioner's follow-up session on one device (HttpOnly signed cookie), of limited lifetime. */
export const followUpSessions = pgTable('follow_up_sessions', {
  idHash: text('id_hash').primaryKey(),
  clinicId: text('clinic_id').notNull(),
  practitionerId: text('practitioner_id').notNull(),
  signInLinkHash: text('sign_in_link_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
}, (t) => [index('follow_up_sessions_practitioner').on(t.clinicId, t.practitionerId)]);
