import { ChangeDetectionStrategy, Component, inject, output } from '@angular/core';
import { TranslatePipe } from '../i18n/i18n';
import { ConsultationClient } from './consultation-client';
import { LiveCall } from './live-call';

/** The call of the page's {@link ConsultationClient} once its driver is loaded, and why joining failed if it did. */
@Component({
  selector: 'tc-consultation-call',
  imports: [TranslatePipe, LiveCall],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (client.driver(); as driver) {
      <tc-live-call [driver]="driver" [peerName]="client.peerName()" (hangUp)="hangUp.emit()" />
    }
    @if (client.mediaError()) {
      <p class="error" role="alert">{{ 'live.mediaError' | t }}</p>
    }
  `,
  styles: `
    .error { color: var(--color-danger); }
  `,
})
export class ConsultationCall {
  /** The user asked to hang up (the page decides what that means). */
  readonly hangUp = output<void>();
  protected readonly client = inject(ConsultationClient);
}
