import { ChangeDetectionStrategy, Component, DOCUMENT, DestroyRef, ElementRef, Injectable, InjectionToken, Injector, computed, effect, inject, signal, viewChild } from '@angular/core';
import { TranslatePipe } from '../i18n/i18n';
import { Icon } from '../shared/icon';
import { CallMedia } from '../live/call-media';

/** What is recorded: "Enregistrer la vidéo" (picture and both voices) or "Enregistrer l'audio" (both voices). */
export type RecordingKind = 'video' | 'audio';

/** Why a recording could not start. */
export type RecordingError = 'unsupported' | 'failed';

/** Saves a finished recording on the practitioner's machine (never uploads it). */
export type SaveRecording = (file: Blob, fileName: string) => void;

/**
 * How a finished recording reaches the practitioner's disk: by default a `blob:` address on
 * an `<a download>` clicked, the browser's own download (nothing leaves the computer). Specs
 * provide their own to receive the file.
 */
export const SAVE_RECORDING = new InjectionToken<SaveRecording>('SAVE_RECORDING', {
  providedIn: 'root',
  factory: () => {
    const document = inject(DOCUMENT);
    return (file, fileName) => {
      const url = URL.createObjectURL(file);
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.hidden = true;
      document.body.append(link);
      link.click();
      link.remove();
      // The download has taken the file once the click's task is over; a minute leaves room for a slow disk.
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    };
  },
});

/** Container and codecs tried in order (`MediaRecorder.isTypeSupported`); MP4 for Safari, which records no WebM. */
const MIME_TYPES: Readonly<Record<RecordingKind, readonly string[]>> = {
  video: ['video/webm;codecs=vp9,opus', 'video/webm;codecs=vp8,opus', 'video/webm', 'video/mp4'],
  audio: ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4'],
};

/** The recorded picture's size and rate: enough to see the patient, about 1 Mbit/s (≈ 225 MB for 30 minutes, all kept in memory). */
const FRAME = { width: 1280, height: 720, fps: 25 } as const;
const VIDEO_BITS_PER_SECOND = 1_000_000;
const AUDIO_BITS_PER_SECOND = 64_000;
/** MediaRecorder hands its data every second, so a long recording is not one huge buffer at the end. */
const TIMESLICE_MS = 1000;

/** The first of `candidates` this browser records, or null. */
export function supportedMimeType(kind: RecordingKind): string | null {
  if (typeof MediaRecorder === 'undefined') return null;
  return MIME_TYPES[kind].find((type) => MediaRecorder.isTypeSupported(type)) ?? null;
}

/** `teleconsultation-2026-12-02-1030.webm`: the local date and time the recording started. */
export function recordingFileName(startedAt: Date, mimeType: string): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${startedAt.getFullYear()}-${two(startedAt.getMonth() + 1)}-${two(startedAt.getDate())}-${two(startedAt.getHours())}${two(startedAt.getMinutes())}`;
  return `teleconsultation-${stamp}.${mimeType.includes('mp4') ? 'mp4' : 'webm'}`;
}

/** `0:07`, `12:34`, `1:02:03`. */
export function elapsedText(seconds: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}`;
}

/** One running recording and what it holds on to, released by `close()`. */
interface Session {
  readonly kind: RecordingKind;
  readonly recorder: MediaRecorder;
  readonly chunks: Blob[];
  readonly fileName: string;
  readonly stopped: Promise<void>;
  readonly close: () => void;
}

/**
 * "Enregistrer la vidéo" / "Enregistrer l'audio", in the practitioner's browser only: a
 * `MediaRecorder` on the patient's picture (or what is shared) and the sound of both sides
 * mixed with Web Audio; on `stop()` the file is saved on the practitioner's machine, never
 * uploaded. Provided by the panel page next to {@link CallMedia}; a recording still running
 * when the page goes is stopped and saved.
 */
@Injectable()
export class Recorder {
  private readonly media = inject(CallMedia);
  private readonly save = inject(SAVE_RECORDING);
  private readonly document = inject(DOCUMENT);
  private readonly injector = inject(Injector);
  private session: Session | null = null;
  private readonly kindSignal = signal<RecordingKind | null>(null);
  private readonly elapsedSignal = signal(0);
  private readonly errorSignal = signal<RecordingError | null>(null);
  private readonly savedSignal = signal<string | null>(null);

  /** What is being recorded, or null. */
  readonly kind = this.kindSignal.asReadonly();
  /** A recording runs (for the practitioner's indicator, and for the page to tell the patient). */
  readonly recording = computed(() => this.kindSignal() !== null);
  /** Whole seconds since the recording started. */
  readonly elapsedSeconds = this.elapsedSignal.asReadonly();
  /** Why the last start failed, or null. */
  readonly error = this.errorSignal.asReadonly();
  /** The name of the last file saved, until `dismissSaved()`. */
  readonly savedFileName = this.savedSignal.asReadonly();

  constructor() {
    inject(DestroyRef).onDestroy(() => void this.stop());
  }

  /** Starts recording (after the practitioner confirmed the warning); does nothing while one runs. */
  start(kind: RecordingKind): void {
    if (this.session) return;
    this.errorSignal.set(null);
    this.savedSignal.set(null);
    const mimeType = supportedMimeType(kind);
    if (!mimeType) {
      this.errorSignal.set('unsupported');
      return;
    }
    const releases: (() => void)[] = [];
    const close = () => releases.splice(0).reverse().forEach((release) => release());
    try {
      const audio = this.mixedAudio(releases);
      const tracks = kind === 'video' ? [this.composedVideo(releases), audio] : [audio];
      const recorder = new MediaRecorder(new MediaStream(tracks), {
        mimeType,
        audioBitsPerSecond: AUDIO_BITS_PER_SECOND,
        ...(kind === 'video' ? { videoBitsPerSecond: VIDEO_BITS_PER_SECOND } : {}),
      });
      const chunks: Blob[] = [];
      recorder.addEventListener('dataavailable', (event) => {
        if (event.data.size > 0) chunks.push(event.data);
      });
      const stopped = new Promise<void>((resolve) => recorder.addEventListener('stop', () => resolve(), { once: true }));
      recorder.start(TIMESLICE_MS);
      const startedAt = Date.now();
      const timer = setInterval(() => this.elapsedSignal.set(Math.floor((Date.now() - startedAt) / 1000)), 1000);
      releases.push(() => clearInterval(timer));
      this.session = { kind, recorder, chunks, fileName: recordingFileName(new Date(startedAt), mimeType), stopped, close };
      this.elapsedSignal.set(0);
      this.kindSignal.set(kind);
    } catch {
      close();
      this.errorSignal.set('failed');
    }
  }

  /** Stops the recording and saves its file on this computer; resolves once it is saved (at once when none runs). */
  async stop(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = null;
    this.kindSignal.set(null);
    if (session.recorder.state !== 'inactive') session.recorder.stop();
    await session.stopped;
    session.close();
    const file = new Blob(session.chunks, { type: session.recorder.mimeType || session.chunks[0]?.type || '' });
    if (file.size > 0) {
      this.save(file, session.fileName);
      this.savedSignal.set(session.fileName);
    }
  }

  /** Hides the "saved" notice. */
  dismissSaved(): void {
    this.savedSignal.set(null);
  }

  /**
   * Our microphone and the patient's sound, mixed into one track. The sources follow the
   * call (the patient rejoins, our microphone changes), the mixed track stays the same: a
   * MediaRecorder stops when its stream's tracks change
   * (https://w3c.github.io/mediacapture-record/#mediarecorder-methods, "track set").
   */
  private mixedAudio(releases: (() => void)[]): MediaStreamTrack {
    const context = new AudioContext();
    releases.push(() => void context.close());
    // A context made outside a click may start suspended (autoplay policy); the confirmation was a click.
    context.resume().catch(() => undefined);
    const destination = context.createMediaStreamDestination();
    const connected = new Map<string, MediaStreamAudioSourceNode>();
    const follow = effect(() => {
      const streams = [this.media.localStream(), this.media.remoteAudio()];
      const tracks = streams.flatMap((stream) => stream?.getAudioTracks() ?? []);
      for (const [id, node] of connected) {
        if (!tracks.some((track) => track.id === id)) {
          node.disconnect();
          connected.delete(id);
        }
      }
      for (const track of tracks) {
        if (connected.has(track.id)) continue;
        // Chrome plays a remote WebRTC track into Web Audio only while a media element plays it too: the stage does (https://crbug.com/933677).
        const node = context.createMediaStreamSource(new MediaStream([track]));
        node.connect(destination);
        connected.set(track.id, node);
      }
    }, { injector: this.injector, manualCleanup: true });
    releases.push(() => follow.destroy());
    const [track] = destination.stream.getAudioTracks();
    if (!track) throw new Error('No mixed audio track');
    return track;
  }

  /**
   * The recorded picture: the patient's shared screen, else ours, else the patient's camera,
   * painted on a canvas so that the picture can change source while the recording goes on
   * (black when there is none).
   */
  private composedVideo(releases: (() => void)[]): MediaStreamTrack {
    const canvas = this.document.createElement('canvas');
    canvas.width = FRAME.width;
    canvas.height = FRAME.height;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('No 2D canvas');
    const video = this.document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    const source = computed(() => this.media.remoteScreen() ?? this.media.ownScreen() ?? this.media.remoteCamera());
    const follow = effect(() => {
      const stream = source();
      video.srcObject = stream ? new MediaStream(stream.getVideoTracks()) : null;
      if (stream) void video.play().catch(() => undefined);
    }, { injector: this.injector, manualCleanup: true });
    const paint = () => {
      context.fillStyle = '#000';
      context.fillRect(0, 0, canvas.width, canvas.height);
      if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth) return;
      const scale = Math.min(canvas.width / video.videoWidth, canvas.height / video.videoHeight);
      const width = video.videoWidth * scale;
      const height = video.videoHeight * scale;
      context.drawImage(video, (canvas.width - width) / 2, (canvas.height - height) / 2, width, height);
    };
    paint();
    // A timer rather than requestAnimationFrame, which stops while the tab is hidden; timers are only slowed.
    const timer = setInterval(paint, 1000 / FRAME.fps);
    const [track] = canvas.captureStream(FRAME.fps).getVideoTracks();
    if (!track) throw new Error('No canvas track');
    releases.push(() => {
      clearInterval(timer);
      follow.destroy();
      video.srcObject = null;
      track.stop();
    });
    return track;
  }
}

/**
 * "Enregistrer la vidéo" and "Enregistrer l'audio" for the practitioner's tool bar, with the
 * warning to confirm before anything is recorded. The name stays; `aria-pressed` says a
 * recording runs, and the same button stops it (the other waits meanwhile).
 */
@Component({
  selector: 'tc-recording-controls',
  imports: [TranslatePipe, Icon],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { style: 'display: contents' },
  template: `
    <button type="button" class="tool" aria-haspopup="dialog" [attr.aria-pressed]="recorder.kind() === 'video'"
      [disabled]="recorder.kind() === 'audio'" (click)="toggle('video')">
      <tc-icon name="camera" /><span>{{ 'recording.video' | t }}</span>
    </button>
    <button type="button" class="tool" aria-haspopup="dialog" [attr.aria-pressed]="recorder.kind() === 'audio'"
      [disabled]="recorder.kind() === 'video'" (click)="toggle('audio')">
      <tc-icon name="mic" /><span>{{ 'recording.audio' | t }}</span>
    </button>
    <dialog #dialog class="recording-dialog" aria-labelledby="recording-title" aria-describedby="recording-warning recording-local">
      <h2 id="recording-title">{{ (asked() === 'audio' ? 'recording.audio' : 'recording.video') | t }}</h2>
      <p id="recording-warning" class="warning">{{ 'recording.warning' | t }}</p>
      <p id="recording-local">{{ 'recording.local' | t }}</p>
      <div class="dialog-actions">
        <button type="button" (click)="closeWarning()">{{ 'recording.cancel' | t }}</button>
        <button type="button" class="primary" (click)="startRecording()">{{ 'recording.confirm' | t }}</button>
      </div>
    </dialog>
  `,
  styles: `
    dialog { max-width: min(32rem, 94vw); border: 1px solid var(--color-border); border-radius: var(--radius); background: var(--color-surface); color: var(--color-text); }
    h2 { margin-top: 0; font-size: 1.25rem; }
    .warning { font-weight: 600; color: var(--color-danger); }
    .primary { background: var(--color-accent); color: var(--color-on-accent); border-color: var(--color-accent); }
    .dialog-actions { display: flex; flex-wrap: wrap; gap: var(--space-2); justify-content: flex-end; margin-top: var(--space-3); }
  `,
})
export class RecordingControls {
  protected readonly recorder = inject(Recorder);
  private readonly dialog = viewChild.required<ElementRef<HTMLDialogElement>>('dialog');
  /** The kind the open warning is about. */
  protected readonly asked = signal<RecordingKind>('video');

  /** Stops the running recording of `kind`, or asks before starting one. */
  protected async toggle(kind: RecordingKind): Promise<void> {
    if (this.recorder.kind() === kind) {
      await this.recorder.stop();
      return;
    }
    this.asked.set(kind);
    const dialog = this.dialog().nativeElement;
    if (!dialog.open) dialog.showModal();
  }

  /** "Commencer l'enregistrement", in the click itself: the browser lets Web Audio run after a user's gesture. */
  protected startRecording(): void {
    this.closeWarning();
    this.recorder.start(this.asked());
  }

  /** "Annuler" (or Escape, the dialog's own): nothing is recorded. */
  protected closeWarning(): void {
    this.dialog().nativeElement.close();
  }
}

/**
 * "Enregistrement en cours" with the elapsed time while a recording runs, then where the file
 * went; for the panel's notices. The time is kept out of the live announcement, which would
 * otherwise speak every second.
 */
@Component({
  selector: 'tc-recording-status',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div role="status" class="recording-status">
      @if (recorder.recording()) {
        <p class="running"><span class="dot" aria-hidden="true"></span>{{ 'recording.running' | t }}
          <time aria-live="off" [attr.datetime]="'PT' + recorder.elapsedSeconds() + 'S'" data-testid="recording-elapsed">{{ elapsed() }}</time>
        </p>
      } @else if (recorder.error()) {
        <p>{{ 'recording.failed' | t }}</p>
      } @else if (recorder.savedFileName(); as name) {
        <p>{{ 'recording.saved' | t: { name } }}
          <button type="button" class="dismiss" (click)="recorder.dismissSaved()">{{ 'recording.dismiss' | t }}</button>
        </p>
      }
    </div>
  `,
  styles: `
    p { margin: 0; display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-2); }
    .running { color: var(--color-danger); font-weight: 600; }
    .dot { width: 0.6rem; height: 0.6rem; border-radius: 50%; background: var(--color-danger); }
    time { font-variant-numeric: tabular-nums; }
  `,
})
export class RecordingStatus {
  protected readonly recorder = inject(Recorder);
  protected readonly elapsed = computed(() => elapsedText(this.recorder.elapsedSeconds()));
}
