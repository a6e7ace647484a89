import { ChangeDetectionStrategy, Component, ElementRef, computed, effect, inject, input, output, signal, viewChild } from '@angular/core';
import { TranslatePipe } from '../i18n/i18n';
import { CallMedia } from './call-media';

/** What the large place of the stage shows. */
export type StageMain = 'peer' | 'peer-screen' | 'own-screen' | 'page';

/**
 * The call's picture, for both pages: the large place shows the other side's camera, or the
 * screen shared by either side (the practitioner sees its own share as the patient sees
 * it, to point and draw on it), or what the page puts there (`[stage-main]`: the
 * practitioner's local file); the small tiles (bottom right, clear of the drawing's tools) show our own camera and, while something else
 * is large, the other side's camera. What goes over the large place (drawing, pointer) is
 * the page's, projected as `[stage-overlay]`, positioned over `surface()`.
 */
@Component({
  selector: 'tc-call-stage',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="stage" [attr.aria-label]="'live.callLabel' | t: { name: peerName() }" role="group">
      <div class="main" [attr.data-main]="main()" [class.pannable]="zoomed()" (pointerdown)="startPan($event)" (pointermove)="movePan($event)" (pointerup)="endPan()" (pointercancel)="endPan()">
        <video #mainVideo class="main-video" data-testid="main-video" autoplay playsinline muted [hidden]="main() === 'page'"
          [style.transform]="zoomed() ? 'scale(' + zoom() + ')' : null" [style.transform-origin]="zoomed() ? pan().x * 100 + '% ' + pan().y * 100 + '%' : null"
          [attr.data-source]="main()" [attr.aria-label]="mainLabel() | t: { name: peerName() }"></video>
        @if (main() === 'page') {
          <ng-content select="[stage-main]" />
        }
        @if (main() === 'peer' && !media.remoteCamera()) {
          <p class="waiting" role="status">{{ 'live.waitingForPeer' | t: { name: peerName() } }}</p>
        }
        <ng-content select="[stage-overlay]" />
      </div>
      <div class="tiles">
        @if (main() !== 'peer') {
          <video #peerTile class="tile" data-testid="peer-tile" autoplay playsinline muted [attr.aria-label]="'live.remoteVideo' | t: { name: peerName() }"></video>
        }
        <video #selfTile class="tile self" data-testid="self-video" autoplay playsinline muted [attr.aria-label]="'live.selfView' | t"></video>
      </div>
    </div>
    <audio #sound data-testid="remote-audio"></audio>
    @if (soundBlocked()) {
      <button type="button" class="sound" (click)="enableSound()">{{ 'live.enableSound' | t }}</button>
    }
  `,
  styles: `
    :host { display: block; position: relative; }
    .stage { position: relative; background: #000; border-radius: var(--radius); overflow: hidden; width: 100%; height: 100%; min-height: 12rem; }
    .main { position: absolute; inset: 0; }
    .main-video { width: 100%; height: 100%; object-fit: contain; display: block; }
    .main-video[hidden] { display: none; }
    .main { overflow: hidden; }
    .pannable { cursor: grab; touch-action: none; }
    .waiting { position: absolute; inset: 0; display: grid; place-items: center; color: #fff; margin: 0; padding: var(--space-3); text-align: center; }
    .tiles { position: absolute; right: var(--space-2); bottom: var(--space-2); display: flex; flex-direction: column; gap: var(--space-2); width: 26%; max-width: 10rem; z-index: 3; pointer-events: none; }
    .tile { width: 100%; border-radius: var(--radius); border: 2px solid #fff; background: #222; }
    .self { transform: scaleX(-1); }
    .sound { position: absolute; left: 50%; bottom: var(--space-3); transform: translateX(-50%); z-index: 4; }
  `,
})
export class CallStage {
  /** The other participant's name. */
  readonly peerName = input.required<string>();
  /** The page has something of its own to show large (the practitioner's local file). */
  readonly pageMain = input(false);
  /** A digital zoom of the other side's camera (1: none), and where it is centred (fractions). */
  readonly zoom = input(1);
  readonly pan = input<{ x: number; y: number }>({ x: 0.5, y: 0.5 });
  /** The practitioner dragged a zoomed picture: the new centre. */
  readonly panned = output<{ x: number; y: number }>();
  protected readonly media = inject(CallMedia);
  private readonly mainVideo = viewChild.required<ElementRef<HTMLVideoElement>>('mainVideo');
  private readonly peerTile = viewChild<ElementRef<HTMLVideoElement>>('peerTile');
  private readonly selfTile = viewChild.required<ElementRef<HTMLVideoElement>>('selfTile');
  private readonly sound = viewChild.required<ElementRef<HTMLAudioElement>>('sound');
  protected readonly soundBlocked = signal(false);

  protected readonly zoomed = computed(() => this.zoom() > 1 && this.main() === 'peer');
  private dragging: { x: number; y: number; pan: { x: number; y: number } } | null = null;

  /** What is large: a shared screen first (ours while we share), then the page's own, then the other side. */
  readonly main = computed<StageMain>(() => {
    if (this.media.ownScreen()) return 'own-screen';
    if (this.media.remoteScreen()) return 'peer-screen';
    if (this.pageMain()) return 'page';
    return 'peer';
  });
  /** The stream of the large video. */
  private readonly mainStream = computed(() => {
    switch (this.main()) {
      case 'own-screen': return this.media.ownScreen();
      case 'peer-screen': return this.media.remoteScreen();
      case 'peer': return this.media.remoteCamera();
      default: return null;
    }
  });
  protected readonly mainLabel = computed(() => {
    switch (this.main()) {
      case 'own-screen': return 'screen.own' as const;
      case 'peer-screen': return 'screen.peer' as const;
      default: return 'live.remoteVideo' as const;
    }
  });

  constructor() {
    effect(() => this.show(this.mainVideo().nativeElement, this.mainStream()));
    effect(() => {
      const tile = this.peerTile();
      if (tile) this.show(tile.nativeElement, this.media.remoteCamera());
    });
    effect(() => this.show(this.selfTile().nativeElement, this.media.localStream()));
    effect(() => this.play(this.sound().nativeElement, this.media.remoteAudio()));
    effect(() => {
      const audio = this.sound().nativeElement as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
      // https://developer.mozilla.org/docs/Web/API/HTMLMediaElement/setSinkId (absent in some browsers: the default speaker stays).
      void audio.setSinkId?.(this.media.speaker() ?? '').catch(() => undefined);
    });
  }

  protected startPan(event: PointerEvent): void {
    if (!this.zoomed()) return;
    this.dragging = { x: event.clientX, y: event.clientY, pan: this.pan() };
    (event.currentTarget as HTMLElement).setPointerCapture?.(event.pointerId);
  }

  /** Dragging the picture moves it under the pointer: its centre goes the other way, slowed by the zoom. */
  protected movePan(event: PointerEvent): void {
    const drag = this.dragging;
    if (!drag) return;
    const box = (event.currentTarget as HTMLElement).getBoundingClientRect();
    const factor = this.zoom() - 1 || 1;
    this.panned.emit({ x: drag.pan.x - (event.clientX - drag.x) / (box.width * factor), y: drag.pan.y - (event.clientY - drag.y) / (box.height * factor) });
  }

  protected endPan(): void {
    this.dragging = null;
  }

  /** The large video element: the surface the drawing and the pointer are placed over. */
  surfaceVideo(): HTMLVideoElement {
    return this.mainVideo().nativeElement;
  }

  /** After autoplay was refused (no user gesture, e.g. after a reload): play the sound now. */
  enableSound(): void {
    void this.sound().nativeElement.play().then(() => this.soundBlocked.set(false), () => undefined);
  }

  /** Videos are all silent: the sound plays on its own element, so it goes on whatever is shown large. */
  private show(video: HTMLVideoElement, stream: MediaStream | null): void {
    if (video.srcObject === stream) return;
    video.muted = true;
    video.srcObject = stream;
    if (stream) void video.play().catch(() => undefined);
  }

  private play(audio: HTMLAudioElement, stream: MediaStream | null): void {
    if (audio.srcObject === stream) return;
    audio.srcObject = stream;
    if (!stream) return;
    // Browsers refuse autoplay with sound without a user gesture (https://developer.chrome.com/blog/autoplay):
    // the picture shows anyway, and a button offers the sound.
    audio.play().then(() => this.soundBlocked.set(false), () => this.soundBlocked.set(true));
  }
}
