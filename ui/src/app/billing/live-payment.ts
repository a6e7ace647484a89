import type { DestroyRef, WritableSignal } from '@angular/core';
import type { PaymentSummary } from '#protocol/live';
import type { TranslationKey } from '../i18n/i18n';
import type { LiveSocket } from '../live/live-socket';

const RANK: Readonly<Record<PaymentSummary['status'], number>> = { creating: 0, requested: 1, failed: 2, expired: 2, paid: 3, refunded: 4, replaced: 5 };

/**
 * The request to show after an update (a live `payment` event or a GET answer), whatever the
 * order they arrive in: a replaced request gives way to its successor, an older request never
 * hides a newer one, and a request never goes back (e.g. `paid` then a late `requested`).
 * `null` (nothing on the server when a GET was answered) keeps what a live event already brought.
 */
export function nextPayment(current: PaymentSummary | null, incoming: PaymentSummary | null): PaymentSummary | null {
  if (!incoming) return current;
  if (!current) return incoming.status === 'replaced' ? null : incoming;
  if (incoming.id === current.id) {
    if (incoming.status === 'replaced') return null;
    return RANK[incoming.status] >= RANK[current.status] ? incoming : current;
  }
  if (incoming.status === 'replaced') return current;
  return incoming.requestedAt >= current.requestedAt ? incoming : current;
}

/** Translation key of a payment status ("Demandée", "Payée"…). */
export function paymentStatusKey(status: PaymentSummary['status']): TranslationKey {
  return `billing.status.${status}`;
}

/** True while the patient can still pay the request. */
export function isPayable(payment: PaymentSummary | null): boolean {
  return !!payment && !!payment.url && (payment.status === 'requested' || payment.status === 'creating');
}

/**
 * Keeps a payment signal current from the live socket: applies `payment` events, and calls
 * `reload` after a reconnection (any `state` but the first), since events may have been
 * missed meanwhile. Unsubscribes with `destroyRef`.
 */
export function followLivePayment(socket: LiveSocket | null, payment: WritableSignal<PaymentSummary | null>, reload: () => void, destroyRef: DestroyRef): void {
  let connections = 0;
  const subscription = socket?.messages$.subscribe((message) => {
    if (message.type === 'payment') payment.update((current) => nextPayment(current, message.payment));
    else if (message.type === 'state' && connections++ > 0) reload();
  });
  destroyRef.onDestroy(() => subscription?.unsubscribe());
}
