import { ChangeDetectionStrategy, Component, DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import type { ClientMessage, PatientMediaState } from '#protocol/live';
import { I18n, TranslatePipe } from '../i18n/i18n';
import type { TranslationKey } from '../i18n/i18n';
import { ConsultationClient } from '../live/consultation-client';
import { Icon } from '../shared/icon';
import { PractitionerSettings } from './settings';

type CameraCommand = Extract<ClientMessage, { type: 'camera' }>['command'];

/** Until the patient's device says otherwise: microphone and video on, no zoom. */
const UNKNOWN: PatientMediaState = { microphone: true, video: true, cameras: 0, facing: null, zoom: { mode: 'digital', level: 1, max: 4 } };

/**
 * The patient's camera and microphone as the practitioner's panel sees them: the state the
 * patient's device reports (`camera-state`), and the commands sent to it. The panel always
 * shows what the device says, not what was asked. With a digital zoom, the panel enlarges the
 * patient's picture itself (`digitalZoom()`), with a pan the practitioner drags.
 */
@Injectable()
export class PatientCamera {
  private readonly client = inject(ConsultationClient);
  private readonly settings = inject(PractitionerSettings, { optional: true });
  private readonly stateSignal = signal<PatientMediaState>(UNKNOWN);
  private readonly panSignal = signal<{ x: number; y: number }>({ x: 0.5, y: 0.5 });
  /** The patient's device reported at least once. */
  private readonly knownSignal = signal(false);

  readonly state = this.stateSignal.asReadonly();
  readonly known = this.knownSignal.asReadonly();
  /** Where the enlarged picture is centred (fractions), for a digital zoom. */
  readonly pan = this.panSignal.asReadonly();
  /** The enlargement the panel applies to the patient's picture: 1 unless the zoom is digital. */
  readonly digitalZoom = computed(() => (this.stateSignal().zoom.mode === 'digital' ? this.stateSignal().zoom.level : 1));

  constructor() {
    const subscription = this.client.socket.messages$.subscribe((message) => {
      if (message.type === 'camera-state' && message.from === 'patient') {
        this.stateSignal.set(message.state);
        this.knownSignal.set(true);
        if (message.state.zoom.level === 1) this.panSignal.set({ x: 0.5, y: 0.5 });
      }
    });
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
  }

  /** Sends a command to the patient's device; "Prendre une photo" at the practitioner's "résolution photo". */
  command(command: CameraCommand): void {
    const photoHeight = command === 'photo' ? this.settings?.settings().photoHeight : null;
    this.client.send({ type: 'camera', command, ...(photoHeight ? { photoHeight } : {}) });
  }

  /** Moves the centre of a digital zoom (fractions of the picture, kept inside it). */
  panTo(x: number, y: number): void {
    const level = this.digitalZoom();
    const margin = level > 1 ? 0.5 / level : 0.5;
    this.panSignal.set({ x: clamp(x, margin, 1 - margin), y: clamp(y, margin, 1 - margin) });
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/** What each refusal is said as. */
const REFUSALS: Record<NonNullable<PatientMediaState['refused']>, TranslationKey> = {
  'single-camera': 'patientCamera.refused.single-camera',
  'switch-failed': 'patientCamera.refused.switch-failed',
  'zoom-limit': 'patientCamera.refused.zoom-limit',
  'not-in-call': 'patientCamera.refused.not-in-call',
  'photo-failed': 'patientCamera.refused.photo-failed',
};

/** The patient group of the practitioner's tool bar: the patient's video, microphone, camera and zoom. */
@Component({
  selector: 'tc-patient-camera-controls',
  imports: [TranslatePipe, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { class: 'tool-group', role: 'group', '[attr.aria-label]': 'groupLabel()' },
  template: `
    <button type="button" class="tool" (click)="camera.command(state().video ? 'mute-video' : 'unmute-video')">
      <tc-icon [name]="state().video ? 'camera' : 'camera-off'" />
      <span>{{ (state().video ? 'patientCamera.videoOff' : 'patientCamera.videoOn') | t }}</span>
    </button>
    <button type="button" class="tool" (click)="camera.command(state().microphone ? 'mute-audio' : 'unmute-audio')">
      <tc-icon [name]="state().microphone ? 'mic' : 'mic-off'" />
      <span>{{ (state().microphone ? 'patientCamera.micOff' : 'patientCamera.micOn') | t }}</span>
    </button>
    <button type="button" class="tool" (click)="camera.command('switch')">
      <tc-icon name="switch-camera" /><span>{{ 'patientCamera.switch' | t }}</span>
    </button>
    <button type="button" class="tool" (click)="camera.command('photo')">
      <tc-icon name="photo" /><span>{{ 'patientCamera.photo' | t }}</span>
    </button>
    <span class="zoom" role="group" [attr.aria-label]="'patientCamera.zoomGroup' | t">
      <button type="button" class="tool" (click)="camera.command('zoom-in')">
        <tc-icon name="zoom-in" /><span>{{ 'patientCamera.zoomIn' | t }}</span>
      </button>
      <button type="button" class="tool small" [attr.aria-label]="'patientCamera.zoomOut' | t" [attr.title]="'patientCamera.zoomOut' | t" (click)="camera.command('zoom-out')">
        <tc-icon name="zoom-out" />
      </button>
      <button type="button" class="tool small" [attr.aria-label]="'patientCamera.zoomReset' | t" [attr.title]="'patientCamera.zoomReset' | t" (click)="camera.command('zoom-reset')">
        <span aria-hidden="true">1×</span>
      </button>
      <output class="level" data-testid="zoom-level" [attr.data-mode]="state().zoom.mode">{{ zoomText() }}</output>
    </span>
    <p class="said" role="status" aria-live="polite" data-testid="patient-camera-status">
      @if (state().refused; as refused) {
        {{ refusals[refused] | t }}
      }
    </p>
  `,
  styles: `
    :host { display: contents; }
    .zoom { display: inline-flex; align-items: stretch; gap: 2px; }
    .small { min-width: var(--tap-size) !important; padding: var(--space-1) !important; }
    .level { align-self: center; font-size: 0.75rem; color: var(--color-text-muted); min-width: 5.5rem; text-align: center; }
    .said { flex-basis: 100%; margin: 0; text-align: center; font-size: 0.875rem; color: var(--color-text-muted); min-height: 0; }
    .said:empty { display: none; }
  `,
})
export class PatientCameraControls {
  protected readonly camera = inject(PatientCamera);
  private readonly i18n = inject(I18n);
  protected readonly state = this.camera.state;
  protected readonly refusals = REFUSALS;
  protected readonly groupLabel = computed(() => this.i18n.t('patientCamera.group'));
  /** "×2 (caméra)" / "×2 (numérique)". */
  protected readonly zoomText = computed(() => {
    const zoom = this.state().zoom;
    const level = zoom.level.toLocaleString(this.i18n.language());
    return this.i18n.t(zoom.mode === 'camera' ? 'patientCamera.zoomCamera' : 'patientCamera.zoomDigital', { level });
  });
}
