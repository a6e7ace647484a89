import { ChangeDetectionStrategy, Component, DOCUMENT, DestroyRef, computed, effect, inject, input, signal } from '@angular/core';
import { firstValueFrom } from 'rxjs';
import type { PatientPresence, ServerMessage, SessionSummary } from '#protocol/live';
import type { ConferenceDriver } from '../../../../meet/drivers/conference';
import { ApiError } from '../shared/api-error';
import { I18n, TranslatePipe } from '../shared/i18n';
import type { TranslationKey } from '../shared/i18n';
import { LiveCall } from '../shared/live-call';
import { formatAppointment } from '../shared/live-format';
import { createConferenceDriver } from '../shared/live-media';
import { LiveSession } from '../shared/live-session';
import { LiveSocket, liveUrl } from '../shared/live-socket';
import { DeviceCheck } from './device-check';
import { PatientPayment } from './payment';

type Phase = 'loading' | 'error' | 'check' | 'waiting' | 'call' | 'ended';

/**
 * The patient's page (`/patient/:id`), phone first: the appointment, a device check, the
 * waiting room, then the call. After a reload it resumes: the server's `state` says whether
 * the patient is still admitted (within the grace window) or waiting.
 */
@Component({
  selector: 'tc-patient-page',
  imports: [TranslatePipe, LiveCall, DeviceCheck, PatientPayment],
  providers: [LiveSocket],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>{{ 'patient.title' | t }}</h1>
    @if (summary(); as s) {
      <p class="appointment">{{ 'live.appointment' | t: { name: s.teleconsultation.practitionerName, date: appointmentDate() } }}</p>
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
      @case ('check') {
        <tc-device-check (chosen)="devices.set($event)" />
        <button type="button" class="primary" (click)="joinWaitingRoom()">{{ 'patient.joinWaitingRoom' | t }}</button>
      }
      @case ('waiting') {
        <div class="waiting" role="status" aria-live="polite">
          <p class="waiting-title">{{ 'patient.waiting' | t }}</p>
          <p>{{ 'patient.waitingHint' | t }}</p>
        </div>
      }
      @case ('call') {
        @if (driver(); as d) {
          <tc-live-call [driver]="d" [peerName]="practitionerName()" (hangUp)="hangUp()" />
        }
        @if (mediaError()) {
          <p class="error" role="alert">{{ 'live.mediaError' | t }}</p>
        }
      }
      @case ('ended') {
        <p class="ended" role="status" data-testid="end-screen">{{ endKey() | t }}</p>
      }
    }
    @if (phase() !== 'loading' && phase() !== 'error') {
      <tc-patient-payment [teleconsultationId]="id()" [ended]="phase() === 'ended'" />
    }
  `,
  styles: `
    .primary { background: var(--color-accent); color: var(--color-on-accent); border-color: var(--color-accent); width: 100%; margin-top: var(--space-3); }
    .waiting { padding: var(--space-4); border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); text-align: center; }
    .waiting-title { font-size: 1.25rem; font-weight: 600; }
    .error { color: var(--color-danger); }
    .notice { color: var(--color-text-muted); }
  `,
})
export class PatientPage {
  /** The teleconsultation id, from the route. */
  readonly id = input.required<string>();

  protected readonly socket = inject(LiveSocket);
  private readonly session = inject(LiveSession);
  private readonly i18n = inject(I18n);
  private readonly document = inject(DOCUMENT);

  protected readonly phase = signal<Phase>('loading');
  protected readonly summary = signal<SessionSummary | null>(null);
  protected readonly driver = signal<ConferenceDriver | null>(null);
  protected readonly devices = signal<{ cameraId?: string; microphoneId?: string }>({});
  protected readonly mediaError = signal(false);
  protected readonly errorKey = signal<TranslationKey>('error.server');
  protected readonly errorCode = signal('');
  protected readonly endKey = signal<TranslationKey>('live.ended');
  private readonly presence = signal<PatientPresence>('absent');
  private wantsToWait = false;
  private dispose: (() => Promise<void>) | null = null;

  protected readonly practitionerName = computed(() => this.summary()?.teleconsultation.practitionerName ?? '');
  protected readonly appointmentDate = computed(() => {
    const s = this.summary();
    return s ? formatAppointment(s.teleconsultation.startsAt, s.teleconsultation.timezone, this.i18n.language()) : '';
  });

  constructor() {
    const destroyRef = inject(DestroyRef);
    const subscription = this.socket.messages$.subscribe((message) => this.handle(message));
    destroyRef.onDestroy(() => {
      subscription.unsubscribe();
      void this.dispose?.();
    });
    effect(() => {
      const reason = this.socket.endReason();
      if (reason) this.end(reason === 'replaced' ? 'live.replaced' : 'live.linkInvalid');
    });
    effect(() => this.load(this.id()));
  }

  /** Announces the patient in the waiting room. */
  joinWaitingRoom(): void {
    this.wantsToWait = true;
    this.socket.send({ type: 'knock' });
    this.phase.set('waiting');
  }

  /** Leaves the call for good. */
  async hangUp(): Promise<void> {
    this.end('live.hungUp');
  }

  private load(id: string): void {
    this.session.session(id, 'patient').subscribe({
      next: (summary) => {
        this.summary.set(summary);
        if (this.phase() === 'loading') this.phase.set('check');
        this.socket.connect(liveUrl(this.document.location, id, 'patient'));
      },
      error: (error: unknown) => {
        const code = error instanceof ApiError ? error.code : 'UNKNOWN';
        this.errorCode.set(code);
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
        this.onPresence(message.presence.patient);
        // Our knock was lost with the connection: knock again.
        if (this.wantsToWait && message.presence.patient === 'absent' && !this.driver()) this.socket.send({ type: 'knock' });
        break;
      case 'presence':
        this.onPresence(message.presence.patient);
        break;
      case 'admitted':
        this.onPresence('admitted');
        break;
      case 'denied':
        this.onPresence('denied');
        break;
      case 'status':
        this.endedStatus(message.status);
        break;
      default:
        break;
    }
  }

  private onPresence(presence: PatientPresence): void {
    this.presence.set(presence);
    if (presence === 'admitted') void this.startCall();
    else if (presence === 'denied') this.end('patient.denied');
    else if (presence === 'waiting' && this.phase() === 'check') this.phase.set('waiting');
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
      presence: this.presence(),
      peerName: summary.teleconsultation.practitionerName,
      getToken: () => firstValueFrom(this.session.jitsiToken(this.id(), 'patient')),
    });
    this.dispose = dispose;
    driver.on('denied', () => this.end('patient.denied'));
    this.driver.set(driver);
    this.phase.set('call');
    try {
      await driver.join({ role: 'patient', displayName: summary.teleconsultation.patientName, ...this.devices() });
      await driver.knock();
    } catch {
      this.mediaError.set(true);
    }
  }

  private end(key: TranslationKey): void {
    if (this.phase() === 'ended') return;
    this.endKey.set(key);
    this.phase.set('ended');
    const dispose = this.dispose;
    this.dispose = null;
    this.driver.set(null);
    void dispose?.().finally(() => this.socket.close());
    if (!dispose) this.socket.close();
  }
}
