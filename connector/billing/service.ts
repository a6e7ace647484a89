/**
 * The billing feature: its provider (Stripe; without it the labelled sandbox where it is on,
 * or no payments),
 * its jobs, and the one path every status change takes (Stripe webhook or sandbox page):
 * recorded once, written back to the agenda, pushed live (to the consultation's pages and to
 * the practitioner's follow-up), reminders dropped once paid.
 */
import { and, eq } from 'drizzle-orm';
import { planWriteBack } from '../agenda/sync.ts';
import { paymentRequests, teleconsultations, webhookReceipts, type Actor } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { publishFollowUp } from '../follow-up/events.ts';
import { publishToTeleconsultation } from '../live/hub.ts';
import type { MessageLinkRegistry } from '../notifications/send.ts';
import type { Notifications } from '../notifications/service.ts';
import type { Services } from '../services.ts';
import { clinicSettings } from '../teleconsultations/clinic-settings.ts';
import { parseAmount } from '#protocol/money';
import type { PaymentEvent, PaymentProvider } from './payment-provider.ts';
import { PaymentProviderError } from './payment-provider.ts';
import {
  applyPaymentEvent, CHECKOUT_QUEUE, currentPaymentRequest, ensureCheckout, markCheckoutRefused, PAYMENT_REMINDER_QUEUE,
  payLinkUrl, paymentSummary, paymentWriteBack, recordInvoice, type PaymentRequest,
} from './payments.ts';
import { createSandboxProvider } from './sandbox.ts';
import { createStripeProvider, type StripePaymentProvider } from './stripe.ts';

export const EXPIRE_CHECKOUT_QUEUE = 'billing-expire-checkout';
/** Times the practitioner may re-send one payment link. */
export const MAX_RESENDS = 5;

export interface Billing {
  /** Stripe, the sandbox, or none (payments off: "€ Facture" refuses with PAYMENTS_NOT_CONFIGURED). */
  readonly provider: PaymentProvider | undefined;
  /** Set when Stripe is configured: webhook verification (platform endpoint, then Connect's). */
  readonly stripe: StripePaymentProvider[] | undefined;
  /** "€ Facture": records the request (or finds the identical open one) and plans its page. */
  requestInvoice(teleconsultationId: string, amountInput: unknown, by: Actor): Promise<{ request: PaymentRequest; created: boolean }>;
  /** Plans the payment message again. */
  resend(teleconsultationId: string): Promise<PaymentRequest>;
  /** Applies a provider's status change once per event id. */
  applyPaymentEvent(event: PaymentEvent, source: 'stripe' | 'sandbox'): Promise<'applied' | 'duplicate' | 'unchanged'>;
  /** The provider's page for a request, made again if it expired. */
  checkoutFor(request: PaymentRequest): Promise<PaymentRequest>;
  summary(request: PaymentRequest): ReturnType<typeof paymentSummary>;
  registerJobs(): Promise<void>;
}

/** Builds the billing feature; it plans its messages through `notifications`. */
export function createBilling(services: Services, notifications: Notifications): Billing {
  const { config, database, queue, log, now, bus } = services;
  const { db } = database;
  const payLink = (id: string) => payLinkUrl(config.publicUrl, config.linkSecret, id);
  const stripe = config.stripe
    ? [createStripeProvider(config.stripe), ...(config.stripe.connectWebhookSecret ? [createStripeProvider({ ...config.stripe, webhookSecret: config.stripe.connectWebhookSecret })] : [])]
    : undefined;
  // Without Stripe: the labelled sandbox where it is on, otherwise no payments at all.
  const provider: PaymentProvider | undefined = stripe?.[0] ?? (config.standIns.sandboxPayments ? createSandboxProvider(payLink) : undefined);
  if (!provider) log.warn('no payment provider (STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET): "€ Facture" is off; SANDBOX_PAYMENTS=on gives the labelled test payments');
  const requireProvider = (): PaymentProvider => {
    if (!provider) throw new AppError('PAYMENTS_NOT_CONFIGURED', 'No payment provider is configured for this service.');
    return provider;
  };

  const summary = (p: PaymentRequest) => paymentSummary(p, config.publicUrl, config.linkSecret);
  const publish = async (p: PaymentRequest) => {
    const payment = summary(p);
    await Promise.all([
      publishToTeleconsultation(bus, p.teleconsultationId, { type: 'payment', payment }),
      publishFollowUp(bus, { clinicId: p.clinicId, practitionerId: p.practitionerId }, { type: 'payment', teleconsultationId: p.teleconsultationId, payment }),
    ]).catch((err: unknown) => log.warn({ err }, 'live payment event not published'));
  };
  const customerEmail = async (teleconsultationId: string) => {
    const [t] = await db.select({ email: teleconsultations.patientEmail }).from(teleconsultations).where(eq(teleconsultations.id, teleconsultationId));
    return t?.email ?? null;
  };
  const checkoutFor = async (request: PaymentRequest) => ensureCheckout(db, requireProvider(), request.id, {
    publicUrl: config.publicUrl, linkSecret: config.linkSecret, customerEmail: await customerEmail(request.teleconsultationId), now: now(),
  });

  /** Creates the provider page of a new request, then tells the patient. */
  async function runCheckout(paymentRequestId: string): Promise<void> {
    const [request] = await db.select().from(paymentRequests).where(eq(paymentRequests.id, paymentRequestId));
    if (!request || request.status !== 'creating') return;
    let ready: PaymentRequest;
    try {
      ready = await checkoutFor(request);
    } catch (err) {
      if (err instanceof PaymentProviderError && !err.retryable) {
        const failed = await db.transaction(async (tx) => {
          const f = await markCheckoutRefused(tx, request, err, now());
          await planWriteBack(queue, tx, f.teleconsultationId);
          return f;
        });
        log.warn({ paymentRequestId, code: err.code, providerCode: err.providerCode }, 'payment provider refused the request');
        await publish(failed);
        return;
      }
      throw err;
    }
    const settings = await clinicSettings(db, request.clinicId, config.clinicDefaults);
    const requested = await db.transaction(async (tx) => {
      const [r] = await tx.update(paymentRequests).set({ status: 'requested', updatedAt: now() })
        .where(and(eq(paymentRequests.id, ready.id), eq(paymentRequests.status, 'creating'))).returning();
      if (!r) return null;
      await notifications.planMessage(tx, {
        teleconsultationId: r.teleconsultationId, kind: 'payment_request', variant: r.id,
        vars: { paymentUrl: payLink(r.id), amount: { value: r.amountCents, currency: r.currency } },
      });
      await queue.send(PAYMENT_REMINDER_QUEUE, { paymentRequestId: r.id }, { tx, startAfter: new Date(now().getTime() + settings.paymentReminderMinutes * 60_000) });
      await planWriteBack(queue, tx, r.teleconsultationId);
      return r;
    });
    if (requested) await publish(requested);
  }

  async function runReminder(paymentRequestId: string): Promise<void> {
    await db.transaction(async (tx) => {
      const [r] = await tx.select().from(paymentRequests).where(eq(paymentRequests.id, paymentRequestId)).for('update');
      if (!r || r.status !== 'requested') return;
      await notifications.planMessage(tx, {
        teleconsultationId: r.teleconsultationId, kind: 'payment_reminder', variant: r.id,
        vars: { paymentUrl: payLink(r.id), amount: { value: r.amountCents, currency: r.currency } },
      });
    });
  }

  return {
    provider,
    stripe,
    summary,
    checkoutFor,
    async requestInvoice(teleconsultationId, amountInput, by) {
      const [t] = await db.select().from(teleconsultations).where(eq(teleconsultations.id, teleconsultationId));
      if (!t) throw new AppError('TELECONSULTATION_NOT_FOUND', 'No such teleconsultation.');
      if (t.status === 'cancelled') throw new AppError('TELECONSULTATION_CANCELLED', 'This teleconsultation was cancelled.');
      const settings = await clinicSettings(db, t.clinicId, config.clinicDefaults);
      const amount = parseAmount(amountInput, { currency: settings.currency, maxCents: settings.invoiceMaxCents, allowedCurrencies: [settings.currency] });
      if (!amount.ok) throw new AppError(amount.code, amount.message);
      const outcome = await db.transaction(async (tx) => {
        const o = await recordInvoice(tx, { teleconsultationId, amountCents: amount.cents, currency: amount.currency, provider: requireProvider().name, now: now(), by });
        if (o.created) {
          await queue.send(CHECKOUT_QUEUE, { paymentRequestId: o.request.id }, { tx });
          if (o.replaced) {
            await notifications.cancelMessages(tx, { teleconsultationId, kinds: ['payment_request', 'payment_reminder'], reason: 'payment_replaced' });
            if (o.replaced.checkoutId) await queue.send(EXPIRE_CHECKOUT_QUEUE, { checkoutId: o.replaced.checkoutId, connectedAccount: o.replaced.connectedAccount }, { tx });
          }
          await planWriteBack(queue, tx, teleconsultationId);
        }
        return o;
      });
      if (outcome.created) {
        log.info({ teleconsultationId, paymentRequestId: outcome.request.id, replaced: outcome.replaced?.id ?? null }, 'payment requested');
        await publish(outcome.request);
      }
      return outcome;
    },
    async resend(teleconsultationId) {
      return db.transaction(async (tx) => {
        const [r] = await tx.select().from(paymentRequests)
          .where(and(eq(paymentRequests.teleconsultationId, teleconsultationId), eq(paymentRequests.status, 'requested'))).for('update');
        if (!r) throw new AppError('NO_OPEN_PAYMENT', 'There is no unpaid payment request to send again.');
        if (r.resends >= MAX_RESENDS) throw new AppError('RESEND_LIMIT', `The link was already sent again ${MAX_RESENDS} times.`);
        const [updated] = await tx.update(paymentRequests).set({ resends: r.resends + 1, updatedAt: now() }).where(eq(paymentRequests.id, r.id)).returning();
        await notifications.planMessage(tx, {
          teleconsultationId, kind: 'payment_request', variant: `${r.id}:resend:${r.resends + 1}`,
          vars: { paymentUrl: payLink(r.id), amount: { value: r.amountCents, currency: r.currency } },
        });
        return updated!;
      });
    },
    async applyPaymentEvent(event, source) {
      const result = await db.transaction(async (tx) => {
        const fresh = await tx.insert(webhookReceipts).values({ source, deliveryId: event.eventId, eventType: event.kind })
          .onConflictDoNothing().returning({ id: webhookReceipts.deliveryId });
        if (fresh.length === 0) return 'duplicate' as const;
        const outcome = await applyPaymentEvent(tx, event, now(), source === 'stripe' ? { kind: 'webhook', source: 'stripe', delivery: event.eventId } : { kind: 'system', process: 'sandbox' });
        if (!outcome) return null;
        if ('mismatch' in outcome) return outcome;
        const updated = outcome;
        if (updated.status === 'paid' || updated.status === 'refunded') {
          await notifications.cancelMessages(tx, { teleconsultationId: updated.teleconsultationId, kinds: ['payment_reminder'], reason: `payment_${updated.status}` });
        }
        await planWriteBack(queue, tx, updated.teleconsultationId);
        return updated;
      });
      if (result === 'duplicate') return 'duplicate';
      if (!result) return 'unchanged';
      if ('mismatch' in result) {
        // Someone paid something other than what was asked, or on another account: never "paid".
        log.error({ paymentRequestId: result.request.id, eventId: event.eventId, kind: event.kind, mismatch: result.mismatch, source }, 'payment event does not match its request: not applied');
        return 'unchanged';
      }
      log.info({ paymentRequestId: result.id, status: result.status, source }, 'payment status changed');
      await publish(result);
      return 'applied';
    },
    async registerJobs() {
      await queue.define<{ paymentRequestId: string }>(
        { name: CHECKOUT_QUEUE, retryLimit: 12, retryDelaySeconds: 2, expireInSeconds: 60, batchSize: 10 },
        (data) => runCheckout(data.paymentRequestId),
      );
      await queue.define<{ paymentRequestId: string }>(
        { name: PAYMENT_REMINDER_QUEUE, retryLimit: 5, retryDelaySeconds: 30, expireInSeconds: 60, batchSize: 10 },
        (data) => runReminder(data.paymentRequestId),
      );
      await queue.define<{ checkoutId: string; connectedAccount: string | null }>(
        { name: EXPIRE_CHECKOUT_QUEUE, retryLimit: 8, retryDelaySeconds: 5, expireInSeconds: 60, batchSize: 10 },
        async (data) => {
          try {
            await requireProvider().expirePaymentLink(data.checkoutId, data.connectedAccount ?? undefined);
          } catch (err) {
            // Paid meanwhile: the provider's webhook brings the payment; nothing to close.
            if (err instanceof PaymentProviderError && err.code === 'PAYMENT_ALREADY_PAID') return;
            throw err;
          }
        },
      );
    },
  };
}

/** The payment link (and amount) that the end-of-consultation message carries, for notifications. */
export function paymentMessageLink(config: Services['config']): NonNullable<MessageLinkRegistry['payment']> {
  return async (q, teleconsultationId) => {
    const p = await currentPaymentRequest(q, teleconsultationId);
    if (!p || (p.status !== 'requested' && p.status !== 'creating')) return undefined;
    return { url: payLinkUrl(config.publicUrl, config.linkSecret, p.id), amount: { value: p.amountCents, currency: p.currency } };
  };
}

/** The write-back's payment part, for connector/agenda/sync.ts. */
export function billingWriteBack(services: Services) {
  const { publicUrl, linkSecret, agenda } = services.config;
  // A test payment is the demo agenda's business only: a real agenda never sees it as paid.
  return (q: Services['database']['db'], teleconsultationId: string) => paymentWriteBack(q, teleconsultationId, publicUrl, linkSecret, { sandbox: agenda.demo });
}
