import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, effect, inject, output, signal, viewChild } from '@angular/core';
import { TranslatePipe } from '../i18n/i18n';

interface DeviceOption {
  id: string;
  label: string;
}

/**
 * The device check before the waiting room: a camera preview and the choice of camera and
 * microphone. The preview stops when the component goes (the call takes the devices next).
 */
@Component({
  selector: 'tc-device-check',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="device-check" aria-labelledby="device-check-title">
      <h2 id="device-check-title">{{ 'patient.deviceCheck' | t }}</h2>
      <video #preview class="preview" autoplay playsinline muted [attr.aria-label]="'live.selfView' | t"></video>
      @if (failed()) {
        <p class="error" role="alert">{{ 'live.mediaError' | t }}</p>
        <button type="button" (click)="startPreview()">{{ 'live.retry' | t }}</button>
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
    .error { color: var(--color-danger); }
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
  protected readonly failed = signal(false);
  private stream: MediaStream | null = null;

  constructor() {
    inject(DestroyRef).onDestroy(() => this.stop());
    effect(() => {
      this.preview();
      void this.startPreview();
    });
  }

  /** (Re)starts the preview with the chosen devices and lists the devices. */
  async startPreview(): Promise<void> {
    this.stop();
    const media = navigator.mediaDevices;
    if (!media) {
      this.failed.set(true);
      return;
    }
    try {
      const camera = this.cameraId();
      const microphone = this.microphoneId();
      this.stream = await media.getUserMedia({
        video: camera ? { deviceId: { exact: camera } } : true,
        audio: microphone ? { deviceId: { exact: microphone } } : true,
      });
      this.failed.set(false);
      this.preview().nativeElement.srcObject = this.stream;
      const devices = await media.enumerateDevices();
      const options = (kind: MediaDeviceKind) => devices.filter((d) => d.kind === kind).map((d, i) => ({ id: d.deviceId, label: d.label || `${kind} ${i + 1}` }));
      this.cameras.set(options('videoinput'));
      this.microphones.set(options('audioinput'));
      this.cameraId.set(this.stream.getVideoTracks()[0]?.getSettings().deviceId ?? '');
      this.microphoneId.set(this.stream.getAudioTracks()[0]?.getSettings().deviceId ?? '');
      this.emit();
    } catch {
      this.failed.set(true);
    }
  }

  /** Switches the preview to another camera. */
  chooseCamera(id: string): void {
    this.cameraId.set(id);
    void this.startPreview();
  }

  /** Switches to another microphone. */
  chooseMicrophone(id: string): void {
    this.microphoneId.set(id);
    void this.startPreview();
  }

  private emit(): void {
    this.chosen.emit({ cameraId: this.cameraId() || undefined, microphoneId: this.microphoneId() || undefined });
  }

  private stop(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
  }
}
