import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, computed, effect, inject, input, output, signal, untracked, viewChild } from '@angular/core';
import type { PaymentSummary } from '#protocol/live';
import { BillingApi } from '../billing/billing-api';
import type { InvoiceSettings } from '../billing/billing-api';
import { billingErrorMessage } from '../billing/billing-messages';
import type { BillingMessage } from '../billing/billing-messages';
import { followLivePayment, nextPayment, paymentStatusKey } from '../billing/live-payment';
import { amountFieldText, currencySymbol, formatMoney, parseTypedAmount } from '../billing/money';
import { FollowUpLinkButton } from '../follow-up/follow-up-link-button';
import { I18n, TranslatePipe } from '../i18n/i18n';
import type { TranslationKey } from '../i18n/i18n';
import { LiveSocket } from '../live/live-socket';

/**
 * "€ Facture" on the practitioner's panel: a button that opens a dialog with the clinic's preset
 * amounts and a typed amount (French decimal comma accepted), which asks the patient to pay
 * (end-of-call screen, SMS, email). The current request's status follows live (`payment`
 * events of the page's LiveSocket). One request is in flight at a time, so a double click sends
 * once (the server is idempotent as well). Before hanging up without a request, the panel
 * asks `remindBeforeHangUp()`, which opens the dialog with a reminder once.
 */
@Component({
  selector: 'tc-invoice',
  imports: [TranslatePipe, FollowUpLinkButton],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="invoice" [attr.aria-label]="'billing.dialogTitle' | t">
      <div class="invoice-bar">
        <button type="button" class="invoice-open" aria-haspopup="dialog" (click)="openDialog()">{{ 'billing.invoice' | t }}</button>
        <p class="invoice-status" role="status" aria-live="polite" data-testid="invoice-status">
          @if (payment(); as p) {
            {{ 'billing.current' | t: { status: statusText(p), amount: money(p.amount.value, p.amount.currency) } }}
          } @else {
            {{ 'billing.none' | t }}
          }
        </p>
        @if (settings()?.sandbox) {
          <span class="badge" data-testid="sandbox-badge">{{ 'billing.sandbox' | t }}</span>
        }
        <tc-follow-up-link-button class="follow-up" [teleconsultationId]="teleconsultationId()" />
      </div>
      @if (inCall() && needsPayment()) {
        <p class="reminder" role="note">{{ 'billing.reminder' | t }}</p>
      }
    </section>

    <dialog #dialog aria-labelledby="invoice-title" (close)="reminding.set(false)">
      <h2 id="invoice-title">{{ 'billing.dialogTitle' | t }}</h2>
      @if (reminding()) {
        <p class="reminder" role="alert">{{ 'billing.reminder' | t }}</p>
      }
      @if (settings(); as s) {
        @if (s.sandbox) {
          <p><span class="badge">{{ 'billing.sandbox' | t }}</span> {{ 'billing.sandboxHint' | t }}</p>
        }
        @if (payment(); as p) {
          <p class="current" data-testid="invoice-current">{{ 'billing.current' | t: { status: statusText(p), amount: money(p.amount.value, p.amount.currency) } }}</p>
          @if (p.status === 'requested') {
            <button type="button" [disabled]="resending()" (click)="resendLink()">{{ (resending() ? 'billing.resending' : 'billing.resend') | t }}</button>
          }
        }
        @if (canRequest()) {
          <form (submit)="$event.preventDefault(); requestPayment()">
            @if (s.presetsCents.length) {
              <fieldset class="presets">
                <legend>{{ 'billing.presets' | t }}</legend>
                @for (cents of s.presetsCents; track cents) {
                  <button type="button" [attr.aria-pressed]="typedCents() === cents" (click)="choosePreset(cents)">{{ money(cents, s.currency) }}</button>
                }
              </fieldset>
            }
            <label for="invoice-amount">{{ 'billing.amountLabel' | t: { currency: symbol() } }}</label>
            <input id="invoice-amount" type="text" inputmode="decimal" autocomplete="off" aria-describedby="invoice-amount-hint"
              [attr.aria-invalid]="error() ? true : null" [value]="amountText()" (input)="typeAmount($event)" />
            <p id="invoice-amount-hint" class="hint">{{ 'billing.amountHint' | t }}</p>
            @if (payment()?.status === 'requested') {
              <p class="hint">{{ 'billing.replaceHint' | t }}</p>
            }
            <button type="submit" class="primary" [disabled]="pending()">{{ (pending() ? 'billing.sending' : 'billing.send') | t }}</button>
          </form>
        }
      }
      @if (error(); as e) {
        <p class="error" role="alert" data-testid="invoice-error">{{ e.key | t: e.params }}</p>
      }
      @if (notice(); as n) {
        <p class="notice" role="status">{{ n | t }}</p>
      }
      <div class="dialog-actions">
        @if (reminding()) {
          <button type="button" (click)="hangUpWithoutPayment()">{{ 'billing.hangUpAnyway' | t }}</button>
        }
        <button type="button" (click)="closeDialog()">{{ 'billing.close' | t }}</button>
      </div>
    </dialog>
  `,
  styles: `
    .invoice { margin-top: var(--space-3); }
    .invoice-bar { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-2); }
    .invoice-status { margin: 0; }
    .badge { display: inline-block; padding: 0 var(--space-2); border-radius: var(--radius); background: #fff3cd; color: #5c4400; border: 1px solid #e0c060; font-weight: 600; }
    .reminder { font-weight: 600; color: var(--color-danger); }
    .follow-up { margin-left: auto; }
    dialog { max-width: min(32rem, 94vw); border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); color: var(--color-text); }
    .presets { display: flex; flex-wrap: wrap; gap: var(--space-2); border: 0; padding: 0; margin: 0 0 var(--space-3); }
    .presets button[aria-pressed='true'] { outline: 2px solid var(--color-accent); }
    label, input { display: block; width: 100%; }
    .hint { color: var(--color-text-muted); font-size: 0.9rem; }
    .primary { background: var(--color-accent); color: var(--color-on-accent); border-color: var(--color-accent); }
    .error { color: var(--color-danger); }
    .notice { color: var(--color-success); }
    .dialog-actions { display: flex; flex-wrap: wrap; gap: var(--space-2); justify-content: flex-end; margin-top: var(--space-3); }
  `,
})
export class Invoice {
  /** The teleconsultation whose payment is requested. */
  readonly teleconsultationId = input.required<string>();
  /** The practitioner is in the call: show the reminder while no payment was requested. */
  readonly inCall = input(false);
  /** The practitioner chose to hang up without requesting payment. */
  readonly hangUpAnyway = output<void>();

  private readonly api = inject(BillingApi);
  private readonly i18n = inject(I18n);
  private readonly socket = inject(LiveSocket, { optional: true });
  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');

  /** Presets, maximum and sandbox flag; null until loaded. */
  readonly settings = signal<InvoiceSettings | null>(null);
  /** The teleconsultation's current payment request. */
  readonly payment = signal<PaymentSummary | null>(null);
  /** What the amount field holds. */
  readonly amountText = signal('');
  /** A request is on its way: further clicks do nothing. */
  readonly pending = signal(false);
  readonly resending = signal(false);
  /** What went wrong last (a refused typed amount's code, or the failed call's error). */
  private readonly failure = signal<unknown>(null);
  /** The text of `failure`, in the current language (the maximum is formatted at display time). */
  readonly error = computed<BillingMessage | null>(() => {
    const failure = this.failure();
    if (failure === null) return null;
    const s = this.settings();
    return billingErrorMessage(failure, { maxText: s ? this.money(s.maxCents, s.currency) : '' });
  });
  readonly notice = signal<TranslationKey | null>(null);
  /** The dialog was opened by a hang-up without a payment request. */
  readonly reminding = signal(false);
  private reminded = false;

  /** True while nothing (or nothing payable any more) was requested. */
  readonly needsPayment = computed(() => {
    const p = this.payment();
    return !p || p.status === 'failed' || p.status === 'expired';
  });
  /** A paid (or refunded) consultation is not invoiced again. */
  protected readonly canRequest = computed(() => {
    const status = this.payment()?.status;
    return status !== 'paid' && status !== 'refunded';
  });
  protected readonly typedCents = computed(() => {
    const s = this.settings();
    if (!s) return null;
    const typed = parseTypedAmount(this.amountText(), s.currency, s.maxCents);
    return typed.ok ? typed.cents : null;
  });
  protected readonly symbol = computed(() => currencySymbol(this.settings()?.currency ?? 'EUR', this.i18n.language()));

  constructor() {
    followLivePayment(this.socket, this.payment, () => this.load(this.teleconsultationId()), inject(DestroyRef));
    effect(() => {
      const id = this.teleconsultationId();
      untracked(() => this.load(id));
    });
  }

  /** Opens the "€ Facture" dialog. */
  openDialog(): void {
    this.failure.set(null);
    this.notice.set(null);
    if (!this.settings()) this.load(this.teleconsultationId());
    const dialog = this.dialog().nativeElement;
    if (!dialog.open) dialog.showModal();
  }

  /** Closes the dialog. */
  closeDialog(): void {
    this.dialog().nativeElement.close();
  }

  /** A preset amount fills the amount field (sent with "Envoyer la demande de paiement"). */
  choosePreset(cents: number): void {
    const s = this.settings();
    if (!s) return;
    this.amountText.set(amountFieldText(cents, s.currency, this.i18n.language()));
    this.failure.set(null);
  }

  /** The practitioner typed in the amount field. */
  typeAmount(event: Event): void {
    this.amountText.set((event.target as HTMLInputElement).value);
    this.failure.set(null);
  }

  /** "Envoyer la demande de paiement": checks the amount, then sends it once. */
  requestPayment(): void {
    const s = this.settings();
    if (this.pending() || !s) return;
    this.notice.set(null);
    const typed = parseTypedAmount(this.amountText(), s.currency, s.maxCents);
    if (!typed.ok) {
      this.failure.set(typed.code);
      return;
    }
    this.failure.set(null);
    this.pending.set(true);
    this.api.requestPayment(this.teleconsultationId(), { value: typed.text, currency: s.currency }).subscribe({
      next: ({ payment }) => {
        this.payment.update((current) => nextPayment(current, payment));
        this.notice.set('billing.sent');
        this.reminding.set(false);
        this.pending.set(false);
      },
      error: (error: unknown) => {
        this.failure.set(error);
        this.pending.set(false);
      },
    });
  }

  /** "Renvoyer le lien": the open request's link goes again by SMS and email. */
  resendLink(): void {
    if (this.resending()) return;
    this.failure.set(null);
    this.notice.set(null);
    this.resending.set(true);
    this.api.resendLink(this.teleconsultationId()).subscribe({
      next: (payment) => {
        this.payment.update((current) => nextPayment(current, payment));
        this.notice.set('billing.resent');
        this.resending.set(false);
      },
      error: (error: unknown) => {
        this.failure.set(error);
        this.resending.set(false);
      },
    });
  }

  /**
   * Called by the panel when the practitioner hangs up. The first time no payment was
   * requested, opens the dialog with "Pensez à demander le paiement avant de raccrocher" and
   * returns true (the panel does not hang up); otherwise returns false.
   */
  remindBeforeHangUp(): boolean {
    if (this.reminded || !this.needsPayment()) return false;
    this.reminded = true;
    this.openDialog();
    this.reminding.set(true);
    return true;
  }

  /** "Raccrocher sans demander le paiement". */
  hangUpWithoutPayment(): void {
    this.closeDialog();
    this.hangUpAnyway.emit();
  }

  /** An amount in the UI language ("30,00 €"). */
  protected money(cents: number, currency: string): string {
    return formatMoney(cents, currency, this.i18n.language());
  }

  protected statusText(payment: PaymentSummary): string {
    return this.i18n.t(paymentStatusKey(payment.status));
  }

  private load(id: string): void {
    this.api.invoiceSettings(id).subscribe({
      next: (settings) => {
        this.settings.set(settings);
        this.payment.update((current) => nextPayment(current, settings.payment));
      },
      error: (error: unknown) => this.failure.set(error),
    });
  }
}
