import { isPayable, nextPayment } from './live-payment';
import { paymentOf } from './testing';

describe('nextPayment', () => {
  const requested = paymentOf();
  const paid = paymentOf({ status: 'paid', paidAt: '2026-06-15T09:00:00.000Z' });
  const newer = paymentOf({ id: 'pay_2', amount: { value: 4000, currency: 'EUR' }, requestedAt: '2026-06-15T08:55:00.000Z' });

  it('takes the first request and its later statuses', () => {
    expect(nextPayment(null, requested)).toEqual(requested);
    expect(nextPayment(requested, paid)).toEqual(paid);
  });

  it('never goes back to an earlier status of the same request', () => {
    expect(nextPayment(paid, requested)).toEqual(paid);
  });

  it('lets a new amount replace the unpaid request, whatever the order of the events', () => {
    const replaced = paymentOf({ status: 'replaced', url: null });
    expect(nextPayment(nextPayment(requested, replaced), newer)).toEqual(newer);
    expect(nextPayment(nextPayment(requested, newer), replaced)).toEqual(newer);
    expect(nextPayment(newer, requested)).toEqual(newer);
  });

  it('keeps what a live event brought when a GET answers null', () => {
    expect(nextPayment(requested, null)).toEqual(requested);
    expect(nextPayment(null, null)).toBeNull();
  });

  it('says when the patient can pay', () => {
    expect(isPayable(requested)).toBeTrue();
    expect(isPayable(paymentOf({ status: 'creating' }))).toBeTrue();
    expect(isPayable(paid)).toBeFalse();
    expect(isPayable(paymentOf({ url: null }))).toBeFalse();
    expect(isPayable(null)).toBeFalse();
  });
});
