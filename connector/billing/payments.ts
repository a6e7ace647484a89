/**
 * Payment requests ("€ Facture"): asked by the practitioner, paid by the patient through
 * the provider's page (Stripe Checkout, or the sandbox), tracked until paid, written back
 * to the agenda and pushed live to both pages.
 *
 * The patient's link is ours (`/pay/<token>`): it opens the provider's current payment page
 * and makes a new one when the previous expired, so one link serves the SMS, the email,
 * the end screen, the reminder and the agenda.
 */
import { and, desc, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { Db, Queryable, Tx } from '../db/client.ts';
import { paymentRequests, practitionerAccounts, teleconsultations, type Actor, type PaymentRequestStatus } from '../db/schema/index.ts';
import { recordEvent } from '../teleconsultations/lifecycle.ts';
import type { PaymentSummary } from '#protocol/live';
import type { TeleconsultationWriteBack } from '../agenda/appointment.ts';
import { signId, verifySignedId } from '../http/signed-id.ts';
import type { PaymentEvent, PaymentProvider } from './payment-provider.ts';
import { paymentIdempotencyKey, PaymentProviderError } from './payment-provider.ts';

export type PaymentRequest = typeof paymentRequests.$inferSelect;

export const CHECKOUT_QUEUE = 'billing-checkout';
export const PAYMENT_REMINDER_QUEUE = 'billing-reminder';
/** How long an unpaid request stays payable. */
export const PAYMENT_REQUEST_DAYS = 30;
/** A provider page is reused while it has at least this long to live. */
const CHECKOUT_MARGIN_MS = 5 * 60_000;
/** Stripe accepts 30 minutes to 24 hours; we ask for 23 hours. */
const CHECKOUT_LIFETIME_MS = 23 * 3_600_000;

/** Order in which statuses may follow each other: a status never moves down. */
const RANK: Record<PaymentRequestStatus, number> = { creating: 0, requested: 0, replaced: 1, expired: 2, failed: 3, paid: 4, refunded: 5 };

// --- the patient's link ------------------------------------------------------------------

const PAY_PURPOSE = 'payment-link:v1';
const REQUEST_ID = /^[0-9a-f-]{36}$/;

/** The patient's payment link of a request. */
export function payLinkUrl(publicUrl: string, secret: string, paymentRequestId: string): string {
  return `${publicUrl}/pay/${signId(secret, PAY_PURPOSE, paymentRequestId)}`;
}

/** The request id in a payment link token, or null when the token is not ours. */
export function verifyPayToken(secret: string, token: string): string | null {
  return verifySignedId(secret, PAY_PURPOSE, token, REQUEST_ID);
}

// --- reading ---------------------------------------------------------------------------------

/** What both pages show of a request. */
export function paymentSummary(p: PaymentRequest, publicUrl: string, secret: string): PaymentSummary {
  return {
    id: p.id,
    status: p.status,
    amount: { value: p.amountCents, currency: p.currency },
    url: p.status === 'requested' || p.status === 'creating' || p.status === 'paid' ? payLinkUrl(publicUrl, secret, p.id) : null,
    sandbox: p.provider === 'sandbox',
    requestedAt: p.requestedAt.toISOString(),
    paidAt: p.paidAt ? p.paidAt.toISOString() : null,
  };
}

/** The request that speaks for a teleconsultation: the newest that was not replaced. */
export async function currentPaymentRequest(q: Queryable, teleconsultationId: string): Promise<PaymentRequest | undefined> {
  const [p] = await q.select().from(paymentRequests)
    .where(and(eq(paymentRequests.teleconsultationId, teleconsultationId), sql`${paymentRequests.status} <> 'replaced'`))
    .orderBy(desc(paymentRequests.requestedAt)).limit(1);
  return p;
}

/** The `payment` part of the agenda write-back. */
export async function paymentWriteBack(q: Queryable, teleconsultationId: string, publicUrl: string, secret: string, opts: { sandbox: boolean }): Promise<TeleconsultationWriteBack['payment']> {
  const p = await currentPaymentRequest(q, teleconsultationId);
  if (!p || (p.provider === 'sandbox' && !opts.sandbox)) return null;
  const status = p.status === 'paid' || p.status === 'refunded' || p.status === 'failed' ? p.status : p.status === 'expired' ? 'failed' : 'requested';
  return { status, amount: { value: p.amountCents, currency: p.currency }, url: payLinkUrl(publicUrl, secret, p.id) };
}

// --- asking -----------------------------------------------------------------------------------

export interface InvoiceInput {
  teleconsultationId: string;
  amountCents: number;
  currency: string;
  provider: PaymentProvider['name'];
  now: Date;
  /** Who asked (the practitioner's session). */
  by: Actor;
}

export type InvoiceOutcome = { request: PaymentRequest; created: boolean; replaced: PaymentRequest | null };

/**
 * Records a payment request in the caller's transaction, the teleconsultation row locked:
 * a repeated click (same amount) returns the open request; a new amount replaces the
 * unpaid one. The caller plans the checkout job in the same transaction.
 */
export async function recordInvoice(tx: Tx, input: InvoiceInput): Promise<InvoiceOutcome> {
  const [t] = await tx.select().from(teleconsultations).where(eq(teleconsultations.id, input.teleconsultationId)).for('update');
  if (!t) throw new Error('unknown teleconsultation');
  const [open] = await tx.select().from(paymentRequests)
    .where(and(eq(paymentRequests.teleconsultationId, t.id), inArray(paymentRequests.status, ['creating', 'requested'])));
  if (open && open.amountCents === input.amountCents && open.currency === input.currency) return { request: open, created: false, replaced: null };
  let replaced: PaymentRequest | null = null;
  if (open) {
    [replaced] = await tx.update(paymentRequests).set({ status: 'replaced', statusAt: input.now, updatedAt: input.now })
      .where(eq(paymentRequests.id, open.id)).returning() as [PaymentRequest];
  }
  const [account] = await tx.select().from(practitionerAccounts)
    .where(and(eq(practitionerAccounts.clinicId, t.clinicId), eq(practitionerAccounts.practitionerId, t.practitioner.id)));
  const day = DateTime.fromJSDate(t.startsAt).setZone(t.practitioner.timezone).setLocale('fr').toFormat('dd/LL/yyyy');
  const [request] = await tx.insert(paymentRequests).values({
    clinicId: t.clinicId,
    teleconsultationId: t.id,
    practitionerId: t.practitioner.id,
    amountCents: input.amountCents,
    currency: input.currency,
    description: `Téléconsultation du ${day} avec ${t.practitioner.name}`.slice(0, 500),
    status: 'creating',
    provider: input.provider,
    connectedAccount: input.provider === 'stripe' ? account?.stripeAccount ?? null : null,
    expiresAt: new Date(input.now.getTime() + PAYMENT_REQUEST_DAYS * 86_400_000),
    requestedAt: input.now,
    statusAt: input.now,
  }).returning();
  await recordEvent(tx, t, 'payment.requested', input.by, { paymentRequestId: request!.id, amount: input.amountCents, currency: input.currency, replaces: replaced?.id ?? null });
  await bumpRevision(tx, t.id, input.now);
  return { request: request!, created: true, replaced };
}

async function bumpRevision(tx: Tx, teleconsultationId: string, now: Date): Promise<void> {
  await tx.update(teleconsultations).set({ revision: sql`${teleconsultations.revision} + 1`, updatedAt: now }).where(eq(teleconsultations.id, teleconsultationId));
}

/**
 * Makes sure the request has a provider page with some life left. The attempt number and
 * the page's expiry are fixed first (in their own short transaction, the row locked), then
 * the provider is called with an idempotency key derived from the teleconsultation, the
 * request and the attempt: a retried job, a double click or two patients' tabs reach the
 * same provider object, with the same parameters.
 */
export async function ensureCheckout(db: Db, provider: PaymentProvider, requestId: string, ctx: { publicUrl: string; linkSecret: string; customerEmail: string | null; now: Date }): Promise<PaymentRequest> {
  const plan = await db.transaction(async (tx) => {
    const [p] = await tx.select().from(paymentRequests).where(eq(paymentRequests.id, requestId)).for('update');
    if (!p) throw new Error('unknown payment request');
    const left = (d: Date | null) => (d ? d.getTime() - ctx.now.getTime() : -1);
    if (p.status !== 'creating' && p.status !== 'requested') return { request: p, call: false };
    if (p.checkoutUrl && left(p.checkoutExpiresAt) > CHECKOUT_MARGIN_MS) return { request: p, call: false };
    // A page being created (no URL yet, expiry set) is the same attempt: same key, same values.
    if (!p.checkoutUrl && p.checkoutAttempt > 0 && left(p.checkoutExpiresAt) > CHECKOUT_MARGIN_MS) return { request: p, call: true };
    const [next] = await tx.update(paymentRequests).set({
      checkoutAttempt: p.checkoutAttempt + 1, checkoutId: null, checkoutUrl: null,
      checkoutExpiresAt: new Date(ctx.now.getTime() + CHECKOUT_LIFETIME_MS), updatedAt: ctx.now,
    }).where(eq(paymentRequests.id, p.id)).returning();
    return { request: next!, call: true };
  });
  if (!plan.call) return plan.request;
  const request = plan.request;
  const link = payLinkUrl(ctx.publicUrl, ctx.linkSecret, request.id);
  const created = await provider.createPaymentLink({
    paymentRequestId: request.id,
    teleconsultationId: request.teleconsultationId,
    amountCents: request.amountCents,
    currency: request.currency,
    description: request.description,
    customerEmail: ctx.customerEmail,
    idempotencyKey: paymentIdempotencyKey(request.teleconsultationId, `${request.id}:${request.checkoutAttempt}`),
    ...(request.connectedAccount ? { connectedAccount: request.connectedAccount } : {}),
    successUrl: `${link}?done=1`,
    cancelUrl: `${link}?cancelled=1`,
    expiresAt: request.checkoutExpiresAt!,
  });
  const [updated] = await db.update(paymentRequests).set({
    checkoutId: created.providerId, checkoutUrl: created.url, checkoutExpiresAt: created.expiresAt, lastErrorCode: null, updatedAt: ctx.now,
  }).where(and(eq(paymentRequests.id, request.id), eq(paymentRequests.checkoutAttempt, request.checkoutAttempt))).returning();
  return updated ?? request;
}

/** Marks a request whose provider refused it for good. */
export async function markCheckoutRefused(tx: Tx, request: PaymentRequest, err: PaymentProviderError, now: Date): Promise<PaymentRequest> {
  const [updated] = await tx.update(paymentRequests).set({ status: 'failed', lastErrorCode: err.code, statusAt: now, updatedAt: now })
    .where(eq(paymentRequests.id, request.id)).returning();
  await bumpRevision(tx, request.teleconsultationId, now);
  return updated!;
}

// --- status changes -------------------------------------------------------------------------

/**
 * Applies a provider's status change, independent of delivery order: a request's status
 * only moves up (requested → expired → failed → paid → refunded), whatever arrives when.
 * Returns the updated request, or null when nothing changed.
 */
/**
 * What of a provider's paid or refunded event does not match its request: the amount, the
 * currency or the account it happened on. Such an event is recorded, never applied.
 */
export function eventMismatch(p: PaymentRequest, event: PaymentEvent): ('amount' | 'currency' | 'account')[] | null {
  if (event.kind !== 'paid' && event.kind !== 'refunded') return null;
  const out: ('amount' | 'currency' | 'account')[] = [];
  if (event.amountCents !== p.amountCents) out.push('amount');
  if (event.currency !== undefined && event.currency !== p.currency) out.push('currency');
  if (p.provider === 'stripe' && (event.account ?? null) !== (p.connectedAccount ?? null)) out.push('account');
  return out.length > 0 ? out : null;
}

/**
 * Applies a provider's status change to its request: the request, or null when nothing
 * changed (unknown, or not a move up), or the mismatch when the event does not match it.
 */
export async function applyPaymentEvent(tx: Tx, event: PaymentEvent, now: Date, by: Actor): Promise<PaymentRequest | { mismatch: string[]; request: PaymentRequest } | null> {
  const conditions = [eq(paymentRequests.checkoutId, event.providerId), eq(paymentRequests.paymentIntentId, event.providerId)];
  if (event.paymentRequestId && /^[0-9a-f-]{36}$/.test(event.paymentRequestId)) conditions.unshift(eq(paymentRequests.id, event.paymentRequestId));
  const [p] = await tx.select().from(paymentRequests).where(or(...conditions)).for('update').limit(1);
  if (!p) return null;
  let next: PaymentRequestStatus = event.kind;
  if (event.kind === 'expired') {
    // Only the provider's page expired: the request stays payable through our link until
    // its own expiry, with a new page.
    if (p.checkoutId === event.providerId && p.status === 'requested' && p.expiresAt.getTime() > now.getTime()) {
      await tx.update(paymentRequests).set({ checkoutUrl: null, checkoutExpiresAt: null, updatedAt: now }).where(eq(paymentRequests.id, p.id));
      return null;
    }
    next = 'expired';
  }
  if (RANK[next] <= RANK[p.status]) return null;
  const mismatch = eventMismatch(p, event);
  if (mismatch) {
    await recordEvent(tx, { clinicId: p.clinicId, id: p.teleconsultationId }, 'payment.mismatch', by, { paymentRequestId: p.id, kind: event.kind, eventId: event.eventId, mismatch });
    return { mismatch, request: p };
  }
  const [updated] = await tx.update(paymentRequests).set({
    status: next,
    statusAt: event.at,
    updatedAt: now,
    ...(next === 'paid' ? { paidAt: event.at } : {}),
    ...(event.paymentIntentId ? { paymentIntentId: event.paymentIntentId } : {}),
  }).where(eq(paymentRequests.id, p.id)).returning();
  await recordEvent(tx, { clinicId: p.clinicId, id: p.teleconsultationId }, `payment.${next}`, by, { paymentRequestId: p.id, amount: p.amountCents, currency: p.currency });
  await bumpRevision(tx, p.teleconsultationId, now);
  return updated!;
}

/**
 * The practitioner's teleconsultations with their payment, newest first, for the follow-up
 * view: those starting in [from, to) when given, only `teleconsultationId` when given.
 */
export async function practitionerPayments(q: Queryable, clinicId: string, practitionerId: string, opts: { teleconsultationId?: string; from?: Date; to?: Date; limit?: number } = {}) {
  const limit = opts.limit ?? 100;
  const rows = await q.select().from(teleconsultations)
    .where(and(
      eq(teleconsultations.clinicId, clinicId), sql`${teleconsultations.practitioner}->>'id' = ${practitionerId}`,
      ...(opts.teleconsultationId ? [eq(teleconsultations.id, opts.teleconsultationId)] : []),
      ...(opts.from ? [gte(teleconsultations.startsAt, opts.from)] : []),
      ...(opts.to ? [lt(teleconsultations.startsAt, opts.to)] : []),
    ))
    .orderBy(desc(teleconsultations.startsAt)).limit(limit);
  const ids = rows.map((r) => r.id);
  const requests = ids.length === 0 ? [] : await q.select().from(paymentRequests)
    .where(and(inArray(paymentRequests.teleconsultationId, ids), sql`${paymentRequests.status} <> 'replaced'`))
    .orderBy(desc(paymentRequests.requestedAt));
  const latest = new Map<string, PaymentRequest>();
  for (const r of requests) if (!latest.has(r.teleconsultationId)) latest.set(r.teleconsultationId, r);
  return rows.map((t) => ({ teleconsultation: t, payment: latest.get(t.id) ?? null }));
}
