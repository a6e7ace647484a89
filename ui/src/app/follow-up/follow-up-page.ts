import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import type { Subscription } from 'rxjs';
import type { FollowUpEvent, FollowUpItem, FollowUpMe } from '#protocol/follow-up';
import type { BillingMessage } from '../billing/billing-messages';
import { nextPayment, paymentStatusKey } from '../billing/live-payment';
import { formatMoney } from '../billing/money';
import { I18n, TranslatePipe } from '../i18n/i18n';
import type { TranslationKey } from '../i18n/i18n';
import { ApiError } from '../shared/api-error';
import { FollowUpApi } from './follow-up-api';
import { FollowUpDetails } from './follow-up-details';
import { formatElapsed } from '../live/live-format';
import { dayValue, followUpErrorMessage, formatStartsAt, teleconsultationStatusKey, whenOf } from './follow-up-format';
import { SignInForm } from './sign-in-form';

const DAY_MS = 86_400_000;
const DEFAULT_DAYS = 30;
const GROUPS = ['upcoming', 'today', 'past'] as const;

function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The default period, as the server's: 30 days back to 30 days ahead. */
function defaultFrom(timeZone: string): string {
  return dayValue(new Date(Date.now() - DEFAULT_DAYS * DAY_MS), timeZone);
}

function defaultTo(timeZone: string): string {
  return dayValue(new Date(Date.now() + DEFAULT_DAYS * DAY_MS), timeZone);
}

/**
 * "Suivi et paiement" (`/follow-up`): the practitioner's teleconsultations of a period, today's,
 * upcoming and past, with their payment kept live (Server-Sent Events), "Rejoindre", "Renvoyer
 * le lien de paiement", the documents and conversation, and the payments export. Without a
 * session, the sign-in form.
 */
@Component({
  selector: 'tc-follow-up-page',
  imports: [TranslatePipe, SignInForm, FollowUpDetails],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './follow-up-page.html',
  styleUrl: './follow-up-page.css',
})
export class FollowUpPage {
  private readonly api = inject(FollowUpApi);
  private readonly i18n = inject(I18n);
  private readonly destroyRef = inject(DestroyRef);

  readonly state = signal<'loading' | 'signed-out' | 'signed-in'>('loading');
  readonly me = signal<FollowUpMe | null>(null);
  readonly items = signal<readonly FollowUpItem[] | null>(null);
  readonly loading = signal(false);
  readonly error = signal<BillingMessage | null>(null);
  readonly notice = signal<{ key: TranslationKey; params: Record<string, string> } | null>(null);
  /** The period's days, in the practitioner's time zone (the browser's until it is known). */
  readonly from = signal(defaultFrom(localZone()));
  readonly to = signal(defaultTo(localZone()));
  readonly unpaidOnly = signal(false);
  readonly resending = signal<string | null>(null);
  private events: Subscription | null = null;

  /** The export link of the chosen period. */
  readonly csvUrl = computed(() => this.api.paymentsCsvUrl({ from: this.from(), to: this.to() }));

  /** The rows as shown, in the UI language, grouped: upcoming, today, past. */
  readonly groups = computed(() => {
    const items = this.items() ?? [];
    const language = this.i18n.language();
    const now = new Date();
    const rows = items.map((item) => ({
      item,
      when: whenOf(item.startsAt, now, item.timezone),
      date: formatStartsAt(item.startsAt, item.timezone, language),
      statusKey: teleconsultationStatusKey(item.status),
      duration: formatElapsed(item.actualDurationSeconds),
      amount: item.payment ? formatMoney(item.payment.amount.value, item.payment.amount.currency, language) : '—',
      paymentKey: item.payment ? paymentStatusKey(item.payment.status) : ('billing.noPayment' satisfies TranslationKey),
    }));
    return GROUPS.map((when) => ({ when, titleKey: `followUp.group.${when}` satisfies TranslationKey, rows: rows.filter((r) => r.when === when) }))
      .filter((g) => g.rows.length > 0);
  });

  constructor() {
    this.destroyRef.onDestroy(() => this.events?.unsubscribe());
    this.checkSession();
  }

  /** Whether a session is open: the list, or the sign-in form. */
  checkSession(): void {
    this.api.me().subscribe({
      next: (me) => {
        this.me.set(me);
        this.from.set(defaultFrom(me.practitioner.timezone));
        this.to.set(defaultTo(me.practitioner.timezone));
        this.state.set('signed-in');
        this.load();
        this.followEvents();
      },
      error: (error: unknown) => {
        if (error instanceof ApiError && error.code === 'FOLLOW_UP_SESSION_REQUIRED') this.state.set('signed-out');
        else { this.state.set('signed-in'); this.error.set(followUpErrorMessage(error)); }
      },
    });
  }

  /** A date of the period changed. */
  choosePeriod(which: 'from' | 'to', event: Event): void {
    const value = (event.target as HTMLInputElement).value;
    if (!value) return;
    (which === 'from' ? this.from : this.to).set(value);
    this.load();
  }

  /** "Impayées uniquement". */
  toggleUnpaid(event: Event): void {
    this.unpaidOnly.set((event.target as HTMLInputElement).checked);
    this.load();
  }

  /** Reads the list of the period. */
  load(): void {
    this.loading.set(true);
    this.api.consultations({ from: this.from(), to: this.to(), unpaid: this.unpaidOnly() }).subscribe({
      next: (list) => { this.items.set(list.items); this.error.set(null); this.loading.set(false); },
      error: (error: unknown) => { this.failed(error); this.loading.set(false); },
    });
  }

  /** "Renvoyer le lien de paiement". */
  resendPaymentLink(item: FollowUpItem): void {
    this.resending.set(item.id);
    this.notice.set(null);
    this.api.resendPaymentLink(item.id).subscribe({
      next: (payment) => {
        this.update(item.id, (i) => ({ ...i, payment: nextPayment(i.payment, payment) }));
        this.notice.set({ key: 'followUp.resent', params: { name: item.patientName } });
        this.resending.set(null);
      },
      error: (error: unknown) => { this.failed(error); this.resending.set(null); },
    });
  }

  /** "Se déconnecter". */
  signOut(): void {
    this.api.signOut().subscribe({
      next: () => {
        this.events?.unsubscribe();
        this.items.set(null);
        this.me.set(null);
        this.state.set('signed-out');
      },
      error: (error: unknown) => this.failed(error),
    });
  }

  private followEvents(): void {
    this.events?.unsubscribe();
    this.events = this.api.events().subscribe({
      next: (event) => this.apply(event),
      // The server ended the stream (the session expired or was closed): ask again.
      complete: () => this.checkSession(),
    });
  }

  private apply(event: FollowUpEvent): void {
    if (!this.items()?.some((i) => i.id === event.teleconsultationId)) {
      // A consultation the list does not show yet (new, or now in the period).
      if (event.type === 'status') this.load();
      return;
    }
    if (event.type === 'payment') this.update(event.teleconsultationId, (i) => ({ ...i, payment: nextPayment(i.payment, event.payment) }));
    else this.update(event.teleconsultationId, (i) => ({ ...i, status: event.status, joinUrl: event.status === 'cancelled' ? null : i.joinUrl }));
  }

  private update(id: string, change: (item: FollowUpItem) => FollowUpItem): void {
    this.items.update((items) => items?.map((i) => (i.id === id ? change(i) : i)) ?? null);
  }

  private failed(error: unknown): void {
    if (error instanceof ApiError && error.code === 'FOLLOW_UP_SESSION_REQUIRED') {
      this.events?.unsubscribe();
      this.state.set('signed-out');
      return;
    }
    this.error.set(followUpErrorMessage(error));
  }
}
