import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked, viewChild } from '@angular/core';
import type { Presence } from '#protocol/live';
import type { Knock } from '../../../../meet/drivers/conference';
import { I18n, TranslatePipe } from '../i18n/i18n';
import { CallState, provideCallState } from '../live/call-state';
import { ConsultationClient } from '../live/consultation-client';
import { ConsultationHeader } from '../live/consultation-header';
import { formatTime } from '../live/live-format';
import { Invoice } from './invoice';
import { LocalFile } from './local-file';
import { PatientCamera } from './patient-camera';
import { PractitionerCall } from './practitioner-call';
import { Recorder } from './recording';
import { PractitionerSettings } from './settings';

type Phase = 'loading' | 'error' | 'room' | 'call' | 'ended';

/**
 * The practitioner's page for one consultation (`/panel/:id`), opened from the agenda's
 * "Rejoindre" link: the waiting room, live, with "Accepter" / "Refuser", then the call.
 * The connector records the acceptance before the patient is let in; with Jitsi, the
 * patient's knock in the Jitsi lobby is then approved by this page.
 */
@Component({
  selector: 'tc-panel-page',
  imports: [TranslatePipe, ConsultationHeader, PractitionerCall, Invoice],
  providers: [provideCallState(), LocalFile, PatientCamera, Recorder, PractitionerSettings],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <tc-consultation-header [title]="'panel.title'" />
    @switch (phase()) {
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
        <tc-practitioner-call (hangUp)="hangUp()">
          <tc-invoice patient-card [teleconsultationId]="id()" [inCall]="true" (hangUpAnyway)="hangUp()" />
        </tc-practitioner-call>
        @if (client.mediaError()) {
          <p class="error" role="alert">{{ 'live.mediaError' | t }}</p>
        }
      }
      @case ('ended') {
        <p role="status">{{ client.endKey() ?? 'live.ended' | t }}</p>
      }
    }
    @if (showInvoice()) {
      <tc-invoice [teleconsultationId]="id()" (hangUpAnyway)="hangUp()" />
    }
  `,
  styles: `
    .waiting-room { padding: var(--space-3); border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); }
    .patient-waiting { font-weight: 600; }
    .since { font-weight: normal; color: var(--color-text-muted); margin-left: var(--space-2); }
    .actions { display: flex; gap: var(--space-2); flex-wrap: wrap; }
    .primary { background: var(--color-accent); color: var(--color-on-accent); border-color: var(--color-accent); }
    .error { color: var(--color-danger); }
    .end { display: flex; gap: var(--space-2); align-items: center; flex-wrap: wrap; margin-top: var(--space-3); }
  `,
})
export class PanelPage {
  /** The teleconsultation id, from the route. */
  readonly id = input.required<string>();

  protected readonly client = inject(ConsultationClient);
  /**
   * The call's state, made with the page rather than with the call's screens (which may load
   * later): each follows the live socket and the driver from their first message.
   */
  private readonly callState = [inject(CallState), inject(PatientCamera)] as const;
  private readonly settings = inject(PractitionerSettings);
  private readonly recorder = inject(Recorder);
  private readonly i18n = inject(I18n);

  protected readonly phase = computed<Phase>(() => {
    const stage = this.client.stage();
    return stage === 'ready' ? 'room' : stage;
  });
  protected readonly presence = this.client.presence;
  /** The practitioner hung up: do not re-enter the call by itself. */
  private leftCall = false;
  /** The practitioner hung up: the page offers to end the teleconsultation. */
  protected readonly callLeft = signal(false);
  /** A knock in the media lobby (jitsi) not yet approved because the connector has not admitted yet. */
  private pendingKnock: Knock | null = null;
  private readonly invoice = viewChild(Invoice);
  private readonly practitionerCall = viewChild(PractitionerCall);

  /** "€ Facture" in the waiting room and after a consultation that ended normally (in the call, it is in the patient's tab). */
  protected readonly showInvoice = computed(() => {
    const phase = this.phase();
    return phase === 'room' || (phase === 'ended' && this.client.endKey() === 'live.ended');
  });

  protected readonly patientName = this.client.peerName;
  protected readonly waitingSince = computed(() => {
    const since = this.presence().waitingSince;
    const s = this.client.summary();
    return since && s ? formatTime(since, s.teleconsultation.timezone, this.i18n.language()) : '';
  });

  constructor() {
    // The patient sees for as long as a recording runs; said again when the patient comes back (a reload).
    let told: string | null = null;
    effect(() => {
      const kind = this.recorder.kind();
      const admitted = this.presence().patient === 'admitted';
      const key = kind && admitted ? kind : null;
      // A change, or the patient let in again while a recording runs.
      if (key === told && !(key && admitted)) return;
      if (key === null && told === null) return;
      told = key;
      untracked(() => this.client.send(kind ? { type: 'recording', active: true, kind } : { type: 'recording', active: false }));
    });
    effect(() => {
      const id = this.id();
      untracked(() => this.client.open(id, 'practitioner', { presence: (presence) => this.followPresence(presence) }));
    });
  }

  /** "Accepter": joins the call (camera first, so no media signal is missed), then has the connector admit the patient. */
  async admitPatient(): Promise<void> {
    this.leftCall = false;
    this.callLeft.set(false);
    await this.startCall();
    this.client.send({ type: 'admit' });
  }

  /** "Refuser". */
  denyPatient(): void {
    this.client.send({ type: 'deny' });
  }

  /** Back into a call the patient is still admitted to (the practitioner is never locked out). */
  async rejoinCall(): Promise<void> {
    this.leftCall = false;
    this.callLeft.set(false);
    await this.startCall();
  }

  /** "Terminer la téléconsultation": the connector records the end and sends the closing message. */
  endConsultation(): void {
    this.client.send({ type: 'end' });
  }

  /** Leaves the call; the waiting room stays open. */
  async hangUp(): Promise<void> {
    // "Pensez à demander le paiement avant de raccrocher": once, when nothing was requested.
    // The reminder is in the patient's tab of the call: shown first, so that its dialog can open.
    this.practitionerCall()?.select('patient');
    if (this.invoice()?.remindBeforeHangUp()) return;
    // Hanging up stops a recording and saves its file first.
    await this.recorder.stop();
    this.leftCall = true;
    this.callLeft.set(true);
    this.pendingKnock = null;
    await this.client.stopCall();
  }

  private followPresence(presence: Presence): void {
    if (presence.patient !== 'admitted') return;
    if (this.pendingKnock) {
      void this.client.driver()?.approve(this.pendingKnock.id);
      this.pendingKnock = null;
    }
    // Admitted (by this page, or before a reload): be in the call unless we hung up.
    if (!this.leftCall) void this.startCall();
  }

  private async startCall(): Promise<void> {
    const devices = await this.settings.joinDevices();
    return this.client.startCall({
      devices,
      prepare: (driver) => {
        driver.on('knocking', (knock) => {
          // The connector's waiting room decides; the media lobby follows it.
          if (this.presence().patient === 'admitted') void driver.approve(knock.id);
          else this.pendingKnock = knock;
        });
      },
    });
  }
}
