import { ChangeDetectionStrategy, Component, DestroyRef, ElementRef, computed, effect, inject, input, signal } from '@angular/core';
import { TranslatePipe } from '../../i18n/i18n';
import { ConsultationClient } from '../consultation-client';
import { NO_RECT, sameRect, toPixels, watchSurface } from './surface-rect';
import type { Rect } from './surface-rect';

interface SharedPointer {
  readonly x: number;
  readonly y: number;
  readonly visible: boolean;
}

/**
 * The practitioner's shared pointer, on the patient's page: a ring at the position the
 * practitioner's `pointer` messages give, as fractions of the surface (the picture of
 * `video` with `object-fit: contain` when given, else the host's box), hidden when the
 * pointer is not visible. The host covers the surface or the video's box (by default
 * `position: absolute; inset: 0` in the positioned box that holds the video) and lets every
 * pointer event through. Uses the page's `ConsultationClient`.
 */
@Component({
  selector: 'tc-pointer-marker',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (position(); as at) {
      <div class="marker" data-testid="pointer-marker" [style.left.px]="at.left" [style.top.px]="at.top">
        <span class="visually-hidden">{{ 'pointer.marker' | t }}</span>
      </div>
    }
  `,
  styles: `
    :host { position: absolute; inset: 0; display: block; pointer-events: none; overflow: hidden; }
    .marker {
      position: absolute; width: 1.75rem; height: 1.75rem; margin: -0.875rem 0 0 -0.875rem; border-radius: 50%;
      border: 0.25rem solid #e53935; background: rgb(229 57 53 / 0.25); box-shadow: 0 0 0 2px #fff, 0 0 6px 2px rgb(0 0 0 / 0.6);
      transition: left 50ms linear, top 50ms linear;
    }
  `,
})
export class PointerMarker {
  /** The video whose picture is the surface; without it, the host's box is. */
  readonly video = input<HTMLVideoElement | null>(null);

  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
  private readonly pointer = signal<SharedPointer>({ x: 0, y: 0, visible: false });
  private readonly rect = signal<Rect>(NO_RECT, { equal: sameRect });

  /** Where the marker is in the host (CSS pixels), or null when hidden. */
  protected readonly position = computed(() => {
    const { x, y, visible } = this.pointer();
    const rect = this.rect();
    return visible && rect.width > 0 && rect.height > 0 ? toPixels(rect, x, y) : null;
  });

  constructor() {
    const subscription = inject(ConsultationClient).socket.messages$.subscribe((message) => {
      if (message.type === 'pointer' && message.from === 'practitioner') this.pointer.set({ x: message.x, y: message.y, visible: message.visible });
      // A (re)connection: the practitioner's pointer shows again with their next move.
      if (message.type === 'state') this.pointer.set({ x: 0, y: 0, visible: false });
    });
    inject(DestroyRef).onDestroy(() => subscription.unsubscribe());
    effect((onCleanup) => onCleanup(watchSurface(this.host, this.video(), (rect) => this.rect.set(rect))));
  }
}
