import type { PaymentSummary } from '#protocol/live';

/** A payment summary as the server sends it, for specs. */
export function paymentOf(overrides: Partial<PaymentSummary> = {}): PaymentSummary {
  return {
    id: 'pay_1', status: 'requested', amount: { value: 3000, currency: 'EUR' }, url: 'https://tc.example/pay/tok_1',
    sandbox: false, requestedAt: '2026-06-15T08:50:00.000Z', paidAt: null, ...overrides,
  };
}
