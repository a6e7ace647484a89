/**
 * The database schema, the truth of the service. One schema for PostgreSQL and embedded
 * PGlite; migrations are generated from this file by `npm run db:generate` and committed.
 */
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { ClinicSettings } from '../../../config/schema.ts';
import type { EndedBy } from '#protocol/live';

export type { EndedBy };

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** A clinic of the host agenda; settings override the configured defaults key by key. */
export const clinics = pgTable('clinics', {
  id: text('id').primaryKey(),
  name: text('name'),
  settings: jsonb('settings').$type<Partial<ClinicSettings>>().notNull().default({}),
  createdAt: createdAt(),
});

/**
 * The last state we know of every appointment, teleconsultation or not, without patient
 * data: it is what makes the highest version win whatever the delivery order.
 */
export const appointments = pgTable('appointments', {
  clinicId: text('clinic_id').notNull(),
  appointmentId: text('appointment_id').notNull(),
  version: integer('version').notNull(),
  status: text('status').notNull(),
  teleconsultation: boolean('teleconsultation').notNull(),
  deleted: boolean('deleted').notNull().default(false),
  agendaUpdatedAt: timestamp('agenda_updated_at', { withTimezone: true }),
  seenAt: timestamp('seen_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.clinicId, t.appointmentId] })]);

export type TeleconsultationStatus = 'scheduled' | 'waiting' | 'in_progress' | 'ended' | 'cancelled';

export interface PractitionerInfo { id: string; name: string; email: string; timezone: string; locale: string }
export interface PatientInfo { id: string; firstName: string; lastName: string; locale: string }

/**
 * Who did something, as the audit trail keeps it: never a name, a contact or a secret. A
 * session is named by the first characters of its stored hash, a key by its id.
 */
export type Actor =
  | { kind: 'practitioner' | 'patient'; session: string }
  | { kind: 'integrator'; apiKey: string }
  | { kind: 'webhook'; source: 'agenda' | 'stripe' | 'jitsi'; delivery?: string }
  | { kind: 'operator'; via: 'command' | 'page' }
  | { kind: 'system'; process: 'reconcile' | 'retention' | 'sandbox' | 'live' | 'unrecorded' };

/** A teleconsultation: an appointment whose reason is flagged as video. */
export const teleconsultations = pgTable('teleconsultations', {
  id: uuid('id').primaryKey().defaultRandom(),
  clinicId: text('clinic_id').notNull(),
  appointmentId: text('appointment_id').notNull(),
  appointmentVersion: integer('appointment_version').notNull(),
  status: text('status').$type<TeleconsultationStatus>().notNull(),
  startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
  durationMinutes: integer('duration_minutes').notNull(),
  reasonId: text('reason_id').notNull(),
  reasonLabel: text('reason_label').notNull(),
  practitioner: jsonb('practitioner').$type<PractitionerInfo>().notNull(),
  patient: jsonb('patient').$type<PatientInfo>().notNull(),
  /** Normalised email, or null when missing or unusable (see emailProblem). */
  patientEmail: text('patient_email'),
  emailProblem: text('email_problem'),
  /** E.164 mobile, or null when missing or unusable (see smsProblem). */
  patientMobile: text('patient_mobile'),
  smsProblem: text('sms_problem'),
  bookedOnline: boolean('booked_online').notNull(),
  roomName: text('room_name').notNull(),
  /** Bumped on every change that the agenda should see; the write-back sends the latest. */
  revision: integer('revision').notNull().default(1),
  /** The revision last acknowledged by the agenda (204 to our PUT). */
  agendaRevision: integer('agenda_revision').notNull().default(0),
  cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
  startedAt: timestamp('started_at', { withTimezone: true }),
  endedAt: timestamp('ended_at', { withTimezone: true }),
  /** Who ended it (a participant's red phone, the agenda, the conference server…); null until ended. */
  endedBy: text('ended_by').$type<EndedBy>(),
  /** When the retention period removed the patient's data (contacts, chat, messages, links). */
  purgedAt: timestamp('purged_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  index('teleconsultations_retention').on(t.startsAt).where(sql`${t.purgedAt} is null`),
  uniqueIndex('teleconsultations_appointment').on(t.clinicId, t.appointmentId),
  uniqueIndex('teleconsultations_room').on(t.roomName),
  index('teleconsultations_clinic_starts').on(t.clinicId, t.startsAt),
  // The follow-up: a practitioner's consultations, and a practitioner found by their email.
  index('teleconsultations_practitioner_starts').on(t.clinicId, sql`(${t.practitioner}->>'id')`, t.startsAt),
  index('teleconsultations_practitioner_email').on(sql`lower(${t.practitioner}->>'email')`),
  index('teleconsultations_writeback_pending').on(t.id).where(sql`${t.revision} > ${t.agendaRevision}`),
]);

export type LinkRole = 'patient' | 'practitioner';

/**
 * Access links. The URL carries the id and an HMAC of it under LINK_SECRET, so a database
 * dump alone does not let anyone build a working link; revoking sets `revokedAt`.
 */
export const accessLinks = pgTable('access_links', {
  id: text('id').primaryKey(),
  clinicId: text('clinic_id').notNull(),
  teleconsultationId: uuid('teleconsultation_id').notNull().references(() => teleconsultations.id, { onDelete: 'cascade' }),
  role: text('role').$type<LinkRole>().notNull(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  createdAt: createdAt(),
}, (t) => [index('access_links_teleconsultation').on(t.teleconsultationId, t.role)]);

/** Deliveries already taken from each webhook source, by their delivery id. */
export const webhookReceipts = pgTable('webhook_receipts', {
  source: text('source').notNull(),
  deliveryId: text('delivery_id').notNull(),
  eventType: text('event_type').notNull(),
  receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.source, t.deliveryId] })]);

/** Small durable key/value state (e.g. the reconciliation watermark). */
export const syncState = pgTable('sync_state', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Integrator API keys, stored as SHA-256 hashes, each scoped to one clinic. */
export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  clinicId: text('clinic_id').notNull(),
  keyHash: text('key_hash').notNull(),
  label: text('label').notNull(),
  createdAt: createdAt(),
  /** Past this the key is refused; null: until revoked. */
  expiresAt: timestamp('expires_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
}, (t) => [uniqueIndex('api_keys_hash').on(t.keyHash)]);

/**
 * What changed in a clinic's set-up (integrator keys, practitioners' payment accounts), who
 * changed it and when; no patient data.
 */
export const clinicAudit = pgTable('clinic_audit', {
  id: uuid('id').primaryKey().defaultRandom(),
  clinicId: text('clinic_id').notNull(),
  action: text('action').notNull(),
  /** What was changed: a key id, a practitioner id. */
  subject: text('subject').notNull(),
  actor: jsonb('actor').$type<Actor>().notNull(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('clinic_audit_clinic_at').on(t.clinicId, t.at)]);

/** What happened to each teleconsultation, for integrators (no patient data in `data`). */
export const teleconsultationEvents = pgTable('teleconsultation_events', {
  id: uuid('id').primaryKey().defaultRandom(),
  clinicId: text('clinic_id').notNull(),
  teleconsultationId: uuid('teleconsultation_id').notNull(),
  type: text('type').notNull(),
  data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
  /** Who did it (events recorded before the trail said so: the system). */
  actor: jsonb('actor').$type<Actor>().notNull().default({ kind: 'system', process: 'unrecorded' }),
  at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [index('teleconsultation_events_clinic_at').on(t.clinicId, t.at)]);

/** The stand-in agenda of the demo (never used when a real hub is configured). */
export const demoAppointments = pgTable('demo_appointments', {
  id: text('id').primaryKey(),
  body: jsonb('body').$type<Record<string, unknown>>().notNull(),
  teleconsultation: jsonb('teleconsultation').$type<Record<string, unknown> | null>(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
