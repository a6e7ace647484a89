import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal, untracked, viewChild } from '@angular/core';
import type { Presence } from '#protocol/live';
import type { Knock } from '../../../../meet/drivers/conference';
import { I18n, TranslatePipe } from '../i18n/i18n';
import { CallState, provideCallState } from '../live/call-state';
import { ConsultationClient } from '../live/consultation-client';
import { ConsultationHeader } from '../live/consultation-header';
import { Documents } from '../live/documents/documents';
import { formatTime } from '../live/live-format';
import { Invoice } from './invoice';
import { LocalFile } from './local-file';
import { PatientCamera } from './patient-camera';
import { PractitionerCall } from './practitioner-call';
import { Recorder } from './recording';
import { PractitionerSettings } from './settings';
import { DenyPatient, WaitingRoomTools } from './waiting-room-tools';

type Phase = 'loading' | 'error' | 'room' | 'call' | 'ended';

/**
 * The practitioner's page for one consultation (`/panel/:id`), opened from the agenda's
 * "Rejoindre" link: the waiting room, live, with "Accepter" / "Refuser", then the call, then
 * its end (from either red phone), where "€ Facture" still works.
 * The connector records the acceptance before the patient is let in; with Jitsi, the
 * patient's knock in the Jitsi lobby is then approved by this page.
 */
@Component({
  selector: 'tc-panel-page',
  imports: [TranslatePipe, ConsultationHeader, PractitionerCall, Invoice, DenyPatient, WaitingRoomTools],
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
              <tc-deny-patient />
            </div>
          }
          <tc-waiting-room-tools />
          @if (presence().patient === 'admitted') {
            <button type="button" class="primary" (click)="rejoinCall()">{{ 'panel.rejoin' | t }}</button>
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
        @if (uploadWarning()) {
          <div class="notice" role="alert" data-testid="upload-warning">
            <p>{{ 'end.uploading' | t }}</p>
            <button type="button" (click)="hangUp()">{{ 'end.hangUpAnyway' | t }}</button>
            <button type="button" (click)="uploadWarning.set(false)">{{ 'end.keepCall' | t }}</button>
          </div>
        }
      }
      @case ('ended') {
        <section class="ended" aria-labelledby="ended-title" data-testid="panel-ended">
          <h2 id="ended-title" role="status">{{ client.endKey() ?? 'live.ended' | t }}</h2>
          @if (client.finished()) {
            @if (client.endedBy() === 'patient') {
              <p data-testid="ended-by">{{ 'end.byPatient' | t: { name: patientName() } }}</p>
            }
            <p class="hint">{{ 'end.invoiceAfter' | t }}</p>
          }
        </section>
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
    .ended { padding: var(--space-3); border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); }
    .ended h2 { margin-top: 0; }
    .hint { color: var(--color-text-muted); }
    .notice { display: flex; gap: var(--space-2); align-items: center; flex-wrap: wrap; padding: var(--space-2); border: 1px solid var(--color-danger); border-radius: var(--radius); background: var(--color-surface); }
    .notice p { margin: 0; flex: 1 1 16rem; }
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
  /** "Un document est encore en cours d'envoi": asked once before the red phone takes effect. */
  protected readonly uploadWarning = signal(false);
  private uploadWarned = false;
  private readonly documents = inject(Documents);
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
    // Ended from the other side (the patient's red phone): a recording running is saved.
    effect(() => {
      if (this.client.finished()) untracked(() => void this.recorder.stop());
    });
  }

  /** "Accepter": joins the call (camera first, so no media signal is missed), then has the connector admit the patient. */
  async admitPatient(): Promise<void> {
    this.leftCall = false;
    await this.startCall();
    this.client.send({ type: 'admit' });
  }

  /** Back into a call the patient is still admitted to (the practitioner is never locked out). */
  async rejoinCall(): Promise<void> {
    this.leftCall = false;
    await this.startCall();
  }

  /**
   * The red phone ("Raccrocher"): ends the consultation for both; the connector records the
   * end and sends the closing messages. Asked once before: no invoice sent, a document still
   * on its way.
   */
  async hangUp(): Promise<void> {
    // "Pensez à demander le paiement avant de raccrocher": once, when nothing was requested.
    // The reminder is in the patient's tab of the call: shown first, so that its dialog can open.
    this.practitionerCall()?.select('patient');
    if (this.invoice()?.remindBeforeHangUp()) return;
    if (this.documents.uploading() && !this.uploadWarned) {
      this.uploadWarned = true;
      this.uploadWarning.set(true);
      return;
    }
    this.uploadWarning.set(false);
    // Hanging up stops a recording and saves its file first.
    await this.recorder.stop();
    this.leftCall = true;
    this.pendingKnock = null;
    this.client.send({ type: 'end' });
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
