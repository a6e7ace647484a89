/**
 * Sandbox payments, for a first run without a Stripe account: the payment page is a local
 * page clearly labelled as a test, where the patient simulates success or failure. The
 * result goes through the same status path as a Stripe webhook. Never used when Stripe is
 * configured.
 */
import { randomUUID } from 'node:crypto';
import { escapeHtml, htmlPage } from '../http/html-page.ts';
import { formatAmount } from '#protocol/money';
import type { PaymentProvider } from './payment-provider.ts';

/** The sandbox provider: its "payment page" is `/pay/sandbox/<token>` on this service. */
export function createSandboxProvider(payLink: (paymentRequestId: string) => string): PaymentProvider {
  return {
    name: 'sandbox',
    async createPaymentLink(req) {
      const link = payLink(req.paymentRequestId);
      const token = link.slice(link.lastIndexOf('/') + 1);
      return { providerId: `sandbox_${randomUUID()}`, url: link.replace(/\/pay\/[^/]+$/, `/pay/sandbox/${token}`), expiresAt: req.expiresAt };
    },
    async expirePaymentLink() {
      // Nothing to close: the sandbox page reads the request's status.
    },
  };
}

/** The test payment page. */
export function sandboxPage(input: { token: string; amountCents: number; currency: string; description: string; status: string; lang: 'fr' | 'en' }): string {
  const fr = input.lang === 'fr';
  const amount = formatAmount(input.amountCents, input.currency, fr ? 'fr-FR' : 'en-GB');
  const open = input.status === 'requested' || input.status === 'creating';
  const t = fr
    ? { title: 'Paiement de test', banner: 'Mode test : aucun argent n’est débité. Cette page remplace la page de paiement tant qu’aucun compte Stripe n’est configuré.', pay: 'Simuler un paiement réussi', fail: 'Simuler un échec', done: 'Statut du paiement' }
    : { title: 'Test payment', banner: 'Test mode: no money is taken. This page stands in for the payment page while no Stripe account is configured.', pay: 'Simulate a successful payment', fail: 'Simulate a failure', done: 'Payment status' };
  const css = '.amount{font-size:2rem;font-weight:700;margin:.5rem 0}button{font:inherit;width:100%;padding:.8rem;margin:.3rem 0;border-radius:.4rem;min-height:44px}'
    + '.ok{background:#1b7f3b;color:#fff;border:0}.ko{background:transparent;border:1px solid #b00020;color:#b00020}';
  return htmlPage({ lang: input.lang, title: t.title, width: '28rem', css, body: `<p class="banner" role="note">${t.banner}</p><h1>${t.title}</h1>
<p>${escapeHtml(input.description)}</p><p class="amount">${escapeHtml(amount)}</p>
${open ? `<form method="post" action="/pay/sandbox/${escapeHtml(input.token)}/paid"><button class="ok">${t.pay}</button></form>
<form method="post" action="/pay/sandbox/${escapeHtml(input.token)}/failed"><button class="ko">${t.fail}</button></form>`
    : `<p>${t.done} : <strong data-status="${escapeHtml(input.status)}">${escapeHtml(input.status)}</strong></p>`}` });
}
