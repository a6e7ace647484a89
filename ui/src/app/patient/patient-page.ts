import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked } from '@angular/core';
import type { PatientPresence } from '#protocol/live';
import { TranslatePipe } from '../i18n/i18n';
import { CallState, provideCallState } from '../live/call-state';
import { ConsultationClient } from '../live/consultation-client';
import { ConsultationHeader } from '../live/consultation-header';
import { CameraCommands } from './camera-commands';
import { DeviceCheck } from './device-check';
import { PatientCall } from './patient-call';
import { ConsultationSpace } from './consultation-space';
import { PatientPayment } from './payment';
import { appointmentOnLaterDay, ComeBackLater, PatientDenial, PatientWaitingRoom } from './waiting-room';

type Phase = 'loading' | 'error' | 'check' | 'waiting' | 'call' | 'ended' | 'space';

/**
 * The patient's page (`/patient/:id`), phone first: the appointment, a device check, the
 * waiting room, then the call. After a reload it resumes: the server's `state` says whether
 * the patient is still admitted (within the grace window) or waiting.
 */
@Component({
  selector: 'tc-patient-page',
  imports: [TranslatePipe, ConsultationHeader, PatientCall, DeviceCheck, PatientPayment, ConsultationSpace, PatientWaitingRoom, PatientDenial, ComeBackLater],
  providers: [provideCallState(), CameraCommands],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <tc-consultation-header [title]="'patient.title'" />
    @switch (phase()) {
      @case ('check') {
        @if (laterDay()) {
          <tc-come-back-later />
        } @else {
          <tc-device-check (chosen)="devices.set($event)" />
          <button type="button" class="primary" (click)="joinWaitingRoom()">{{ 'patient.joinWaitingRoom' | t }}</button>
        }
      }
      @case ('waiting') {
        <tc-patient-waiting-room />
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
      @case ('space') {
        <!-- The end of the call, and the same link afterwards: loaded when shown. -->
        @defer (on immediate) {
          <tc-consultation-space [teleconsultationId]="id()" [justEnded]="client.finished() && summaryAccess() === 'call'" (returnToCall)="returnToCall()" />
        } @loading (minimum 0ms) {
          <p role="status">{{ 'live.loading' | t }}</p>
        }
      }
      @case ('ended') {
        <p class="ended" role="status" data-testid="end-screen">{{ client.endKey() ?? 'live.ended' | t }}</p>
        <tc-patient-denial />
      }
    }
    @if (phase() !== 'loading' && phase() !== 'error' && phase() !== 'space') {
      <tc-patient-payment [teleconsultationId]="id()" [ended]="phase() === 'ended'" />
    }
  `,
  styles: `
    .error { color: var(--color-danger); }
    .primary { background: var(--color-accent); color: var(--color-on-accent); border-color: var(--color-accent); width: 100%; margin-top: var(--space-3); }
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
  protected readonly summaryAccess = computed(() => this.client.summary()?.access ?? 'call');
  /** Hung up: the end shows at once, before the server's word. */
  private readonly hungUp = signal(false);
  protected readonly phase = computed<Phase>(() => {
    const stage = this.client.stage();
    // Finished (by either side), or the link opened after the call's window: the consultation space.
    if (this.client.finished() || (stage !== 'loading' && stage !== 'error' && !this.client.endKey() && this.summaryAccess() === 'space')) return 'space';
    if (this.hungUp() && stage !== 'ended') return 'space';
    if (stage !== 'ready') return stage;
    return this.inWaitingRoom() ? 'waiting' : 'check';
  });
  /** The appointment is on a later day: the page says when to come back instead of the device check. */
  protected readonly laterDay = appointmentOnLaterDay(this.client);
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

  /** The red phone: ends the consultation for both; without a connection, leaves it on this side. */
  async hangUp(): Promise<void> {
    if (!this.client.send({ type: 'end' })) {
      this.client.end('live.hungUp');
      return;
    }
    this.hungUp.set(true);
    await this.client.stopCall();
  }

  /** "Revenir dans la consultation": the server lets the patient back in, and the call starts again. */
  returnToCall(): void {
    this.hungUp.set(false);
    this.client.send({ type: 'return' });
  }

  private followPresence(presence: PatientPresence): void {
    if (presence === 'admitted' && !this.hungUp()) void this.startCall();
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
