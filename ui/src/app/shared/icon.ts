import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

/**
 * The icons of the call's controls, drawn as strokes on a 24 × 24 grid (no icon font, no
 * emoji: both depend on what the device has installed). Decorative only: the control next to
 * it carries the name.
 */
const ICONS = {
  mic: ['M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3z', 'M5 11a7 7 0 0 0 14 0', 'M12 18v3', 'M8 21h8'],
  'mic-off': ['M15 9.5V6a3 3 0 0 0-5.7-1.3', 'M9 9v3a3 3 0 0 0 4.6 2.5', 'M5 11a7 7 0 0 0 11.5 5.4', 'M19 11a7 7 0 0 1-.7 3', 'M12 18v3', 'M8 21h8', 'M3 3l18 18'],
  camera: ['M3 7h12v10H3z', 'M15 10l6-3v10l-6-3'],
  'camera-off': ['M3 7h12v10H3z', 'M15 10l6-3v10l-6-3', 'M2 3l19 19'],
  screen: ['M3 4h18v12H3z', 'M8 20h8', 'M12 16v4'],
  folder: ['M3 6h6l2 2h10v11H3z'],
  attach: ['M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7'],
  pointer: ['M5 3l14 7-6 2-2 6z'],
  pencil: ['M4 20l4-1L19 8l-3-3L5 16z', 'M14 7l3 3'],
  chat: ['M4 5h16v11H9l-5 4z'],
  'switch-camera': ['M3 8h4l2-2h6l2 2h4v11H3z', 'M9 13a3 3 0 0 1 5-2l1 1', 'M15 13a3 3 0 0 1-5 2l-1-1'],
  'zoom-in': ['M10 4a6 6 0 1 1 0 12 6 6 0 0 1 0-12z', 'M20 20l-5.5-5.5', 'M10 7v6', 'M7 10h6'],
  'zoom-out': ['M10 4a6 6 0 1 1 0 12 6 6 0 0 1 0-12z', 'M20 20l-5.5-5.5', 'M7 10h6'],
  photo: ['M3 8h4l2-2h6l2 2h4v11H3z', 'M12 10a3 3 0 1 1 0 6 3 3 0 0 1 0-6z'],
  settings: ['M12 9a3 3 0 1 1 0 6 3 3 0 0 1 0-6z', 'M12 2v3', 'M12 19v3', 'M2 12h3', 'M19 12h3', 'M4.9 4.9l2.1 2.1', 'M17 17l2.1 2.1', 'M4.9 19.1L7 17', 'M17 7l2.1-2.1'],
  'hang-up': ['M3 14c5-5 13-5 18 0l-2.5 2.5-3.5-2v-2.5c-2-1-4-1-6 0V14.5l-3.5 2z'],
} as const satisfies Record<string, readonly string[]>;

/** An icon's name. */
export type IconName = keyof typeof ICONS;

@Component({
  selector: 'tc-icon',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { 'aria-hidden': 'true', class: 'icon' },
  template: `
    <svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" focusable="false">
      @for (d of paths(); track $index) {
        <path [attr.d]="d" />
      }
    </svg>
  `,
  styles: `
    :host { display: inline-flex; line-height: 0; }
    svg { width: 1.5rem; height: 1.5rem; }
  `,
})
export class Icon {
  readonly name = input.required<IconName>();
  protected readonly paths = computed(() => ICONS[this.name()]);
}
