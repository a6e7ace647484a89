/**
 * Billing routes:
 * - the practitioner's "€ Facture" (presets, request, re-send) and payments follow-up,
 *   on the practitioner's session;
 * - the patient's current payment, on the patient's session;
 * - `/pay/<token>`: the patient's payment link, which opens the provider's page;
 * - the sandbox's test payment page (only without Stripe);
 * - `POST /webhooks/stripe` (registered in the raw-body scope).
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { paymentRequests } from '../db/schema/index.ts';
import { AppError, errorBodySchema } from '../http/errors.ts';
import { patientDisplayName } from '../sessions/summary.ts';
import { requireSession } from '../sessions/sessions.ts';
import type { Services } from '../services.ts';
import { clinicSettings } from '../teleconsultations/clinic-settings.ts';
import { rawBody } from '../webhooks/raw-body.ts';
import { currentPaymentRequest, practitionerPayments, verifyPayToken, type PaymentRequest } from './payments.ts';
import { sandboxPage } from './sandbox.ts';
import type { Billing } from './service.ts';
import { StripeWebhookError, type StripePaymentProvider } from './stripe.ts';

const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;
const paymentSchema = {
  type: 'object',
  required: ['id', 'status', 'amount', 'url', 'sandbox', 'requestedAt', 'paidAt'],
  properties: {
    id: { type: 'string' },
    status: { type: 'string', enum: ['creating', 'requested', 'paid', 'failed', 'expired', 'refunded', 'replaced'] },
    amount: { type: 'object', required: ['value', 'currency'], properties: { value: { type: 'integer' }, currency: { type: 'string' } } },
    url: { type: ['string', 'null'] },
    sandbox: { type: 'boolean' },
    requestedAt: { type: 'string' },
    paidAt: { type: ['string', 'null'] },
  },
} as const;
const nullablePayment = { anyOf: [paymentSchema, { type: 'null' }] } as const;

function lang(request: FastifyRequest): 'fr' | 'en' {
  return (request.headers['accept-language'] ?? '').toLowerCase().startsWith('en') ? 'en' : 'fr';
}

function infoPage(title: string, text: string, code: string, language: 'fr' | 'en'): string {
  return `<!doctype html><html lang="${language}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer">
<title>${title}</title><style>:root{color-scheme:light dark;font-family:system-ui,sans-serif}body{max-width:28rem;margin:2rem auto;padding:1rem;line-height:1.4}</style></head>
<body><h1>${title}</h1><p>${text}</p><p><small>${code}</small></p></body></html>`;
}

const PAGES = {
  PAYMENT_PAID: { fr: ['Paiement reçu', 'Merci, votre paiement a bien été reçu.'], en: ['Payment received', 'Thank you, your payment was received.'] },
  PAYMENT_REPLACED: { fr: ['Lien remplacé', 'Votre praticien vous a envoyé un nouveau lien de paiement.'], en: ['Link replaced', 'Your practitioner sent you a new payment link.'] },
  PAYMENT_CLOSED: { fr: ['Paiement clos', 'Ce paiement ne peut plus être réglé par ce lien. Contactez votre praticien.'], en: ['Payment closed', 'This payment can no longer be made with this link. Please contact your practitioner.'] },
  PAYMENT_LINK_INVALID: { fr: ['Lien invalide', 'Ce lien de paiement n’est pas valide.'], en: ['Invalid link', 'This payment link is not valid.'] },
  PAYMENT_UNAVAILABLE: { fr: ['Paiement momentanément indisponible', 'Le service de paiement ne répond pas. Réessayez dans quelques minutes.'], en: ['Payment temporarily unavailable', 'The payment service is not answering. Please try again in a few minutes.'] },
} as const;

function page(reply: FastifyReply, request: FastifyRequest, status: number, code: keyof typeof PAGES): FastifyReply {
  const l = lang(request);
  const [title, text] = PAGES[code][l];
  return reply.status(status).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').type('text/html; charset=utf-8').send(infoPage(title, text, code, l));
}

async function requestFromToken(services: Services, token: string): Promise<PaymentRequest | null> {
  const id = verifyPayToken(services.config.linkSecret, token);
  if (!id) return null;
  const [p] = await services.database.db.select().from(paymentRequests).where(eq(paymentRequests.id, id));
  return p ?? null;
}

/** Registers the billing routes that use ordinary (parsed) bodies. */
export async function billingRoutes(app: FastifyInstance, services: Services, billing: Billing): Promise<void> {
  app.get<{ Params: { id: string } }>('/api/live/:id/practitioner/invoice', {
    schema: {
      tags: ['billing'], summary: 'Preset amounts and the current payment request', params,
      response: {
        200: {
          type: 'object', required: ['presetsCents', 'currency', 'maxCents', 'sandbox', 'payment'],
          properties: { presetsCents: { type: 'array', items: { type: 'integer' } }, currency: { type: 'string' }, maxCents: { type: 'integer' }, sandbox: { type: 'boolean' }, payment: nullablePayment },
        },
        401: errorBodySchema,
      },
    },
  }, async (request) => {
    const session = await requireSession(request, request.params.id, 'practitioner');
    const settings = await clinicSettings(services.database.db, session.clinicId, services.config.clinicDefaults);
    const current = await currentPaymentRequest(services.database.db, request.params.id);
    return {
      presetsCents: settings.invoicePresetsCents, currency: settings.currency, maxCents: settings.invoiceMaxCents,
      sandbox: billing.provider.name === 'sandbox', payment: current ? billing.summary(current) : null,
    };
  });

  app.post<{ Params: { id: string }; Body: { amount: unknown } }>('/api/live/:id/practitioner/invoice', {
    schema: {
      tags: ['billing'],
      summary: '"€ Facture": ask the patient to pay an amount (a repeated click is a no-op; a new amount replaces the unpaid one)',
      params,
      body: { type: 'object', required: ['amount'], properties: { amount: { description: '{"value": "30" | 30.5 | "30,50", "currency"?: "EUR"} or {"cents": 3000}' } } },
      response: { 200: { type: 'object', required: ['payment'], properties: { payment: paymentSchema } }, 201: { type: 'object', required: ['payment'], properties: { payment: paymentSchema } }, 400: errorBodySchema, 401: errorBodySchema, 410: errorBodySchema },
    },
  }, async (request, reply) => {
    await requireSession(request, request.params.id, 'practitioner');
    const { request: p, created } = await billing.requestInvoice(request.params.id, request.body.amount);
    return reply.status(created ? 201 : 200).send({ payment: billing.summary(p) });
  });

  app.post<{ Params: { id: string } }>('/api/live/:id/practitioner/invoice/resend', {
    schema: { tags: ['billing'], summary: 'Send the payment link to the patient again', params, response: { 202: { type: 'object', required: ['payment'], properties: { payment: paymentSchema } }, 401: errorBodySchema, 409: errorBodySchema, 429: errorBodySchema } },
  }, async (request, reply) => {
    await requireSession(request, request.params.id, 'practitioner');
    const p = await billing.resend(request.params.id);
    return reply.status(202).send({ payment: billing.summary(p) });
  });

  app.get<{ Params: { id: string } }>('/api/live/:id/practitioner/payments', {
    schema: {
      tags: ['billing'], summary: 'The practitioner\'s teleconsultations with their payments, newest first', params,
      response: {
        200: {
          type: 'object', required: ['items'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object', required: ['teleconsultationId', 'startsAt', 'status', 'patientName', 'payment'],
                properties: { teleconsultationId: { type: 'string' }, startsAt: { type: 'string' }, status: { type: 'string' }, patientName: { type: 'string' }, payment: nullablePayment },
              },
            },
          },
        },
        401: errorBodySchema,
      },
    },
  }, async (request) => {
    const session = await requireSession(request, request.params.id, 'practitioner');
    const rows = await practitionerPayments(services.database.db, session.clinicId, session.teleconsultation.practitioner.id);
    return {
      items: rows.map((r) => ({
        teleconsultationId: r.teleconsultation.id, startsAt: r.teleconsultation.startsAt.toISOString(), status: r.teleconsultation.status,
        patientName: patientDisplayName(r.teleconsultation), payment: r.payment ? billing.summary(r.payment) : null,
      })),
    };
  });

  app.get<{ Params: { id: string } }>('/api/live/:id/patient/payment', {
    schema: { tags: ['billing'], summary: 'The patient\'s payment to make, if any', params, response: { 200: { type: 'object', required: ['payment'], properties: { payment: nullablePayment } }, 401: errorBodySchema } },
  }, async (request) => {
    await requireSession(request, request.params.id, 'patient');
    const p = await currentPaymentRequest(services.database.db, request.params.id);
    return { payment: p ? billing.summary(p) : null };
  });

  app.get<{ Params: { token: string } }>('/pay/:token', { schema: { hide: true } }, async (request, reply) => {
    const p = await requestFromToken(services, request.params.token);
    if (!p) return page(reply, request, 404, 'PAYMENT_LINK_INVALID');
    if (p.status === 'paid' || p.status === 'refunded') return page(reply, request, 200, 'PAYMENT_PAID');
    if (p.status === 'replaced') return page(reply, request, 410, 'PAYMENT_REPLACED');
    if (p.status !== 'requested' && p.status !== 'creating') return page(reply, request, 410, 'PAYMENT_CLOSED');
    if ((request.query as { done?: string }).done) return page(reply, request, 200, 'PAYMENT_PAID');
    try {
      const ready = await billing.checkoutFor(p);
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(ready.checkoutUrl!, 303);
    } catch (err) {
      request.log.warn({ err: { code: (err as { code?: string }).code }, paymentRequestId: p.id }, 'payment page unavailable');
      return page(reply, request, 503, 'PAYMENT_UNAVAILABLE');
    }
  });

  if (billing.provider.name !== 'sandbox') return;
  // HTML forms post url-encoded bodies; nothing is read from them.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) => done(null, {}));
  app.get<{ Params: { token: string } }>('/pay/sandbox/:token', { schema: { hide: true } }, async (request, reply) => {
    const p = await requestFromToken(services, request.params.token);
    if (!p) return page(reply, request, 404, 'PAYMENT_LINK_INVALID');
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8')
      .send(sandboxPage({ token: request.params.token, amountCents: p.amountCents, currency: p.currency, description: p.description, status: p.status, lang: lang(request) }));
  });
  app.post<{ Params: { token: string; outcome: string } }>('/pay/sandbox/:token/:outcome', { schema: { hide: true } }, async (request, reply) => {
    const p = await requestFromToken(services, request.params.token);
    if (!p) return page(reply, request, 404, 'PAYMENT_LINK_INVALID');
    const outcome = request.params.outcome;
    if (outcome !== 'paid' && outcome !== 'failed') throw new AppError(404, 'NOT_FOUND', 'No such outcome.');
    if (!p.checkoutId) throw new AppError(409, 'PAYMENT_NOT_READY', 'The payment page is not ready yet.');
    await billing.applyEvent({ eventId: `sandbox_${randomUUID()}`, kind: outcome, providerId: p.checkoutId, paymentRequestId: p.id, at: services.now(), amountCents: p.amountCents }, 'sandbox');
    return reply.redirect(`/pay/sandbox/${request.params.token}`, 303);
  });
}

/** `POST /webhooks/stripe`, inside the raw-body scope: verified on the exact bytes Stripe signed. */
export async function stripeWebhookRoutes(app: FastifyInstance, services: Services, billing: Billing): Promise<void> {
  app.post('/webhooks/stripe', {
    schema: {
      tags: ['webhooks'], summary: 'Stripe events (Stripe-Signature, 300 s tolerance either way)',
      response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['applied', 'duplicate', 'unchanged', 'ignored'] } } }, 400: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request, reply) => {
    if (!billing.stripe) throw new AppError(404, 'STRIPE_NOT_CONFIGURED', 'Stripe is not configured.');
    let parsed: ReturnType<StripePaymentProvider['parseWebhook']> | undefined;
    let refusal: StripeWebhookError | undefined;
    // The platform's endpoint secret first, then the Connect endpoint's (connected accounts).
    for (const endpoint of billing.stripe) {
      try {
        parsed = endpoint.parseWebhook(rawBody(request.body), request.headers['stripe-signature'] as string | undefined, services.now());
        break;
      } catch (err) {
        if (!(err instanceof StripeWebhookError)) throw err;
        refusal ??= err;
        if (err.code !== 'STRIPE_SIGNATURE_INVALID') refusal = err;
      }
    }
    if (!parsed) throw new AppError(400, refusal!.code, refusal!.message, undefined, { cause: refusal });
    if ('ignored' in parsed) {
      request.log.info({ eventId: parsed.eventId, eventType: parsed.ignored }, 'stripe event ignored');
      return reply.send({ status: 'ignored' });
    }
    const status = await billing.applyEvent(parsed, 'stripe');
    request.log.info({ eventId: parsed.eventId, kind: parsed.kind, status }, 'stripe event received');
    return reply.send({ status });
  });
}
