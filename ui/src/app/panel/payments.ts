import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { TeleconsultationSummary } from '#protocol/live';
import { BillingApi } from '../billing/billing-api';
import type { PaymentListItem } from '../billing/billing-api';
import { billingErrorMessage } from '../billing/billing-messages';
import type { BillingMessage } from '../billing/billing-messages';
import { paymentStatusKey } from '../billing/live-payment';
import { formatMoney } from '../billing/money';
import { I18n, TranslatePipe, localeOf } from '../i18n/i18n';
import type { Language, TranslationKey } from '../i18n/i18n';

/** Date and time of a teleconsultation in the browser's time zone ("15 juin 2026, 10:30"). */
export function formatStartsAt(iso: string, language: Language): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Intl.DateTimeFormat(localeOf(language), { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** Translation key of a teleconsultation status. */
export function teleconsultationStatusKey(status: TeleconsultationSummary['status']): TranslationKey {
  return `billing.teleconsultation.${status}`;
}

/**
 * "Suivi des paiements" (`/panel/:id/payments`): the practitioner's teleconsultations, newest
 * first, with their payment. Read on opening and on "Actualiser" (no live updates here). The
 * waiting-room link is offered for the current teleconsultation only: the panel of another one
 * needs that teleconsultation's own session, opened from its agenda "Rejoindre" link.
 */
@Component({
  selector: 'tc-payments-page',
  imports: [TranslatePipe, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>{{ 'billing.followUp' | t }}</h1>
    <p class="links">
      <a [routerLink]="['/panel', id()]">{{ 'billing.backToPanel' | t }}</a>
      <button type="button" [disabled]="loading()" (click)="refresh()">{{ 'billing.refresh' | t }}</button>
    </p>
    <p class="hint">{{ 'billing.followUpHint' | t }}</p>
    @if (error(); as e) {
      <p class="error" role="alert">{{ e.key | t: e.params }}</p>
    }
    @if (loading() && !items()) {
      <p role="status">{{ 'live.loading' | t }}</p>
    }
    @if (rows(); as list) {
      @if (list.length === 0) {
        <p>{{ 'billing.noItems' | t }}</p>
      } @else {
        <div class="table-wrap">
          <table data-testid="payments-table">
            <thead>
              <tr>
                <th scope="col">{{ 'billing.column.date' | t }}</th>
                <th scope="col">{{ 'billing.column.patient' | t }}</th>
                <th scope="col">{{ 'billing.column.consultation' | t }}</th>
                <th scope="col">{{ 'billing.column.amount' | t }}</th>
                <th scope="col">{{ 'billing.column.payment' | t }}</th>
                <th scope="col">{{ 'billing.column.link' | t }}</th>
              </tr>
            </thead>
            <tbody>
              @for (row of list; track row.id) {
                <tr [class.current]="row.current">
                  <td>{{ row.date }}</td>
                  <th scope="row">{{ row.patientName }}</th>
                  <td>{{ row.statusKey | t }}</td>
                  <td>{{ row.amount }}</td>
                  <td [attr.data-payment-status]="row.paymentStatus">{{ row.paymentKey | t }}</td>
                  <td>
                    @if (row.current) {
                      <a [routerLink]="['/panel', row.id]">{{ 'billing.openWaitingRoom' | t }}</a> {{ 'billing.thisOne' | t }}
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    }
  `,
  styles: `
    .links { display: flex; flex-wrap: wrap; gap: var(--space-3); align-items: center; }
    .hint { color: var(--color-text-muted); }
    .error { color: var(--color-danger); }
    .table-wrap { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: var(--space-2); border-bottom: 1px solid var(--color-border); }
    tbody th { font-weight: normal; }
    tr.current { background: var(--color-surface); font-weight: 600; }
  `,
})
export class PaymentsPage {
  /** The current teleconsultation (its session cookie authorises the list). */
  readonly id = input.required<string>();

  private readonly api = inject(BillingApi);
  private readonly i18n = inject(I18n);

  readonly items = signal<readonly PaymentListItem[] | null>(null);
  readonly loading = signal(false);
  readonly error = signal<BillingMessage | null>(null);

  /** The rows as shown, in the UI language. */
  readonly rows = computed(() => {
    const items = this.items();
    if (!items) return null;
    const language = this.i18n.language();
    return items.map((item) => ({
      id: item.teleconsultationId,
      current: item.teleconsultationId === this.id(),
      date: formatStartsAt(item.startsAt, language),
      patientName: item.patientName,
      statusKey: teleconsultationStatusKey(item.status),
      amount: item.payment ? formatMoney(item.payment.amount.value, item.payment.amount.currency, language) : '—',
      paymentStatus: item.payment?.status ?? 'none',
      paymentKey: item.payment ? paymentStatusKey(item.payment.status) : ('billing.noPayment' satisfies TranslationKey),
    }));
  });

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() => this.load(id));
    });
  }

  /** "Actualiser". */
  refresh(): void {
    this.load(this.id());
  }

  private load(id: string): void {
    this.loading.set(true);
    this.api.payments(id).subscribe({
      next: (items) => {
        this.items.set(items);
        this.error.set(null);
        this.loading.set(false);
      },
      error: (error: unknown) => {
        this.error.set(billingErrorMessage(error));
        this.loading.set(false);
      },
    });
  }
}
