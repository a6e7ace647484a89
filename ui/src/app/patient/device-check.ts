import { DOCUMENT } from '@angular/common';
import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, effect, inject, output, signal, untracked, viewChild } from '@angular/core';
import { TranslatePipe } from '../i18n/i18n';
import { allowSteps, deviceProblemOf, helpBrowserName, helpBrowserOf, type DeviceProblem } from './device-help';

interface DeviceOption {
  id: string;
  label: string;
}

/**
 * The device check before the waiting room: a camera preview and the choice of camera and
 * microphone. The preview stops when the component goes (the call takes the devices next).
 *
 * A choice counts at once (the call opens what was chosen even if the patient goes on before
 * the preview follows), and only the latest preview holds the devices: a preview still opening
 * when the patient chooses again, or leaves, lets its devices go as soon as it has them.
 */
@Component({
  selector: 'tc-device-check',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="device-check" aria-labelledby="device-check-title">
      <h2 id="device-check-title">{{ 'patient.deviceCheck' | t }}</h2>
      <video #preview class="preview" autoplay playsinline muted [attr.aria-label]="'live.selfView' | t"></video>
      @if (problem(); as problem) {
        <div class="help" role="alert" data-testid="device-help">
          <p class="error">{{ (problem === 'blocked' ? 'deviceCheck.blocked' : 'deviceCheck.missing') | t }}</p>
          @if (problem === 'blocked') {
            <p>{{ 'deviceCheck.howTo' | t: { browser: browserName } }}</p>
            <ol>
              @for (step of steps; track step) {
                <li>{{ step | t }}</li>
              }
            </ol>
          }
        </div>
        <button type="button" (click)="startPreview()">{{ 'deviceCheck.retry' | t }}</button>
      } @else {
        <div class="level">
          <span id="mic-level-label">{{ 'deviceCheck.level' | t }}</span>
          <meter min="0" max="100" [value]="level()" aria-labelledby="mic-level-label" aria-describedby="mic-level-hint" data-testid="mic-level"></meter>
          <small id="mic-level-hint">{{ 'deviceCheck.levelHint' | t }}</small>
        </div>
      }
      <label>
        {{ 'live.camera' | t }}
        <select [value]="cameraId()" (change)="chooseCamera($any($event.target).value)">
          @for (camera of cameras(); track camera.id) {
            <option [value]="camera.id">{{ camera.label }}</option>
          }
        </select>
      </label>
      <label>
        {{ 'live.microphone' | t }}
        <select [value]="microphoneId()" (change)="chooseMicrophone($any($event.target).value)">
          @for (microphone of microphones(); track microphone.id) {
            <option [value]="microphone.id">{{ microphone.label }}</option>
          }
        </select>
      </label>
    </section>
  `,
  styles: `
    .device-check { display: grid; gap: var(--space-2); }
    .preview { width: 100%; max-height: 40dvh; background: #000; border-radius: var(--radius); transform: scaleX(-1); }
    label { display: grid; gap: var(--space-1); }
    select { min-height: var(--tap-size); }
    .error { color: var(--color-danger); font-weight: 600; }
    .help ol { margin: 0; padding-left: var(--space-4); display: grid; gap: var(--space-1); }
    .level { display: grid; gap: var(--space-1); }
    meter { width: 100%; height: 1rem; }
  `,
})
export class DeviceCheck {
  /** The chosen devices, on every change. */
  readonly chosen = output<{ cameraId?: string; microphoneId?: string }>();

  private readonly preview = viewChild.required<ElementRef<HTMLVideoElement>>('preview');
  protected readonly cameras = signal<DeviceOption[]>([]);
  protected readonly microphones = signal<DeviceOption[]>([]);
  protected readonly cameraId = signal('');
  protected readonly microphoneId = signal('');
  /** Why the camera or microphone could not be opened, or null. */
  protected readonly problem = signal<DeviceProblem | null>(null);
  /** The microphone's level, 0..100. */
  protected readonly level = signal(0);
  private readonly browser = helpBrowserOf(inject(DOCUMENT).defaultView?.navigator.userAgent ?? '');
  protected readonly browserName = helpBrowserName(this.browser);
  protected readonly steps = allowSteps(this.browser);
  private stream: MediaStream | null = null;
  /** Counts the previews started (and the end): a preview that is no longer the latest gives up. */
  private previews = 0;
  private meter: { context: AudioContext; frame: number } | null = null;

  constructor() {
    inject(DestroyRef).onDestroy(() => {
      this.previews++;
      this.stop();
    });
    // Once the video element is there; the choices restart the preview themselves.
    effect(() => {
      this.preview();
      untracked(() => void this.startPreview());
    });
  }

  /** (Re)starts the preview with the chosen devices and lists the devices. */
  async startPreview(): Promise<void> {
    const preview = ++this.previews;
    const latest = () => preview === this.previews;
    this.stop();
    const media = navigator.mediaDevices;
    if (!media) {
      this.problem.set('missing');
      return;
    }
    try {
      const camera = this.cameraId();
      const microphone = this.microphoneId();
      const stream = await media.getUserMedia({
        video: camera ? { deviceId: { exact: camera } } : true,
        audio: microphone ? { deviceId: { exact: microphone } } : true,
      });
      if (!latest()) {
        for (const track of stream.getTracks()) track.stop();
        return;
      }
      this.stream = stream;
      this.problem.set(null);
      this.preview().nativeElement.srcObject = stream;
      this.measure(stream);
      const devices = await media.enumerateDevices();
      if (!latest()) return;
      const options = (kind: MediaDeviceKind) => devices.filter((d) => d.kind === kind).map((d, i) => ({ id: d.deviceId, label: d.label || `${kind} ${i + 1}` }));
      this.cameras.set(options('videoinput'));
      this.microphones.set(options('audioinput'));
      this.cameraId.set(stream.getVideoTracks()[0]?.getSettings().deviceId ?? '');
      this.microphoneId.set(stream.getAudioTracks()[0]?.getSettings().deviceId ?? '');
      this.emit();
    } catch (error) {
      if (latest()) this.problem.set(deviceProblemOf(error));
    }
  }

  /** Switches the preview to another camera. */
  chooseCamera(id: string): void {
    this.cameraId.set(id);
    this.emit();
    void this.startPreview();
  }

  /** Switches to another microphone. */
  chooseMicrophone(id: string): void {
    this.microphoneId.set(id);
    this.emit();
    void this.startPreview();
  }

  private emit(): void {
    this.chosen.emit({ cameraId: this.cameraId() || undefined, microphoneId: this.microphoneId() || undefined });
  }

  /** Follows the microphone's loudness (an AnalyserNode's time-domain peak) once per frame. */
  private measure(stream: MediaStream): void {
    if (!stream.getAudioTracks().length || typeof AudioContext === 'undefined') return;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    const meter = { context, frame: 0 };
    const tick = () => {
      analyser.getByteTimeDomainData(samples);
      let peak = 0;
      for (const sample of samples) peak = Math.max(peak, Math.abs(sample - 128));
      this.level.set(Math.min(100, Math.round((peak / 128) * 200)));
      meter.frame = requestAnimationFrame(tick);
    };
    meter.frame = requestAnimationFrame(tick);
    this.meter = meter;
  }

  private stop(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    if (this.meter) {
      cancelAnimationFrame(this.meter.frame);
      void this.meter.context.close().catch(() => undefined);
      this.meter = null;
    }
    this.level.set(0);
  }
}
