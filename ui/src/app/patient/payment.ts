import { ChangeDetectionStrategy, Component, DestroyRef, computed, effect, inject, input, signal, untracked } from '@angular/core';
import type { PaymentSummary } from '#protocol/live';
import { BillingApi } from '../billing/billing-api';
import { followLivePayment, isPayable, nextPayment } from '../billing/live-payment';
import { formatMoney } from '../billing/money';
import { I18n, TranslatePipe } from '../i18n/i18n';
import { LiveSocket } from '../live/live-socket';

/**
 * The patient's payment, on the patient page and its end-of-call screen: the amount and a
 * large "Payer" link to the payment page (same tab), "Paiement reçu, merci" once paid, and a
 * test label in sandbox mode. Follows the page's live `payment` events while connected, and
 * reads the current request on load and when the call ends (the live connection closes then).
 * Shows nothing while no payment was requested.
 */
@Component({
  selector: 'tc-patient-payment',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (payment(); as p) {
      <section class="payment" aria-labelledby="payment-title" data-testid="patient-payment">
        <h2 id="payment-title">{{ 'billing.patient.title' | t }}</h2>
        @if (p.sandbox) {
          <p class="sandbox" role="note">{{ 'billing.patient.sandbox' | t }}</p>
        }
        <div role="status" aria-live="polite">
          @switch (p.status) {
            @case ('paid') {
              <p class="paid">{{ 'billing.patient.paid' | t }}</p>
              <p>{{ amount() }}</p>
            }
            @case ('failed') {
              <p class="problem">{{ 'billing.patient.failed' | t }}</p>
            }
            @case ('expired') {
              <p class="problem">{{ 'billing.patient.expired' | t }}</p>
            }
            @case ('refunded') {
              <p>{{ 'billing.patient.refunded' | t }}</p>
            }
            @default {
              <p class="amount">{{ 'billing.patient.amount' | t: { amount: amount() } }}</p>
            }
          }
        </div>
        @if (payable() && p.url) {
          <a class="pay" [href]="p.url" data-testid="pay-link">{{ 'billing.patient.pay' | t }}</a>
          <p class="hint">{{ 'billing.patient.hint' | t }}</p>
        }
      </section>
    }
  `,
  styles: `
    .payment { margin-top: var(--space-4); padding: var(--space-3); border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); text-align: center; }
    h2 { margin-top: 0; font-size: 1.25rem; }
    .sandbox { background: #fff3cd; color: #5c4400; border: 1px solid #e0c060; border-radius: var(--radius); padding: var(--space-2); font-weight: 600; }
    .amount { font-size: 1.5rem; font-weight: 700; }
    .paid { font-size: 1.25rem; font-weight: 700; color: var(--color-success); }
    .problem { color: var(--color-danger); }
    .pay { display: block; width: 100%; box-sizing: border-box; min-height: var(--tap-size); padding: var(--space-3); border-radius: var(--radius);
      background: var(--color-accent); color: var(--color-on-accent); font-size: 1.25rem; font-weight: 700; text-decoration: none; }
    .hint { color: var(--color-text-muted); font-size: 0.9rem; }
  `,
})
export class PatientPayment {
  /** The patient's teleconsultation. */
  readonly teleconsultationId = input.required<string>();
  /** The call is over (the live connection is closed): the current request is read again. */
  readonly ended = input(false);

  private readonly api = inject(BillingApi);
  private readonly i18n = inject(I18n);
  private readonly socket = inject(LiveSocket, { optional: true });

  /** The payment to show, if any. */
  readonly payment = signal<PaymentSummary | null>(null);
  /** True while the patient can pay. */
  readonly payable = computed(() => isPayable(this.payment()));
  protected readonly amount = computed(() => {
    const p = this.payment();
    return p ? formatMoney(p.amount.value, p.amount.currency, this.i18n.language()) : '';
  });

  constructor() {
    followLivePayment(this.socket, this.payment, () => this.load(this.teleconsultationId()), inject(DestroyRef));
    effect(() => {
      const id = this.teleconsultationId();
      this.ended();
      untracked(() => this.load(id));
    });
  }

  private load(id: string): void {
    this.api.patientPayment(id).subscribe({
      next: (payment) => this.payment.update((current) => nextPayment(current, payment)),
      // Nothing to show without an answer (e.g. the session ended): the link also came by SMS and email.
      error: () => undefined,
    });
  }
}
