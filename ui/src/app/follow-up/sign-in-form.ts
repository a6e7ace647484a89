import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { I18n, TranslatePipe } from '../i18n/i18n';
import type { BillingMessage } from '../billing/billing-messages';
import { FollowUpApi } from './follow-up-api';
import { followUpErrorMessage } from './follow-up-format';

/**
 * The sign-in of "Suivi et paiement": an email, "Recevoir un lien de connexion", and the same
 * answer whatever the email (the service never says whether it knows it).
 */
@Component({
  selector: 'tc-follow-up-sign-in',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <form class="sign-in" (submit)="askForLink($event)" [attr.aria-label]="'followUp.signIn.title' | t">
      <h2>{{ 'followUp.signIn.title' | t }}</h2>
      <p>{{ 'followUp.signIn.hint' | t }}</p>
      <label for="follow-up-email">{{ 'followUp.signIn.email' | t }}</label>
      <input id="follow-up-email" name="email" type="email" autocomplete="email" required maxlength="254"
             [value]="email()" (input)="typeEmail($event)" />
      <button type="submit" [disabled]="sending()">{{ 'followUp.signIn.submit' | t }}</button>
      <p role="status" aria-live="polite" data-testid="sign-in-answer">
        @if (sent()) { {{ 'followUp.signIn.sent' | t }} }
      </p>
      @if (error(); as e) {
        <p class="error" role="alert">{{ e.key | t: e.params }}</p>
      }
    </form>
  `,
  styles: `
    .sign-in { display: grid; gap: var(--space-2); max-width: 28rem; }
    .error { color: var(--color-danger); }
  `,
})
export class SignInForm {
  private readonly api = inject(FollowUpApi);
  private readonly i18n = inject(I18n);

  readonly email = signal('');
  readonly sending = signal(false);
  readonly sent = signal(false);
  readonly error = signal<BillingMessage | null>(null);

  /** The email field changed. */
  typeEmail(event: Event): void {
    this.email.set((event.target as HTMLInputElement).value);
  }

  /** "Recevoir un lien de connexion". */
  askForLink(event: Event): void {
    event.preventDefault();
    const email = this.email().trim();
    if (!email) return;
    this.sending.set(true);
    this.sent.set(false);
    this.error.set(null);
    this.api.requestSignIn(email, this.i18n.language()).subscribe({
      next: () => { this.sent.set(true); this.sending.set(false); },
      error: (error: unknown) => { this.error.set(followUpErrorMessage(error)); this.sending.set(false); },
    });
  }
}
