import { ChangeDetectionStrategy, Component, DestroyRef, Injectable, computed, inject, output, signal } from '@angular/core';
import { DomSanitizer } from '@angular/platform-browser';
import { TranslatePipe } from '../i18n/i18n';
import { CallMedia } from '../live/call-media';
import { Documents } from '../live/documents/documents';

/** A file opened with "Fichier": shown on the practitioner's screen only. */
export interface OpenedFile {
  readonly file: File;
  readonly kind: 'pdf' | 'image';
  /** A `blob:` address of the file, revoked when it is closed. */
  readonly url: string;
}

/** What "Fichier" opens: PDF and images. */
export const LOCAL_FILE_ACCEPT = 'application/pdf,.pdf,image/*';

/** Frames per second of a shown image (it does not move: enough for a late joiner to get a picture). */
const SHOWN_IMAGE_FPS = 2;
/** Largest side of a shown image, in pixels (the screen share's usual size). */
const SHOWN_IMAGE_MAX_SIDE = 1920;

/**
 * "Fichier": a local file (PDF or image) opened on the practitioner's own screen, nothing
 * uploaded. From there the practitioner may show it to the patient (an image is sent as the
 * screen share, drawn on a canvas; a PDF through "Partage d'écran" of this tab), or send a
 * copy into the conversation ("Partager un fichier").
 */
@Injectable()
export class LocalFile {
  private readonly openedSignal = signal<OpenedFile | null>(null);
  private readonly refusedSignal = signal(false);
  /** The file on screen, or null. */
  readonly opened = this.openedSignal.asReadonly();
  /** The last chosen file was neither a PDF nor an image. */
  readonly refused = this.refusedSignal.asReadonly();

  constructor() {
    inject(DestroyRef).onDestroy(() => this.close());
  }

  /** Opens `file` on the practitioner's screen (the previous one is closed). */
  open(file: File): void {
    const kind = kindOf(file);
    this.refusedSignal.set(kind === null);
    if (!kind) return;
    this.close();
    this.openedSignal.set({ file, kind, url: URL.createObjectURL(file) });
  }

  /** Closes the file and frees its address. */
  close(): void {
    const opened = this.openedSignal();
    if (opened) URL.revokeObjectURL(opened.url);
    this.openedSignal.set(null);
  }
}

function kindOf(file: File): OpenedFile['kind'] | null {
  if (file.type === 'application/pdf' || /\.pdf$/i.test(file.name)) return 'pdf';
  if (file.type.startsWith('image/')) return 'image';
  return null;
}

/**
 * An image as a video track: painted on a canvas, captured as a stream. The canvas is
 * repainted a few times a second, since a canvas that does not change sends no new frames
 * (https://developer.mozilla.org/docs/Web/API/HTMLCanvasElement/captureStream).
 */
export async function imageTrack(url: string): Promise<MediaStreamTrack> {
  const image = new Image();
  image.src = url;
  await image.decode();
  const scale = Math.min(1, SHOWN_IMAGE_MAX_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(2, Math.round(image.naturalWidth * scale));
  canvas.height = Math.max(2, Math.round(image.naturalHeight * scale));
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas');
  const paint = () => context.drawImage(image, 0, 0, canvas.width, canvas.height);
  paint();
  const [track] = canvas.captureStream(SHOWN_IMAGE_FPS).getVideoTracks();
  if (!track) throw new Error('No canvas track');
  const timer = setInterval(() => (track.readyState === 'ended' ? clearInterval(timer) : paint()), 1000 / SHOWN_IMAGE_FPS);
  return track;
}

/** The opened file, large on the practitioner's stage, with what can be done with it. */
@Component({
  selector: 'tc-local-file',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (localFile.opened(); as opened) {
      <div class="viewer" data-testid="local-file">
        @if (opened.kind === 'image') {
          <img [src]="opened.url" [alt]="opened.file.name" />
        } @else {
          <iframe [src]="pdfAddress()" [title]="opened.file.name"></iframe>
        }
        <div class="bar">
          <p class="hint">{{ 'file.onlyYou' | t: { name: opened.file.name } }}</p>
          <button type="button" (click)="show(opened)">{{ 'file.show' | t }}</button>
          <button type="button" (click)="documents.upload(opened.file)">{{ 'tools.shareFile' | t }}</button>
          <button type="button" (click)="localFile.close(); closed.emit()">{{ 'file.close' | t }}</button>
        </div>
      </div>
    }
  `,
  styles: `
    :host { display: block; position: absolute; inset: 0; }
    .viewer { position: absolute; inset: 0; display: flex; flex-direction: column; background: #fff; }
    img, iframe { flex: 1; min-height: 0; width: 100%; object-fit: contain; border: 0; background: #fff; }
    .bar { display: flex; flex-wrap: wrap; gap: var(--space-2); align-items: center; padding: var(--space-2); background: var(--color-surface); border-top: 1px solid var(--color-border); }
    .hint { flex: 1 1 12rem; margin: 0; color: var(--color-text-muted); font-size: 0.875rem; word-break: break-word; }
  `,
})
export class LocalFileView {
  /** The practitioner closed the file. */
  readonly closed = output<void>();
  protected readonly localFile = inject(LocalFile);
  protected readonly documents = inject(Documents);
  private readonly media = inject(CallMedia);
  private readonly sanitizer = inject(DomSanitizer);
  /** The PDF in the browser's own viewer: a `blob:` address of a file the practitioner chose, so trusted. */
  protected readonly pdfAddress = computed(() => {
    const opened = this.localFile.opened();
    return opened?.kind === 'pdf' ? this.sanitizer.bypassSecurityTrustResourceUrl(opened.url) : null;
  });

  /** "Montrer au patient": an image goes as the screen share; a PDF through sharing this tab. */
  protected async show(opened: OpenedFile): Promise<void> {
    if (opened.kind === 'image') await this.media.startScreenShare(await imageTrack(opened.url));
    else await this.media.startScreenShare();
  }
}
