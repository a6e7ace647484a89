import { ChangeDetectionStrategy, Component, DOCUMENT, DestroyRef, computed, effect, inject, input, signal, viewChild } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type { Presence, ServerMessage, SessionSummary } from '#protocol/live';
import type { ConferenceDriver, Knock } from '../../../../meet/drivers/conference';
import { ApiError } from '../shared/api-error';
import { I18n, TranslatePipe } from '../shared/i18n';
import type { TranslationKey } from '../shared/i18n';
import { LiveCall } from '../shared/live-call';
import { formatAppointment, formatTime } from '../shared/live-format';
import { createConferenceDriver } from '../shared/live-media';
import { LiveSession } from '../shared/live-session';
import { LiveSocket, liveUrl } from '../shared/live-socket';
import { Invoice } from './invoice';

type Phase = 'loading' | 'error' | 'room' | 'call' | 'ended';

/**
 * The practitioner's page for one consultation (`/panel/:id`), opened from the agenda's
 * "Rejoindre" link: the waiting room, live, with "Accepter" / "Refuser", then the call.
 * The connector records the acceptance before the patient is let in; with Jitsi, the
 * patient's knock in the Jitsi lobby is then approved by this page.
 */
@Component({
  selector: 'tc-panel-page',
  imports: [TranslatePipe, LiveCall, Invoice],
  providers: [LiveSocket],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>{{ 'panel.title' | t }}</h1>
    @if (summary(); as s) {
      <p class="appointment">{{ 'live.appointment' | t: { name: s.teleconsultation.patientName, date: appointmentDate() } }}</p>
    }
    @if (socket.status() === 'reconnecting' && phase() !== 'ended') {
      <p class="notice" role="status">{{ 'live.reconnecting' | t }}</p>
    }
    @switch (phase()) {
      @case ('loading') {
        <p role="status">{{ 'live.loading' | t }}</p>
      }
      @case ('error') {
        <p class="error" role="alert">{{ errorKey() | t: { code: errorCode() } }}</p>
      }
      @case ('room') {
        <section class="waiting-room" aria-labelledby="waiting-room-title">
          <h2 id="waiting-room-title">{{ 'panel.waitingRoom' | t }}</h2>
          <div role="status" aria-live="polite" data-testid="waiting-room-status">
            @switch (presence().patient) {
              @case ('waiting') {
                <p class="patient-waiting">
                  {{ 'panel.patientWaiting' | t: { name: patientName() } }}
                  @if (waitingSince()) {
                    <span class="since">{{ 'panel.waitingSince' | t: { time: waitingSince() } }}</span>
                  }
                </p>
              }
              @case ('admitted') {
                <p>{{ 'panel.patientInCall' | t: { name: patientName() } }}</p>
              }
              @case ('denied') {
                <p>{{ 'panel.patientDenied' | t: { name: patientName() } }}</p>
              }
              @default {
                <p>{{ 'panel.patientAbsent' | t: { name: patientName() } }}</p>
              }
            }
          </div>
          @if (presence().patient === 'waiting') {
            <div class="actions">
              <button type="button" class="primary" (click)="admitPatient()">{{ 'panel.admit' | t }}</button>
              <button type="button" (click)="denyPatient()">{{ 'panel.deny' | t }}</button>
            </div>
          }
          @if (presence().patient === 'admitted') {
            <button type="button" class="primary" (click)="rejoinCall()">{{ 'panel.rejoin' | t }}</button>
          }
          @if (callLeft()) {
            <p class="end">
              <button type="button" (click)="endConsultation()">{{ 'panel.endConsultation' | t }}</button>
              <small>{{ 'panel.endConsultationHint' | t }}</small>
            </p>
          }
        </section>
      }
      @case ('call') {
        @if (driver(); as d) {
          <tc-live-call [driver]="d" [peerName]="patientName()" (hangUp)="hangUp()" />
        }
        @if (mediaError()) {
          <p class="error" role="alert">{{ 'live.mediaError' | t }}</p>
        }
      }
      @case ('ended') {
        <p role="status">{{ endKey() | t }}</p>
      }
    }
    @if (showInvoice()) {
      <tc-invoice [teleconsultationId]="id()" [inCall]="phase() === 'call'" (hangUpAnyway)="hangUp()" />
    }
  `,
  styles: `
    .waiting-room { padding: var(--space-3); border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); }
    .patient-waiting { font-weight: 600; }
    .since { font-weight: normal; color: var(--color-text-muted); margin-left: var(--space-2); }
    .actions { display: flex; gap: var(--space-2); flex-wrap: wrap; }
    .primary { background: var(--color-accent); color: var(--color-on-accent); border-color: var(--color-accent); }
    .error { color: var(--color-danger); }
    .notice { color: var(--color-text-muted); }
    .end { display: flex; gap: var(--space-2); align-items: center; flex-wrap: wrap; margin-top: var(--space-3); }
  `,
})
export class PanelPage {
  /** The teleconsultation id, from the route. */
  readonly id = input.required<string>();

  protected readonly socket = inject(LiveSocket);
  private readonly session = inject(LiveSession);
  private readonly i18n = inject(I18n);
  private readonly document = inject(DOCUMENT);

  protected readonly phase = signal<Phase>('loading');
  protected readonly summary = signal<SessionSummary | null>(null);
  protected readonly presence = signal<Presence>({ practitioner: 'online', patient: 'absent', waitingSince: null });
  protected readonly driver = signal<ConferenceDriver | null>(null);
  protected readonly mediaError = signal(false);
  protected readonly errorKey = signal<TranslationKey>('error.server');
  protected readonly errorCode = signal('');
  protected readonly endKey = signal<TranslationKey>('live.ended');
  /** The practitioner hung up: do not re-enter the call by itself. */
  private leftCall = false;
  /** The practitioner hung up: the page offers to end the teleconsultation. */
  protected readonly callLeft = signal(false);
  /** A knock in the media lobby (jitsi) not yet approved because the connector has not admitted yet. */
  private pendingKnock: Knock | null = null;
  private dispose: (() => Promise<void>) | null = null;
  private readonly invoice = viewChild(Invoice);

  /** "€ Facture" in the waiting room, the call, and after a consultation that ended normally. */
  protected readonly showInvoice = computed(() => {
    const phase = this.phase();
    return phase === 'room' || phase === 'call' || (phase === 'ended' && this.endKey() === 'live.ended');
  });

  protected readonly patientName = computed(() => this.summary()?.teleconsultation.patientName ?? '');
  protected readonly appointmentDate = computed(() => {
    const s = this.summary();
    return s ? formatAppointment(s.teleconsultation.startsAt, s.teleconsultation.timezone, this.i18n.language()) : '';
  });
  protected readonly waitingSince = computed(() => {
    const since = this.presence().waitingSince;
    const s = this.summary();
    return since && s ? formatTime(since, s.teleconsultation.timezone, this.i18n.language()) : '';
  });

  constructor() {
    const subscription = this.socket.messages$.subscribe((message) => this.handle(message));
    inject(DestroyRef).onDestroy(() => {
      subscription.unsubscribe();
      void this.dispose?.();
    });
    effect(() => {
      const reason = this.socket.endReason();
      if (reason) this.end(reason === 'replaced' ? 'live.replaced' : 'live.linkInvalid');
    });
    effect(() => this.load(this.id()));
  }

  /** "Accepter": joins the call (camera first, so no media signal is missed), then has the connector admit the patient. */
  async admitPatient(): Promise<void> {
    this.leftCall = false;
    this.callLeft.set(false);
    await this.startCall();
    this.socket.send({ type: 'admit' });
  }

  /** "Refuser". */
  denyPatient(): void {
    this.socket.send({ type: 'deny' });
  }

  /** Back into a call the patient is still admitted to (the practitioner is never locked out). */
  async rejoinCall(): Promise<void> {
    this.leftCall = false;
    this.callLeft.set(false);
    await this.startCall();
  }

  /** "Terminer la téléconsultation": the connector records the end and sends the closing message. */
  endConsultation(): void {
    this.socket.send({ type: 'end' });
  }

  /** Leaves the call; the waiting room stays open. */
  async hangUp(): Promise<void> {
    // "Pensez à demander le paiement avant de raccrocher": once, when nothing was requested.
    if (this.invoice()?.remindBeforeHangUp()) return;
    this.leftCall = true;
    this.callLeft.set(true);
    await this.stopCall();
    this.phase.set('room');
  }

  private load(id: string): void {
    this.session.session(id, 'practitioner').subscribe({
      next: (summary) => {
        this.summary.set(summary);
        if (this.phase() === 'loading') this.phase.set('room');
        this.socket.connect(liveUrl(this.document.location, id, 'practitioner'));
      },
      error: (error: unknown) => {
        this.errorCode.set(error instanceof ApiError ? error.code : 'UNKNOWN');
        this.errorKey.set(error instanceof ApiError && error.status === 0 ? 'error.network' : error instanceof ApiError && [401, 403, 404, 410].includes(error.status) ? 'live.linkInvalid' : 'error.server');
        this.phase.set('error');
      },
    });
  }

  private handle(message: ServerMessage): void {
    if (this.phase() === 'ended') return;
    switch (message.type) {
      case 'state':
        this.summary.update((s) => (s ? { ...s, teleconsultation: message.teleconsultation, media: message.media } : { you: message.you, teleconsultation: message.teleconsultation, media: message.media }));
        if (this.endedStatus(message.teleconsultation.status)) return;
        this.onPresence(message.presence);
        break;
      case 'presence':
        this.onPresence(message.presence);
        break;
      case 'status':
        this.endedStatus(message.status);
        break;
      default:
        break;
    }
  }

  private onPresence(presence: Presence): void {
    this.presence.set(presence);
    if (presence.patient !== 'admitted') return;
    if (this.pendingKnock) {
      void this.driver()?.approve(this.pendingKnock.id);
      this.pendingKnock = null;
    }
    // Admitted (by this page, or before a reload): be in the call unless we hung up.
    if (!this.leftCall) void this.startCall();
  }

  private endedStatus(status: SessionSummary['teleconsultation']['status']): boolean {
    if (status === 'cancelled') this.end('live.cancelled');
    else if (status === 'ended') this.end('live.ended');
    else return false;
    return true;
  }

  private async startCall(): Promise<void> {
    const summary = this.summary();
    if (this.driver() || !summary) return;
    const { driver, dispose } = createConferenceDriver(summary.media, {
      channel: this.socket,
      presence: this.presence().patient,
      peerName: summary.teleconsultation.patientName,
      getToken: () => firstValueFrom(this.session.jitsiToken(this.id(), 'practitioner')),
    });
    this.dispose = dispose;
    driver.on('knocking', (knock) => {
      // The connector's waiting room decides; the media lobby follows it.
      if (this.presence().patient === 'admitted') void driver.approve(knock.id);
      else this.pendingKnock = knock;
    });
    this.driver.set(driver);
    this.mediaError.set(false);
    this.phase.set('call');
    try {
      await driver.join({ role: 'practitioner', displayName: summary.teleconsultation.practitionerName });
    } catch {
      this.mediaError.set(true);
    }
  }

  private async stopCall(): Promise<void> {
    const dispose = this.dispose;
    this.dispose = null;
    this.driver.set(null);
    this.pendingKnock = null;
    await dispose?.();
  }

  private end(key: TranslationKey): void {
    if (this.phase() === 'ended') return;
    this.endKey.set(key);
    this.phase.set('ended');
    void this.stopCall().finally(() => this.socket.close());
  }
}
