/**
 * Billing's API for the live pages: the practitioner's "€ Facture" (presets, request,
 * re-send), on the practitioner's session (the follow-up across consultations is
 * connector/follow-up/); the patient's current
 * payment, on the patient's session. The patient's pages (`/pay/…`) are in pages.ts; the
 * Stripe webhook intake is in connector/webhooks/.
 */
import type { FastifyInstance } from 'fastify';
import { errorBodySchema } from '../http/errors.ts';
import { requireSession } from '../sessions/sessions.ts';
import { sessionActor } from '../teleconsultations/model.ts';
import type { Services } from '../services.ts';
import { clinicSettings } from '../teleconsultations/clinic-settings.ts';
import { currentPaymentRequest } from './payments.ts';
import type { Billing } from './service.ts';

const params = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;
/** A payment request as the pages see it (PaymentSummary), for response schemas. */
export const paymentSchema = {
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
/** A payment request, or null. */
export const nullablePayment = { anyOf: [paymentSchema, { type: 'null' }] } as const;

/** Registers billing's API routes. */
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
      sandbox: billing.provider?.name === 'sandbox', payment: current ? billing.summary(current) : null,
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
    const session = await requireSession(request, request.params.id, 'practitioner');
    const { request: p, created } = await billing.requestInvoice(request.params.id, request.body.amount, sessionActor('practitioner', session.idHash));
    return reply.status(created ? 201 : 200).send({ payment: billing.summary(p) });
  });

  app.post<{ Params: { id: string } }>('/api/live/:id/practitioner/invoice/resend', {
    schema: { tags: ['billing'], summary: 'Send the payment link to the patient again', params, response: { 202: { type: 'object', required: ['payment'], properties: { payment: paymentSchema } }, 401: errorBodySchema, 409: errorBodySchema, 429: errorBodySchema } },
  }, async (request, reply) => {
    await requireSession(request, request.params.id, 'practitioner');
    const p = await billing.resend(request.params.id);
    return reply.status(202).send({ payment: billing.summary(p) });
  });

  app.get<{ Params: { id: string } }>('/api/live/:id/patient/payment', {
    schema: { tags: ['billing'], summary: 'The patient\'s payment to make, if any', params, response: { 200: { type: 'object', required: ['payment'], properties: { payment: nullablePayment } }, 401: errorBodySchema } },
  }, async (request) => {
    await requireSession(request, request.params.id, 'patient');
    const p = await currentPaymentRequest(services.database.db, request.params.id);
    return { payment: p ? billing.summary(p) : null };
  });
}
