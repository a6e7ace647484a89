import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import type { BillingMessage } from '../billing/billing-messages';
import { TranslatePipe } from '../i18n/i18n';
import { FollowUpApi } from './follow-up-api';
import { followUpErrorMessage } from './follow-up-format';

/**
 * "Suivi et paiement" in a consultation's panel: one click sends the practitioner a sign-in
 * link to their follow-up, and says where it went (the email, masked).
 */
@Component({
  selector: 'tc-follow-up-link-button',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <button type="button" class="follow-up-link" [disabled]="sending()" (click)="sendLink()">{{ 'followUp.title' | t }}</button>
    <span role="status" aria-live="polite" data-testid="follow-up-link-status">
      @if (sentTo(); as to) { {{ 'followUp.linkSent' | t: { to } }} }
    </span>
    @if (error(); as e) {
      <span class="error" role="alert">{{ e.key | t: e.params }}</span>
    }
  `,
  styles: `
    :host { display: inline-flex; flex-wrap: wrap; gap: var(--space-2); align-items: center; }
    .error { color: var(--color-danger); }
  `,
})
export class FollowUpLinkButton {
  /** The consultation whose practitioner session asks. */
  readonly teleconsultationId = input.required<string>();
  private readonly api = inject(FollowUpApi);
  readonly sending = signal(false);
  readonly sentTo = signal<string | null>(null);
  readonly error = signal<BillingMessage | null>(null);

  /** Sends the sign-in link to the practitioner's email. */
  sendLink(): void {
    this.sending.set(true);
    this.error.set(null);
    this.api.sendLinkFromConsultation(this.teleconsultationId()).subscribe({
      next: ({ sentTo }) => { this.sentTo.set(sentTo); this.sending.set(false); },
      error: (error: unknown) => { this.error.set(followUpErrorMessage(error)); this.sending.set(false); },
    });
  }
}
