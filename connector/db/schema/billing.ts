/** Payment requests ("€ Facture") and the practitioners' payment accounts. */
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { teleconsultations } from './core.ts';

export type PaymentRequestStatus = 'creating' | 'requested' | 'paid' | 'failed' | 'expired' | 'refunded' | 'replaced';

/**
 * One payment asked of a patient. Its link is ours (`/pay/…`), so the provider's payment
 * page (which expires within a day at Stripe) can be opened again as long as it is unpaid.
 */
export const paymentRequests = pgTable('payment_requests', {
  id: uuid('id').primaryKey().defaultRandom(),
  clinicId: text('clinic_id').notNull(),
  teleconsultationId: uuid('teleconsultation_id').notNull().references(() => teleconsultations.id, { onDelete: 'cascade' }),
  practitionerId: text('practitioner_id').notNull(),
  amountCents: integer('amount_cents').notNull(),
  currency: text('currency').notNull(),
  description: text('description').notNull(),
  status: text('status').$type<PaymentRequestStatus>().notNull(),
  provider: text('provider').$type<'stripe' | 'sandbox'>().notNull(),
  connectedAccount: text('connected_account'),
  /** The provider's current payment page; a new one (attempt + 1) replaces an expired one. */
  checkoutAttempt: integer('checkout_attempt').notNull().default(0),
  checkoutId: text('checkout_id'),
  checkoutUrl: text('checkout_url'),
  checkoutExpiresAt: timestamp('checkout_expires_at', { withTimezone: true }),
  paymentIntentId: text('payment_intent_id'),
  lastErrorCode: text('last_error_code'),
  /** The patient may pay until then; past it an unpaid request is expired. */
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
  paidAt: timestamp('paid_at', { withTimezone: true }),
  statusAt: timestamp('status_at', { withTimezone: true }).notNull().defaultNow(),
  resends: integer('resends').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  // One open request per teleconsultation at a time.
  uniqueIndex('payment_requests_open').on(t.teleconsultationId).where(sql`${t.status} in ('creating', 'requested')`),
  index('payment_requests_teleconsultation').on(t.teleconsultationId, t.requestedAt),
  index('payment_requests_checkout').on(t.checkoutId),
  index('payment_requests_intent').on(t.paymentIntentId),
]);

/** A practitioner paid directly on their own Stripe connected account. */
export const practitionerAccounts = pgTable('practitioner_accounts', {
  clinicId: text('clinic_id').notNull(),
  practitionerId: text('practitioner_id').notNull(),
  stripeAccount: text('stripe_account').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.clinicId, t.practitionerId] })]);
