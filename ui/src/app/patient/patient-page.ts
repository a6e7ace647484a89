import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import type { PatientPresence } from '#protocol/live';
import { TranslatePipe } from '../i18n/i18n';
import { CallState, provideCallState } from '../live/call-state';
import { ConsultationClient } from '../live/consultation-client';
import { ConsultationHeader } from '../live/consultation-header';
import { CameraCommands } from './camera-commands';
import { DeviceCheck } from './device-check';
import { PatientCall } from './patient-call';
import { PatientPayment } from './payment';

type Phase = 'loading' | 'error' | 'check' | 'waiting' | 'call' | 'ended';

/**
 * The patient's page (`/patient/:id`), phone first: the appointment, a device check, the
 * waiting room, then the call. After a reload it resumes: the server's `state` says whether
 * the patient is still admitted (within the grace window) or waiting.
 */
@Component({
  selector: 'tc-patient-page',
  imports: [TranslatePipe, ConsultationHeader, PatientCall, DeviceCheck, PatientPayment],
  providers: [provideCallState(), CameraCommands],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <tc-consultation-header [title]="'patient.title'" />
    @switch (phase()) {
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
        <!-- The call's tools load once the call starts: the link and the waiting room stay light on a phone. -->
        @defer (on immediate) {
          <tc-patient-call (hangUp)="hangUp()" />
        } @loading (minimum 0ms) {
          <p role="status">{{ 'live.loading' | t }}</p>
        }
        @if (client.mediaError()) {
          <p class="error" role="alert">{{ 'live.mediaError' | t }}</p>
        }
      }
      @case ('ended') {
        <p class="ended" role="status" data-testid="end-screen">{{ client.endKey() ?? 'live.ended' | t }}</p>
      }
    }
    @if (phase() !== 'loading' && phase() !== 'error') {
      <tc-patient-payment [teleconsultationId]="id()" [ended]="phase() === 'ended'" />
    }
  `,
  styles: `
    .error { color: var(--color-danger); }
    .primary { background: var(--color-accent); color: var(--color-on-accent); border-color: var(--color-accent); width: 100%; margin-top: var(--space-3); }
    .waiting { padding: var(--space-4); border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); text-align: center; }
    .waiting-title { font-size: 1.25rem; font-weight: 600; }
  `,
})
export class PatientPage {
  /** The teleconsultation id, from the address. */
  readonly id = input.required<string>();

  protected readonly client = inject(ConsultationClient);
  /**
   * The call's state, made with the page rather than with the call's screens (which may load
   * later): each follows the live socket and the driver from their first message.
   */
  private readonly callState = [inject(CallState), inject(CameraCommands)] as const;

  /** The patient announced themselves in the waiting room (or the server says they are in it). */
  private readonly inWaitingRoom = signal(false);
  protected readonly phase = computed<Phase>(() => {
    const stage = this.client.stage();
    if (stage !== 'ready') return stage;
    return this.inWaitingRoom() ? 'waiting' : 'check';
  });
  protected readonly devices = signal<{ cameraId?: string; microphoneId?: string }>({});
  private wantsToWait = false;

  constructor() {
    effect(() => {
      const id = this.id();
      untracked(() =>
        this.client.open(id, 'patient', {
          presence: (presence) => this.followPresence(presence.patient),
          message: (message) => {
            // Our knock was lost with the connection: knock again.
            if (message.type === 'state' && this.wantsToWait && message.presence.patient === 'absent' && !this.client.calling()) this.client.send({ type: 'knock' });
          },
        }),
      );
    });
  }

  /** Announces the patient in the waiting room. */
  joinWaitingRoom(): void {
    this.wantsToWait = true;
    this.client.send({ type: 'knock' });
    this.inWaitingRoom.set(true);
  }

  /** Leaves the call for good. */
  async hangUp(): Promise<void> {
    this.client.end('live.hungUp');
  }

  private followPresence(presence: PatientPresence): void {
    if (presence === 'admitted') void this.startCall();
    else if (presence === 'denied') this.client.end('patient.denied');
    else if (presence === 'waiting') this.inWaitingRoom.set(true);
  }

  private startCall(): Promise<void> {
    return this.client.startCall({
      devices: this.devices(),
      prepare: (driver) => driver.on('denied', () => this.client.end('patient.denied')),
      afterJoin: (driver) => driver.knock(),
    });
  }
}
