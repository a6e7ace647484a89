import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import type { FollowUpDetail } from '#protocol/follow-up';
import type { BillingMessage } from '../billing/billing-messages';
import { I18n, TranslatePipe } from '../i18n/i18n';
import { FollowUpApi } from './follow-up-api';
import { followUpErrorMessage, formatStartsAt } from './follow-up-format';

/**
 * "Documents et messages" of one consultation: a disclosure read when first opened, with the
 * documents transmitted (each a download link) and the conversation.
 */
@Component({
  selector: 'tc-follow-up-details',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <details (toggle)="toggled($event)">
      <summary>{{ 'followUp.details' | t: { documents: documents(), messages: messages() } }}</summary>
      @if (error(); as e) {
        <p class="error" role="alert">{{ e.key | t: e.params }}</p>
      }
      @if (detail(); as d) {
        <h3>{{ 'followUp.documents' | t }}</h3>
        @if (d.documents.length === 0) {
          <p>{{ 'documents.empty' | t }}</p>
        } @else {
          <ul class="documents">
            @for (doc of d.documents; track doc.id) {
              <li><a [href]="api.documentUrl(teleconsultationId(), doc.id)" download>{{ doc.name }}</a></li>
            }
          </ul>
        }
        <h3>{{ 'chat.title' | t }}</h3>
        @if (messagesOf(d).length === 0) {
          <p>{{ 'chat.empty' | t }}</p>
        } @else {
          <ol class="conversation">
            @for (entry of messagesOf(d); track entry.id) {
              <li><strong>{{ (entry.from === 'practitioner' ? 'chat.you' : 'followUp.patient') | t }}</strong>
                <small>{{ date(entry.at) }}</small> {{ entry.text }}</li>
            }
          </ol>
        }
      } @else if (!error()) {
        <p role="status">{{ 'followUp.loading' | t }}</p>
      }
    </details>
  `,
  styles: `
    .error { color: var(--color-danger); }
    .documents, .conversation { margin: 0; padding-left: var(--space-4); }
    small { color: var(--color-text-muted); margin: 0 var(--space-1); }
    h3 { font-size: 1rem; margin: var(--space-2) 0 var(--space-1); }
  `,
})
export class FollowUpDetails {
  /** The consultation. */
  readonly teleconsultationId = input.required<string>();
  /** The practitioner's time zone, in which messages' times show. */
  readonly timeZone = input.required<string>();
  /** Counts shown before opening. */
  readonly documents = input(0);
  readonly messages = input(0);

  protected readonly api = inject(FollowUpApi);
  private readonly i18n = inject(I18n);
  readonly detail = signal<FollowUpDetail | null>(null);
  readonly error = signal<BillingMessage | null>(null);
  private readonly language = computed(() => this.i18n.language());

  /** Reads the detail the first time the disclosure opens. */
  toggled(event: Event): void {
    if (!(event.target as HTMLDetailsElement).open || this.detail()) return;
    this.error.set(null);
    this.api.detail(this.teleconsultationId()).subscribe({
      next: (d) => this.detail.set(d),
      error: (error: unknown) => this.error.set(followUpErrorMessage(error)),
    });
  }

  /** The chat messages of the conversation (documents are listed above). */
  messagesOf(d: FollowUpDetail) {
    return d.conversation.flatMap((e) => (e.kind === 'message' ? [e] : []));
  }

  protected date(iso: string): string {
    return formatStartsAt(iso, this.timeZone(), this.language());
  }
}
