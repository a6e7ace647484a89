import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, computed, effect, inject, input, output, signal, viewChild } from '@angular/core';
import type { ConferenceDriver, RemoteTrack } from '../../../../meet/drivers/conference';
import { TranslatePipe } from '../i18n/i18n';

/**
 * The call itself, for both pages: the other side's video large, our own small, and the
 * controls (microphone, camera, hang up). The page owns the driver and its lifecycle.
 */
@Component({
  selector: 'tc-live-call',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section class="call" [attr.aria-label]="'live.callLabel' | t: { name: peerName() }">
      <div class="call-stage">
        <video #remoteVideo class="call-remote" data-testid="remote-video" autoplay playsinline
          [attr.aria-label]="'live.remoteVideo' | t: { name: peerName() }"></video>
        @if (!remoteVideoStream()) {
          <p class="call-waiting" role="status">{{ 'live.waitingForPeer' | t: { name: peerName() } }}</p>
        }
        <video #selfVideo class="call-self" data-testid="self-video" autoplay playsinline muted
          [attr.aria-label]="'live.selfView' | t"></video>
      </div>
      @for (stream of remoteAudioStreams(); track stream.id) {
        <audio autoplay [srcObject]="stream"></audio>
      }
      @if (soundBlocked()) {
        <button type="button" class="call-sound" (click)="enableSound()">{{ 'live.enableSound' | t }}</button>
      }
      <div class="call-controls" role="toolbar" [attr.aria-label]="'live.controls' | t">
        <button type="button" [attr.aria-pressed]="microphoneMuted()" (click)="toggleMicrophone()">
          {{ (microphoneMuted() ? 'live.unmuteMic' : 'live.muteMic') | t }}
        </button>
        <button type="button" [attr.aria-pressed]="cameraMuted()" (click)="toggleCamera()">
          {{ (cameraMuted() ? 'live.unmuteCamera' : 'live.muteCamera') | t }}
        </button>
        <button type="button" class="call-hang-up" (click)="hangUp.emit()">{{ 'live.hangUp' | t }}</button>
      </div>
    </section>
  `,
  styles: `
    .call-stage { position: relative; background: #000; border-radius: var(--radius); overflow: hidden; aspect-ratio: 3 / 4; max-height: 75dvh; width: 100%; }
    @media (min-width: 40rem) { .call-stage { aspect-ratio: 16 / 9; } }
    .call-remote { width: 100%; height: 100%; object-fit: contain; }
    .call-self { position: absolute; right: var(--space-2); bottom: var(--space-2); width: 28%; max-width: 10rem; border-radius: var(--radius); border: 2px solid #fff; transform: scaleX(-1); }
    .call-waiting { position: absolute; inset: 0; display: grid; place-items: center; color: #fff; margin: 0; padding: var(--space-3); text-align: center; }
    .call-controls { display: flex; flex-wrap: wrap; gap: var(--space-2); justify-content: center; margin-top: var(--space-3); }
    .call-hang-up { background: var(--color-danger); color: #fff; border-color: var(--color-danger); }
    .call-sound { margin-top: var(--space-2); }
  `,
})
export class LiveCall {
  /** The driver, already joined (or joining). */
  readonly driver = input.required<ConferenceDriver>();
  /** The other participant's name. */
  readonly peerName = input.required<string>();
  /** The user asked to hang up. */
  readonly hangUp = output<void>();

  private readonly remoteVideo = viewChild.required<ElementRef<HTMLVideoElement>>('remoteVideo');
  private readonly selfVideo = viewChild.required<ElementRef<HTMLVideoElement>>('selfVideo');
  private readonly remoteTracks = signal<RemoteTrack[]>([]);
  private readonly localStream = signal<MediaStream | null>(null);
  protected readonly microphoneMuted = signal(false);
  protected readonly cameraMuted = signal(false);
  protected readonly soundBlocked = signal(false);

  protected readonly remoteVideoStream = computed(() => this.remoteTracks().find((t) => t.kind === 'video')?.stream ?? null);
  /** Audio that is not already in the video's stream (jitsi sends one stream per track). */
  protected readonly remoteAudioStreams = computed(() => {
    const video = this.remoteVideoStream();
    return this.remoteTracks().filter((t) => t.kind === 'audio' && t.stream !== video).map((t) => t.stream);
  });

  constructor() {
    const destroyRef = inject(DestroyRef);
    effect((onCleanup) => {
      const driver = this.driver();
      this.localStream.set(driver.localStream());
      this.microphoneMuted.set(driver.isMicrophoneMuted());
      this.cameraMuted.set(driver.isCameraMuted());
      const offs = [
        driver.on('remote-track-added', (track) => this.remoteTracks.update((list) => [...list.filter((t) => t.id !== track.id), track])),
        driver.on('remote-track-removed', (track) => this.remoteTracks.update((list) => list.filter((t) => t.id !== track.id))),
        driver.on('local-stream', (stream) => this.localStream.set(stream)),
      ];
      onCleanup(() => offs.forEach((off) => off()));
    });
    effect(() => this.show(this.remoteVideo().nativeElement, this.remoteVideoStream()));
    effect(() => this.show(this.selfVideo().nativeElement, this.localStream()));
    destroyRef.onDestroy(() => this.remoteTracks.set([]));
  }

  /** Toggles our microphone. */
  async toggleMicrophone(): Promise<void> {
    const muted = !this.microphoneMuted();
    await this.driver().setMicrophoneMuted(muted);
    this.microphoneMuted.set(muted);
  }

  /** Toggles our camera. */
  async toggleCamera(): Promise<void> {
    const muted = !this.cameraMuted();
    await this.driver().setCameraMuted(muted);
    this.cameraMuted.set(muted);
  }

  /** After autoplay was refused (no user gesture, e.g. after a reload): play with sound now. */
  enableSound(): void {
    const video = this.remoteVideo().nativeElement;
    video.muted = false;
    void video.play().then(() => this.soundBlocked.set(false), () => undefined);
  }

  private show(video: HTMLVideoElement, stream: MediaStream | null): void {
    if (video.srcObject === stream) return;
    video.srcObject = stream;
    if (!stream || video.muted) return;
    // Browsers refuse autoplay with sound without a user gesture (https://developer.chrome.com/blog/autoplay):
    // play muted so the picture shows, and offer a button for the sound.
    video.play().catch(() => {
      video.muted = true;
      this.soundBlocked.set(true);
      void video.play().catch(() => undefined);
    });
  }
}
