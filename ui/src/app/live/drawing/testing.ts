import { signal } from '@angular/core';
import type { Provider } from '@angular/core';
import { Subject } from 'rxjs';
import type { ClientMessage, DrawOperation, Role, ServerMessage } from '#protocol/live';
import { ConsultationClient } from '../consultation-client';

/**
 * The part of `ConsultationClient` the drawing and the pointer use, scripted by a spec: it
 * delivers server messages (any type, as the server sends them) and records what is sent.
 */
export class FakeConsultation {
  readonly messages = new Subject<ServerMessage>();
  readonly socket = { messages$: this.messages.asObservable() };
  readonly sent: ClientMessage[] = [];
  readonly summary = signal<{ you: { role: Role } } | null>(null);
  /** False: the socket is down and `send` drops the message, as `LiveSocket.send` does. */
  connected = true;

  constructor(role: Role) {
    this.summary.set({ you: { role } });
  }

  send(message: ClientMessage): boolean {
    if (this.connected) this.sent.push(message);
    return this.connected;
  }
  /** The server sends `message`. */
  receive(message: ServerMessage): void {
    this.messages.next(message);
  }
  /** The drawing operations sent so far. */
  drawn(): DrawOperation[] {
    return this.sent.flatMap((m) => (m.type === 'draw' ? [m.op] : []));
  }
  /** The pointer messages sent so far. */
  pointers(): Extract<ClientMessage, { type: 'pointer' }>[] {
    return this.sent.flatMap((m) => (m.type === 'pointer' ? [m] : []));
  }
}

/** Provides a {@link FakeConsultation} of `role` as the page's `ConsultationClient`. */
export function provideFakeConsultation(fake: FakeConsultation): Provider {
  return { provide: ConsultationClient, useValue: fake };
}

/** Waits for `count` animation frames (layout, ResizeObserver callbacks and paints happen between them). */
export async function frames(count = 2): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
}

/** The RGBA of one pixel of a canvas. */
export function pixelAt(canvas: HTMLCanvasElement, x: number, y: number): [number, number, number, number] {
  const [r, g, b, a] = canvas.getContext('2d')!.getImageData(Math.round(x), Math.round(y), 1, 1).data;
  return [r!, g!, b!, a!];
}

/** How many pixels of a canvas are not transparent. */
export function paintedPixels(canvas: HTMLCanvasElement): number {
  const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
  let count = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) count++;
  return count;
}

/** Dispatches a pointer event of a mouse's main button (or of `pointerId`) at viewport pixel (`x`, `y`). */
export function pointerAt(target: EventTarget, type: string, x: number, y: number, init: PointerEventInit = {}): void {
  target.dispatchEvent(new PointerEvent(type, {
    clientX: x, clientY: y, pointerId: 1, pointerType: 'mouse', isPrimary: true, button: 0, buttons: type === 'pointerup' ? 0 : 1,
    bubbles: true, cancelable: true, ...init,
  }));
}

/**
 * A `<video>` playing a canvas of `width` × `height` (so that its videoWidth/videoHeight are
 * known), sized `boxWidth` × `boxHeight` with `object-fit: contain`, at the viewport's top
 * left; resolves once its picture size is known. The spec removes it.
 */
export async function videoOf(width: number, height: number, boxWidth: number, boxHeight: number): Promise<HTMLVideoElement> {
  const source = document.createElement('canvas');
  source.width = width;
  source.height = height;
  const video = document.createElement('video');
  video.muted = true;
  video.style.cssText = `position: fixed; left: 0; top: 0; width: ${boxWidth}px; height: ${boxHeight}px; object-fit: contain; padding: 0; border: 0`;
  video.srcObject = source.captureStream();
  // A canvas stream has a frame once the canvas is drawn on after capturing began.
  source.getContext('2d')!.fillRect(0, 0, width, height);
  document.body.appendChild(video);
  const loaded = new Promise<void>((resolve) => video.addEventListener('loadedmetadata', () => resolve(), { once: true }));
  await video.play().catch(() => undefined);
  await loaded;
  return video;
}
