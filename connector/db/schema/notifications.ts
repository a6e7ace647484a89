/**
 * The journey's messages: one row per (teleconsultation, kind, channel, appointment
 * version, variant), planned in the transaction of the change that needs it, then moved
 * along by the sending job and the providers' delivery callbacks. Rows carry no message
 * body and no recipient: those are rebuilt from the teleconsultation when sending.
 */
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { teleconsultations } from './core.ts';

export type MessageChannel = 'email' | 'sms';

/**
 * Where a message stands:
 * - `planned`: waiting for its due time (or for a retry after a provider outage);
 * - `sending`: handed to the provider, answer not yet recorded (a crash here re-sends once);
 * - `sent`: the provider took it; `delivered`: it reached the phone or mailbox;
 * - `failed`, `bounced`: final, with `last_error_code`;
 * - `skipped`: never sent, with `skip_reason` (no usable contact, too late, no longer right);
 * - `cancelled`: dropped by a change (moved, cancelled) before it was due.
 */
export type MessageStatus = 'planned' | 'sending' | 'sent' | 'delivered' | 'failed' | 'bounced' | 'skipped' | 'cancelled';

/** Amounts and links a message carries beyond the teleconsultation itself (no patient data). */
export interface MessageExtraVars {
  previousStartsAt?: string;
  paymentUrl?: string;
  documentsUrl?: string;
  amount?: { value: number; currency: string };
}

export const messages = pgTable('messages', {
  id: uuid('id').primaryKey().defaultRandom(),
  clinicId: text('clinic_id').notNull(),
  teleconsultationId: uuid('teleconsultation_id').notNull().references(() => teleconsultations.id, { onDelete: 'cascade' }),
  kind: text('kind').notNull(),
  channel: text('channel').$type<MessageChannel>().notNull(),
  appointmentVersion: integer('appointment_version').notNull(),
  /** Tells apart messages of one kind and version: `r1440` for a reminder 24 h before, `fallback`. */
  variant: text('variant').notNull().default(''),
  dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
  status: text('status').$type<MessageStatus>().notNull(),
  skipReason: text('skip_reason'),
  provider: text('provider'),
  providerId: text('provider_id'),
  attempts: integer('attempts').notNull().default(0),
  lastErrorCode: text('last_error_code'),
  /** The failed SMS this email replaces. */
  fallbackOf: uuid('fallback_of'),
  vars: jsonb('vars').$type<MessageExtraVars>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  sentAt: timestamp('sent_at', { withTimezone: true }),
  deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex('messages_once').on(t.teleconsultationId, t.kind, t.channel, t.appointmentVersion, t.variant),
  index('messages_provider_id').on(t.providerId).where(sql`${t.providerId} is not null`),
  index('messages_due').on(t.dueAt).where(sql`${t.status} in ('planned', 'sending')`),
]);

/**
 * The dev outbox: what would have been sent when a channel has no provider configured.
 * Holds recipients and bodies, so it exists only for demos and development.
 */
export const outbox = pgTable('outbox', {
  id: uuid('id').primaryKey().defaultRandom(),
  messageId: uuid('message_id').notNull(),
  channel: text('channel').$type<MessageChannel>().notNull(),
  recipient: text('recipient').notNull(),
  subject: text('subject'),
  text: text('text').notNull(),
  html: text('html'),
  links: jsonb('links').$type<string[]>().notNull().default([]),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('outbox_created').on(t.createdAt)]);
