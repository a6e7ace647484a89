import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { TranslatePipe } from '../i18n/i18n';
import type { TranslationKey } from '../i18n/i18n';
import { ConsultationClient } from './consultation-client';

/**
 * The top of both live pages, from the page's {@link ConsultationClient}: the title, the
 * appointment (the other participant and the time), the reconnection notice, and while the
 * session summary is not there, "loading" or why it could not be loaded.
 */
@Component({
  selector: 'tc-consultation-header',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>{{ title() | t }}</h1>
    @if (client.summary()) {
      <p class="appointment">{{ 'live.appointment' | t: { name: client.peerName(), date: client.appointmentDate() } }}</p>
    }
    @if (client.reconnecting()) {
      <p class="notice" role="status">{{ 'live.reconnecting' | t }}</p>
    }
    @if (client.loadError(); as failure) {
      <p class="error" role="alert">{{ failure.key | t: { code: failure.code } }}</p>
    } @else if (!client.summary()) {
      <p role="status">{{ 'live.loading' | t }}</p>
    }
  `,
  styles: `
    .error { color: var(--color-danger); }
    .notice { color: var(--color-text-muted); }
  `,
})
export class ConsultationHeader {
  /** The page's title. */
  readonly title = input.required<TranslationKey>();
  protected readonly client = inject(ConsultationClient);
}
