/**
 * The patient's payment pages: `/pay/<token>`, the link in every message, which opens the
 * provider's current payment page (made again when it expired), and, without Stripe, the
 * sandbox's test page where the patient simulates the outcome.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ERRORS } from '#protocol/errors';
import { paymentRequests } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { escapeHtml, htmlPage } from '../http/html-page.ts';
import type { Services } from '../services.ts';
import { verifyPayToken, type PaymentRequest } from './payments.ts';
import { sandboxPage } from './sandbox.ts';
import type { Billing } from './service.ts';

function lang(request: FastifyRequest): 'fr' | 'en' {
  return (request.headers['accept-language'] ?? '').toLowerCase().startsWith('en') ? 'en' : 'fr';
}

const PAGES = {
  PAYMENT_PAID: { fr: ['Paiement reçu', 'Merci, votre paiement a bien été reçu.'], en: ['Payment received', 'Thank you, your payment was received.'] },
  PAYMENT_REPLACED: { fr: ['Lien remplacé', 'Votre praticien vous a envoyé un nouveau lien de paiement.'], en: ['Link replaced', 'Your practitioner sent you a new payment link.'] },
  PAYMENT_CLOSED: { fr: ['Paiement clos', 'Ce paiement ne peut plus être réglé par ce lien. Contactez votre praticien.'], en: ['Payment closed', 'This payment can no longer be made with this link. Please contact your practitioner.'] },
  PAYMENT_LINK_INVALID: { fr: ['Lien invalide', 'Ce lien de paiement n’est pas valide.'], en: ['Invalid link', 'This payment link is not valid.'] },
  PAYMENT_UNAVAILABLE: { fr: ['Paiement momentanément indisponible', 'Le service de paiement ne répond pas. Réessayez dans quelques minutes.'], en: ['Payment temporarily unavailable', 'The payment service is not answering. Please try again in a few minutes.'] },
} as const;

/** Answers with a page; its status is the code's (200 for "paid"). */
function page(reply: FastifyReply, request: FastifyRequest, code: keyof typeof PAGES): FastifyReply {
  const l = lang(request);
  const [title, text] = PAGES[code][l];
  const status = code === 'PAYMENT_PAID' ? 200 : ERRORS[code].status;
  return reply.status(status).header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').type('text/html; charset=utf-8')
    .send(htmlPage({ lang: l, title, width: '28rem', body: `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p><p><small>${code}</small></p>` }));
}

async function requestFromToken(services: Services, token: string): Promise<PaymentRequest | null> {
  const id = verifyPayToken(services.config.linkSecret, token);
  if (!id) return null;
  const [p] = await services.database.db.select().from(paymentRequests).where(eq(paymentRequests.id, id));
  return p ?? null;
}

/** Registers `/pay/…`. */
export async function paymentPages(app: FastifyInstance, services: Services, billing: Billing): Promise<void> {
  app.get<{ Params: { token: string } }>('/pay/:token', { schema: { hide: true } }, async (request, reply) => {
    const p = await requestFromToken(services, request.params.token);
    if (!p) return page(reply, request, 'PAYMENT_LINK_INVALID');
    if (p.status === 'paid' || p.status === 'refunded') return page(reply, request, 'PAYMENT_PAID');
    if (p.status === 'replaced') return page(reply, request, 'PAYMENT_REPLACED');
    if (p.status !== 'requested' && p.status !== 'creating') return page(reply, request, 'PAYMENT_CLOSED');
    if ((request.query as { done?: string }).done) return page(reply, request, 'PAYMENT_PAID');
    try {
      const ready = await billing.checkoutFor(p);
      return reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(ready.checkoutUrl!, 303);
    } catch (err) {
      request.log.warn({ err: { code: (err as { code?: string }).code }, paymentRequestId: p.id }, 'payment page unavailable');
      return page(reply, request, 'PAYMENT_UNAVAILABLE');
    }
  });

  if (billing.provider?.name !== 'sandbox') return;
  // HTML forms post url-encoded bodies; nothing is read from them.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1024 }, (_req, _body, done) => done(null, {}));
  app.get<{ Params: { token: string } }>('/pay/sandbox/:token', { schema: { hide: true } }, async (request, reply) => {
    const p = await requestFromToken(services, request.params.token);
    if (!p) return page(reply, request, 'PAYMENT_LINK_INVALID');
    return reply.header('cache-control', 'no-store').type('text/html; charset=utf-8')
      .send(sandboxPage({ token: request.params.token, amountCents: p.amountCents, currency: p.currency, description: p.description, status: p.status, lang: lang(request) }));
  });
  app.post<{ Params: { token: string; outcome: string } }>('/pay/sandbox/:token/:outcome', { schema: { hide: true } }, async (request, reply) => {
    const p = await requestFromToken(services, request.params.token);
    if (!p) return page(reply, request, 'PAYMENT_LINK_INVALID');
    const outcome = request.params.outcome;
    if (outcome !== 'paid' && outcome !== 'failed') throw new AppError('NOT_FOUND', 'No such outcome.');
    if (!p.checkoutId) throw new AppError('PAYMENT_NOT_READY', 'The payment page is not ready yet.');
    await billing.applyPaymentEvent({ eventId: `sandbox_${randomUUID()}`, kind: outcome, providerId: p.checkoutId, paymentRequestId: p.id, at: services.now(), amountCents: p.amountCents, currency: p.currency }, 'sandbox');
    return reply.redirect(`/pay/sandbox/${request.params.token}`, 303);
  });
}
