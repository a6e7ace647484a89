import type { SelfieSegmentation } from '@mediapipe/selfie_segmentation';
import type { CameraEffect } from '../../../../meet/drivers/conference';

/**
 * "Arrière-plan": the practitioner's camera with its background blurred or replaced by one of
 * the offered pictures, as the patient sees it. The person is found in each frame by
 * MediaPipe's selfie segmentation, whose script, model and WebAssembly are served from our
 * origin (`/app/mediapipe/`, copied from the npm package by the build) and loaded only once a
 * background is chosen. The frame is then composed on a canvas (the person over the blurred
 * frame, or over the picture) and the canvas is what the call sends.
 */

/** The offered pictures (ui/src/backgrounds). */
export const BACKGROUND_IMAGES = ['cabinet', 'ciel', 'jardin'] as const;
export type BackgroundImage = (typeof BACKGROUND_IMAGES)[number];
/** What "Arrière-plan" offers: the camera as it is, a blur, or a picture. */
export type Background = 'none' | 'blur' | `image:${BackgroundImage}`;

export function isBackground(value: unknown): value is Background {
  return value === 'none' || value === 'blur' || BACKGROUND_IMAGES.some((image) => value === `image:${image}`);
}

/** The blur of the background, in CSS pixels at the camera's resolution. */
const BLUR_PX = 14;
/** The most frames per second the composed picture is made at (the segmentation sets the pace below it). */
const FRAME_RATE = 24;

/**
 * Whether this browser can make a background: WebAssembly, WebGL 2 (the segmentation runs on
 * the GPU) and a canvas that can be sent (`captureStream`).
 */
export function backgroundSupported(document: Document): boolean {
  try {
    if (typeof WebAssembly !== 'object' || !('captureStream' in HTMLCanvasElement.prototype)) return false;
    return document.createElement('canvas').getContext('webgl2') !== null;
  } catch {
    return false;
  }
}

type SegmentationConstructor = new (config: { locateFile: (file: string) => string }) => SelfieSegmentation;
let library: Promise<SegmentationConstructor> | null = null;

/** Loads MediaPipe's script once, from our origin. */
function loadSegmentation(document: Document, base: URL): Promise<SegmentationConstructor> {
  const loaded = (): SegmentationConstructor | undefined => (document.defaultView as unknown as { SelfieSegmentation?: SegmentationConstructor } | null)?.SelfieSegmentation;
  library ??= new Promise<SegmentationConstructor>((resolve, reject) => {
    const existing = loaded();
    if (existing) return resolve(existing);
    const script = document.createElement('script');
    script.src = new URL('selfie_segmentation.js', base).href;
    script.async = true;
    script.onload = () => {
      const constructor = loaded();
      if (constructor) resolve(constructor);
      else reject(new Error('MediaPipe selfie segmentation did not load'));
    };
    script.onerror = () => reject(new Error('MediaPipe selfie segmentation could not be fetched'));
    document.head.append(script);
  }).catch((error: unknown) => {
    library = null;
    throw error;
  });
  return library;
}

/** Loads a picture of `ui/src/backgrounds`. */
async function loadImage(document: Document, url: string): Promise<HTMLImageElement> {
  const image = document.createElement('img');
  image.src = url;
  await image.decode();
  return image;
}

/**
 * A timer that keeps its pace in a hidden tab (the practitioner shares another tab or works in
 * the agenda): browsers slow a hidden page's own timers to once a second, not a worker's.
 */
function workerTimer(): { next(ms: number): Promise<void>; stop(): void } {
  let worker: Worker | null = null;
  try {
    const source = 'onmessage = (e) => setTimeout(() => postMessage(0), e.data);';
    worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })));
  } catch {
    worker = null;
  }
  let pending: (() => void) | null = null;
  if (worker) worker.onmessage = () => pending?.();
  return {
    next(ms) {
      return new Promise((resolve) => {
        pending = resolve;
        if (worker) worker.postMessage(ms);
        else setTimeout(resolve, ms);
      });
    },
    stop() {
      worker?.terminate();
      pending?.();
    },
  };
}

/**
 * Makes the effect for `background` (not `none`): loads the segmentation (and the picture) and
 * runs it once on a blank frame (its first run compiles its GPU programs, seconds without a
 * GPU), so that the effect starts at once when the driver asks. Rejects where it cannot run.
 */
export async function createBackgroundEffect(document: Document, background: Exclude<Background, 'none'>): Promise<CameraEffect> {
  const base = new URL('mediapipe/', document.baseURI);
  const Segmentation = await loadSegmentation(document, base);
  const image = background === 'blur' ? null : await loadImage(document, new URL(`backgrounds/${background.slice('image:'.length)}.svg`, document.baseURI).href);
  const make = (): SelfieSegmentation => {
    const segmentation = new Segmentation({ locateFile: (file) => new URL(file, base).href });
    // The general model (256×256): steadier edges than the landscape one for a seated person.
    segmentation.setOptions({ modelSelection: 0 });
    return segmentation;
  };
  const first = make();
  const blank = document.createElement('canvas');
  blank.width = 640;
  blank.height = 480;
  blank.getContext('2d')?.fillRect(0, 0, blank.width, blank.height);
  first.onResults(() => undefined);
  try {
    await first.initialize();
    await first.send({ image: blank });
  } catch (error) {
    void first.close().catch(() => undefined);
    throw error;
  }
  return new BackgroundEffect(document, make, first, image);
}

/**
 * The effect itself. The picture is composed at the camera's pace from the latest mask, and the
 * segmentation runs beside it as fast as it can (a few frames a second without a GPU, every
 * frame with one): the picture stays fluid, the outline follows a little behind. Until the
 * first mask, the whole frame is blurred: the room behind the practitioner is never shown.
 */
class BackgroundEffect implements CameraEffect {
  private running = false;
  private output: MediaStreamTrack | null = null;
  private video: HTMLVideoElement | null = null;
  private timer: ReturnType<typeof workerTimer> | null = null;
  /** The person's outline, copied from the segmentation's result (its buffers last only for its callback). */
  private mask: HTMLCanvasElement | null = null;
  private masked = false;
  /** The frame made small and blurred: the blurred background at a fraction of the work. */
  private small: HTMLCanvasElement | null = null;

  constructor(
    private readonly document: Document,
    private readonly make: () => SelfieSegmentation,
    /** Closed on `stop()`; a later `start()` (the driver restarts the effect on another camera) makes another. */
    private segmentation: SelfieSegmentation | null,
    private readonly image: HTMLImageElement | null,
  ) {}

  start(camera: MediaStream): MediaStream {
    this.stopFrames();
    const segmentation = (this.segmentation ??= this.make());
    const settings = camera.getVideoTracks()[0]?.getSettings() ?? {};
    const canvas = this.document.createElement('canvas');
    canvas.width = settings.width ?? 640;
    canvas.height = settings.height ?? 480;
    const context = canvas.getContext('2d');
    const mask = (this.mask ??= this.document.createElement('canvas'));
    mask.width = canvas.width;
    mask.height = canvas.height;
    const maskContext = mask.getContext('2d');
    this.masked = false;
    const video = this.document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = camera;
    this.video = video;
    segmentation.onResults((results) => {
      if (!this.running || !maskContext) return;
      maskContext.clearRect(0, 0, mask.width, mask.height);
      maskContext.drawImage(results.segmentationMask, 0, 0, mask.width, mask.height);
      this.masked = true;
    });
    const stream = canvas.captureStream(FRAME_RATE);
    this.output = stream.getVideoTracks()[0] ?? null;
    this.running = true;
    const timer = workerTimer();
    this.timer = timer;
    let segmenting = false;
    void video.play().catch(() => undefined).then(async () => {
      while (this.running && this.timer === timer) {
        if (video.readyState >= 2 && context) {
          this.compose(context, video);
          if (!segmenting) {
            segmenting = true;
            void segmentation.send({ image: video }).catch(() => undefined).finally(() => (segmenting = false));
          }
        }
        await timer.next(1000 / FRAME_RATE);
      }
    });
    return stream;
  }

  stop(): void {
    this.stopFrames();
    void this.segmentation?.close().catch(() => undefined);
    this.segmentation = null;
  }

  /** The person (the mask's opaque part) over the blurred frame or the picture; all blurred before the first mask. */
  private compose(context: CanvasRenderingContext2D, frame: HTMLVideoElement): void {
    const { width, height } = context.canvas;
    context.save();
    context.clearRect(0, 0, width, height);
    if (this.masked && this.mask) {
      context.drawImage(this.mask, 0, 0, width, height);
      context.globalCompositeOperation = 'source-in';
      context.drawImage(frame, 0, 0, width, height);
      context.globalCompositeOperation = 'destination-over';
    }
    if (this.image && this.masked) drawCover(context, this.image, width, height);
    else this.drawBlurred(context, frame, width, height);
    context.restore();
  }

  /** The frame blurred: made small (and blurred there where the canvas has filters), then drawn large, smoothed. */
  private drawBlurred(context: CanvasRenderingContext2D, frame: HTMLVideoElement, width: number, height: number): void {
    const filters = canvasFilters(context);
    const factor = filters ? 4 : 24;
    const small = (this.small ??= this.document.createElement('canvas'));
    small.width = Math.max(1, Math.round(width / factor));
    small.height = Math.max(1, Math.round(height / factor));
    const smallContext = small.getContext('2d');
    if (!smallContext) return;
    if (filters) smallContext.filter = `blur(${BLUR_PX / factor}px)`;
    // Drawn a little larger than the canvas, so that the blur does not fade at the edges.
    const margin = filters ? (2 * BLUR_PX) / factor : 0;
    smallContext.drawImage(frame, -margin, -margin, small.width + 2 * margin, small.height + 2 * margin);
    context.imageSmoothingEnabled = true;
    context.imageSmoothingQuality = 'high';
    context.drawImage(small, 0, 0, width, height);
  }

  private stopFrames(): void {
    this.running = false;
    this.timer?.stop();
    this.timer = null;
    this.output?.stop();
    this.output = null;
    if (this.video) this.video.srcObject = null;
    this.video = null;
  }
}

/** Whether the canvas has CSS filters (`filter`: not in Safari before 18). */
function canvasFilters(context: CanvasRenderingContext2D): boolean {
  return typeof (context as { filter?: unknown }).filter === 'string';
}

/** Draws `image` to fill `width` × `height`, cropped to keep its proportions (CSS `object-fit: cover`). */
function drawCover(context: CanvasRenderingContext2D, image: HTMLImageElement, width: number, height: number): void {
  const scale = Math.max(width / image.naturalWidth, height / image.naturalHeight);
  const w = image.naturalWidth * scale;
  const h = image.naturalHeight * scale;
  context.drawImage(image, (width - w) / 2, (height - h) / 2, w, h);
}
