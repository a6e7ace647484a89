/**
 * Where a shared surface is on screen, and the maths between its fractions (0..1 on each
 * axis, as the live protocol carries the pointer and the drawing) and pixels.
 */

/** A rectangle in CSS pixels. */
export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** A point of a surface as fractions of its width and height, and whether it lies on the surface. */
export interface SurfacePoint {
  /** 0..1 from the left edge (clamped). */
  readonly x: number;
  /** 0..1 from the top edge (clamped). */
  readonly y: number;
  /** False when the pixel was outside the rectangle (the fractions are then clamped to its edge). */
  readonly inside: boolean;
}

/** The empty rectangle (nothing to show on). */
export const NO_RECT: Rect = { left: 0, top: 0, width: 0, height: 0 };

/**
 * Where a picture of `intrinsicWidth` × `intrinsicHeight` shows inside `box` with
 * `object-fit: contain` and the default `object-position` (centred): scaled to fit whole,
 * with bars on two sides. An unknown picture size (0, before the video's metadata) gives the box.
 */
export function containedRect(intrinsicWidth: number, intrinsicHeight: number, box: Rect): Rect {
  if (intrinsicWidth <= 0 || intrinsicHeight <= 0 || box.width <= 0 || box.height <= 0) return box;
  const scale = Math.min(box.width / intrinsicWidth, box.height / intrinsicHeight);
  const width = intrinsicWidth * scale;
  const height = intrinsicHeight * scale;
  return { left: box.left + (box.width - width) / 2, top: box.top + (box.height - height) / 2, width, height };
}

/**
 * The rectangle, in viewport coordinates, where `video` (styled `object-fit: contain`) shows
 * its picture: its box minus the bars. Assumes no padding or border on the video element.
 */
export function videoContentRect(video: HTMLVideoElement): Rect {
  return containedRect(video.videoWidth, video.videoHeight, boxOf(video));
}

/** An element's border box in viewport coordinates. */
export function boxOf(element: Element): Rect {
  const { left, top, width, height } = element.getBoundingClientRect();
  return { left, top, width, height };
}

/** `rect` with its origin moved to `origin`'s top-left corner (viewport → that element's coordinates). */
export function relativeTo(rect: Rect, origin: Pick<Rect, 'left' | 'top'>): Rect {
  return { left: rect.left - origin.left, top: rect.top - origin.top, width: rect.width, height: rect.height };
}

/** The fractions of `rect` at pixel (`px`, `py`), in the same coordinates as `rect`. */
export function toFraction(rect: Rect, px: number, py: number): SurfacePoint {
  if (rect.width <= 0 || rect.height <= 0) return { x: 0, y: 0, inside: false };
  const x = (px - rect.left) / rect.width;
  const y = (py - rect.top) / rect.height;
  return { x: clamp01(x), y: clamp01(y), inside: x >= 0 && x <= 1 && y >= 0 && y <= 1 };
}

/** The pixel of `rect` at fractions (`x`, `y`), in the same coordinates as `rect`. */
export function toPixels(rect: Rect, x: number, y: number): { readonly left: number; readonly top: number } {
  return { left: rect.left + x * rect.width, top: rect.top + y * rect.height };
}

/** True when both rectangles are the same (for signals that should not fire on equal values). */
export function sameRect(a: Rect, b: Rect): boolean {
  return a.left === b.left && a.top === b.top && a.width === b.width && a.height === b.height;
}

/** `value` within 0..1. */
export function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/**
 * Follows where the surface shows inside `host`, in `host`'s own coordinates: the picture of
 * `video` (see {@link videoContentRect}) when one is given, else the whole host. Calls
 * `changed` at once, then whenever the host or the video is resized, the video's picture
 * size changes (a new stream, a rotated phone) or the window is resized. Returns the stop
 * function.
 */
export function watchSurface(host: HTMLElement, video: HTMLVideoElement | null, changed: (rect: Rect) => void): () => void {
  const measure = () => {
    const hostBox = boxOf(host);
    changed(video ? relativeTo(videoContentRect(video), hostBox) : { left: 0, top: 0, width: hostBox.width, height: hostBox.height });
  };
  const view = host.ownerDocument.defaultView;
  const observer = typeof ResizeObserver === 'undefined' ? null : new ResizeObserver(measure);
  observer?.observe(host);
  if (video) observer?.observe(video);
  // `resize` fires on a video when its videoWidth/videoHeight change (https://html.spec.whatwg.org/multipage/media.html#event-media-resize).
  video?.addEventListener('resize', measure);
  video?.addEventListener('loadedmetadata', measure);
  view?.addEventListener('resize', measure);
  measure();
  return () => {
    observer?.disconnect();
    video?.removeEventListener('resize', measure);
    video?.removeEventListener('loadedmetadata', measure);
    view?.removeEventListener('resize', measure);
  };
}
