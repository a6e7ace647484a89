import { DestroyRef, Directive, ElementRef, effect, inject, input, untracked } from '@angular/core';
import { ConsultationClient } from '../consultation-client';
import { Throttle } from './throttle';
import { boxOf, toFraction, videoContentRect } from './surface-rect';

/** The shortest time between two pointer messages: at most 20 a second. */
export const POINTER_INTERVAL_MS = 50;

interface PointerPosition {
  readonly x: number;
  readonly y: number;
  readonly visible: boolean;
}

/**
 * "Partager le pointeur", for the practitioner: while `tcPointerShare` is true, follows the
 * mouse over the host element (the shared surface, or a box holding it and what lies over it:
 * moves over child elements such as the drawing board bubble up to it) and sends its
 * position to the patient as fractions of the surface, at most 20 messages a second (the
 * latest position wins; the last one is always sent). With `pointerVideo`, the surface is
 * that video's picture (`object-fit: contain`), so the bars around it count as outside.
 * Sends `visible: false` when the pointer leaves the surface, when sharing is turned off,
 * and when the host goes away. Uses the page's `ConsultationClient`.
 *
 * `<div class="stage" [tcPointerShare]="sharingPointer()" [pointerVideo]="sharedVideo">…</div>`
 */
@Directive({ selector: '[tcPointerShare]' })
export class PointerShare {
  /** Whether "Partager le pointeur" is on. */
  readonly sharing = input(false, { alias: 'tcPointerShare' });
  /** The video whose picture is the surface; without it, the host's box is. */
  readonly pointerVideo = input<HTMLVideoElement | null>(null);

  private readonly client = inject(ConsultationClient);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
  private readonly throttle = new Throttle(POINTER_INTERVAL_MS, () => this.sendLatest());
  private latest: PointerPosition = { x: 0, y: 0, visible: false };
  private sent: PointerPosition = this.latest;

  constructor() {
    // Listened to directly rather than through host bindings: a pointer move needs no change detection.
    const move = (event: PointerEvent) => this.follow(event);
    const leave = () => this.hide();
    this.host.addEventListener('pointermove', move);
    this.host.addEventListener('pointerleave', leave);
    effect(() => {
      if (!this.sharing()) untracked(() => this.hide());
    });
    inject(DestroyRef).onDestroy(() => {
      this.host.removeEventListener('pointermove', move);
      this.host.removeEventListener('pointerleave', leave);
      this.throttle.cancel();
      this.latest = { ...this.latest, visible: false };
      this.sendLatest();
    });
  }

  private follow(event: PointerEvent): void {
    if (!this.sharing()) return;
    const video = this.pointerVideo();
    const point = toFraction(video ? videoContentRect(video) : boxOf(this.host), event.clientX, event.clientY);
    this.latest = point.inside ? { x: point.x, y: point.y, visible: true } : { ...this.latest, visible: false };
    this.queue();
  }

  private hide(): void {
    this.latest = { ...this.latest, visible: false };
    this.queue();
  }

  private queue(): void {
    if (this.differsFromSent()) this.throttle.request();
  }

  private differsFromSent(): boolean {
    const { latest, sent } = this;
    if (!latest.visible) return sent.visible;
    return !sent.visible || latest.x !== sent.x || latest.y !== sent.y;
  }

  private sendLatest(): void {
    if (!this.differsFromSent()) return;
    const { x, y, visible } = this.latest;
    // Rounded to 1/10 000 of the surface: finer than a pixel, and a shorter message.
    const round = (v: number) => Math.round(v * 10_000) / 10_000;
    this.client.send({ type: 'pointer', x: round(x), y: round(y), visible });
    this.sent = this.latest;
  }
}
