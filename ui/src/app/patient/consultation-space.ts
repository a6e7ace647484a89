import { ChangeDetectionStrategy, Component, computed, inject, input, output } from '@angular/core';
import { I18n, TranslatePipe } from '../i18n/i18n';
import { CallState } from '../live/call-state';
import { ConversationPanel } from '../live/chat/conversation-panel';
import { DocumentsList } from '../live/documents/documents-list';
import { formatDuration } from '../live/live-format';
import { PatientPayment } from './payment';

/**
 * The patient's consultation space: the end screen of the call, and what the same link shows
 * afterwards until the clinic's retention period ends: the practitioner and the date, how to
 * pay (amount, live status, "Payer"), the documents to download and the conversation. A
 * patient who hung up by mistake is offered "Revenir dans la consultation" while the
 * practitioner is still there.
 */
@Component({
  selector: 'tc-consultation-space',
  imports: [TranslatePipe, PatientPayment, DocumentsList, ConversationPanel],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="space" aria-labelledby="space-title" data-testid="consultation-space">
      <h2 id="space-title" tabindex="-1">{{ (justEnded() ? 'space.ended' : 'space.title') | t }}</h2>
      <!-- The practitioner and the date are in the page's header above. -->
      @if (duration(); as d) {
        <p class="summary" data-testid="space-duration">{{ 'space.duration' | t: { duration: d } }}</p>
      }
      @if (canReturn()) {
        <button type="button" class="primary" (click)="returnToCall.emit()">{{ 'space.return' | t }}</button>
      }
      <tc-patient-payment [teleconsultationId]="teleconsultationId()" [ended]="true" />
      <section aria-labelledby="space-documents">
        <h3 id="space-documents">{{ 'space.documents' | t }}</h3>
        <tc-documents-list [peerName]="peerName()" [canShare]="false" />
      </section>
      <section aria-labelledby="space-conversation">
        <h3 id="space-conversation">{{ 'space.conversation' | t }}</h3>
        <tc-conversation-panel [peerName]="peerName()" [composer]="false" />
      </section>
      <p class="hint">{{ 'space.keep' | t }}</p>
    </section>
  `,
  styles: `
    .space { display: grid; gap: var(--space-3); }
    h2 { margin: 0; }
    h3 { font-size: 1.1rem; margin: 0 0 var(--space-2); }
    .summary { margin: 0; }
    .primary { background: var(--color-accent); color: var(--color-on-accent); border-color: var(--color-accent); width: 100%; min-height: var(--tap-size); }
    .hint { color: var(--color-text-muted); font-size: 0.875rem; }
  `,
})
export class ConsultationSpace {
  readonly teleconsultationId = input.required<string>();
  /** Shown as the end of the call (rather than a later visit). */
  readonly justEnded = input(false);
  /** "Revenir dans la consultation". */
  readonly returnToCall = output<void>();

  private readonly state = inject(CallState);
  protected readonly client = this.state.client;
  private readonly i18n = inject(I18n);
  protected readonly peerName = this.client.peerName;

  /** The patient hung up and the practitioner's page is still there, within the call's window. */
  protected readonly canReturn = computed(() =>
    this.client.endedBy() === 'patient' && this.client.presence().practitioner === 'online' && this.client.summary()?.access === 'call');
  protected readonly duration = computed(() => {
    const t = this.client.summary()?.teleconsultation;
    if (!t?.startedAt || !t.endedAt) return '';
    return formatDuration(new Date(t.endedAt).getTime() - new Date(t.startedAt).getTime(), this.i18n.language());
  });

  constructor() {
    this.state.load();
  }
}
