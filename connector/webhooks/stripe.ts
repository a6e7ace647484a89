/**
 * `POST /webhooks/stripe`: Stripe's events, verified on the exact bytes Stripe signed
 * (Stripe-Signature, 300 s tolerance either way) against the platform endpoint's secret,
 * then the Connect endpoint's; a verified payment event goes to billing, any other type is
 * acknowledged and ignored.
 */
import type { FastifyInstance } from 'fastify';
import type { Billing } from '../billing/service.ts';
import { StripeWebhookError, type StripePaymentProvider } from '../billing/stripe.ts';
import { AppError } from '../errors.ts';
import { errorBodySchema } from '../http/errors.ts';
import { rawBody } from './intake.ts';

/** Registers the Stripe intake (inside the raw-body webhooks scope). */
export async function stripeWebhookRoutes(app: FastifyInstance, billing: Billing, now: () => Date): Promise<void> {
  app.post('/webhooks/stripe', {
    schema: {
      tags: ['webhooks'], summary: 'Stripe events (Stripe-Signature, 300 s tolerance either way)',
      response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['applied', 'duplicate', 'unchanged', 'ignored'] } } }, 400: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request, reply) => {
    if (!billing.stripe) throw new AppError('STRIPE_NOT_CONFIGURED', 'Stripe is not configured.');
    let parsed: ReturnType<StripePaymentProvider['parseWebhook']> | undefined;
    let refusal: StripeWebhookError | undefined;
    for (const endpoint of billing.stripe) {
      try {
        parsed = endpoint.parseWebhook(rawBody(request.body), request.headers['stripe-signature'] as string | undefined, now());
        break;
      } catch (err) {
        if (!(err instanceof StripeWebhookError)) throw err;
        refusal ??= err;
        if (err.code !== 'STRIPE_SIGNATURE_INVALID') refusal = err;
      }
    }
    if (!parsed) throw new AppError(refusal!.code, refusal!.message, undefined, { cause: refusal });
    if ('ignored' in parsed) {
      request.log.info({ eventId: parsed.eventId, eventType: parsed.ignored }, 'stripe event ignored');
      return reply.send({ status: 'ignored' });
    }
    const status = await billing.applyPaymentEvent(parsed, 'stripe');
    request.log.info({ eventId: parsed.eventId, kind: parsed.kind, status }, 'stripe event received');
    return reply.send({ status });
  });
}
