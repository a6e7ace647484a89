import { ChangeDetectionStrategy, Component, DOCUMENT, DestroyRef, ElementRef, afterRenderEffect, computed, effect, inject, input, signal, untracked, viewChild } from '@angular/core';
import type { TranslationKey } from '../../i18n/i18n';
import { TranslatePipe } from '../../i18n/i18n';
import { NO_RECT, sameRect, toFraction, watchSurface } from '../pointer/surface-rect';
import type { Rect } from '../pointer/surface-rect';
import { DrawingSession } from './drawing-session';
import type { SurfaceFraction } from './drawing-session';
import { DRAWING_FONT, paintOperation, renderDrawing } from './drawing-state';

/** A tool of the board. */
export type DrawingTool = 'pen' | 'eraser' | 'text';
/** A width choice; it sets the line's width and the text's size. */
export type DrawingWidth = 'thin' | 'medium' | 'thick';

const TOOLS: readonly { id: DrawingTool; key: TranslationKey }[] = [
  { id: 'pen', key: 'draw.pen' }, { id: 'eraser', key: 'draw.eraser' }, { id: 'text', key: 'draw.text' },
];
/** The swatches: dark and bright ones, so a colour shows on the white page and on a video alike. */
export const DRAWING_COLORS: readonly { value: string; key: TranslationKey }[] = [
  { value: '#e53935', key: 'draw.color.red' }, { value: '#1e63d6', key: 'draw.color.blue' }, { value: '#2e7d32', key: 'draw.color.green' },
  { value: '#fbc02d', key: 'draw.color.yellow' }, { value: '#111111', key: 'draw.color.black' }, { value: '#ffffff', key: 'draw.color.white' },
];
/** Line widths and text sizes, in thousandths of the surface's width; the eraser is four times as wide as the line. */
const WIDTHS: readonly { id: DrawingWidth; key: TranslationKey; line: number; text: number }[] = [
  { id: 'thin', key: 'draw.width.thin', line: 3, text: 25 }, { id: 'medium', key: 'draw.width.medium', line: 6, text: 40 },
  { id: 'thick', key: 'draw.width.thick', line: 12, text: 70 },
];

/**
 * The shared drawing layer ("Dessiner") of the page's {@link DrawingSession}: a canvas over
 * the surface and, when `editable`, a tool bar (Crayon, Gomme, Texte, colours, widths,
 * "Effacer tout", close). Mouse, pen and touch draw alike (Pointer Events).
 *
 * The page places the host exactly over the surface (e.g. `position: absolute; inset: 0` in
 * the positioned box of the blank page or of the shared video); with a `video`, the host
 * covers the video's box and the canvas keeps to its picture (`object-fit: contain`).
 * On the blank surface the host is white.
 */
@Component({
  selector: 'tc-drawing-board',
  imports: [TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '[class.blank]': 'session.surface() === "blank"', '[class.editable]': 'editable()' },
  template: `
    <canvas #canvas class="board-canvas" data-testid="drawing-canvas" role="img" [attr.aria-label]="'draw.board' | t"
      [class]="'tool-' + tool()" [style.left.px]="rect().left" [style.top.px]="rect().top" [style.width.px]="rect().width" [style.height.px]="rect().height"
      (pointerdown)="startDrawing($event)" (pointermove)="continueDrawing($event)" (pointerup)="finishDrawing($event)" (pointercancel)="finishDrawing($event)"></canvas>
    @if (textAt(); as at) {
      <input #textInput class="board-text" type="text" maxlength="500" enterkeyhint="done" [attr.aria-label]="'draw.textInput' | t"
        [style.left.px]="rect().left + at[0] * rect().width" [style.top.px]="rect().top + at[1] * rect().height"
        [style.font-size.px]="textSizePx()" [style.color]="color()" [style.font-family]="font"
        (keydown.enter)="commitText()" (keydown.escape)="cancelText()" (blur)="commitText()" />
    }
    @if (editable()) {
      <div class="board-tools" role="group" [attr.aria-label]="'draw.tools' | t">
        @for (t of tools; track t.id) {
          <button type="button" [attr.aria-pressed]="tool() === t.id" (click)="chooseTool(t.id)">{{ t.key | t }}</button>
        }
        <span class="board-set" role="group" [attr.aria-label]="'draw.colors' | t">
          @for (c of colors; track c.value) {
            <button type="button" class="swatch" [attr.aria-label]="c.key | t" [attr.title]="c.key | t" [attr.aria-pressed]="color() === c.value"
              (click)="color.set(c.value)"><span [style.background]="c.value"></span></button>
          }
        </span>
        <span class="board-set" role="group" [attr.aria-label]="'draw.widths' | t">
          @for (w of widths; track w.id) {
            <button type="button" class="width" [attr.aria-label]="w.key | t" [attr.title]="w.key | t" [attr.aria-pressed]="width() === w.id"
              (click)="width.set(w.id)"><span [style.height.px]="w.line / 2 + 1"></span></button>
          }
        </span>
        <button type="button" (click)="clearAll()">{{ 'draw.clear' | t }}</button>
        <button type="button" (click)="closeBoard()">{{ 'draw.close' | t }}</button>
      </div>
    }
    @if (session.full()) {
      <p class="board-full" role="status">{{ 'draw.full' | t }}</p>
    }
  `,
  styles: `
    :host { display: block; position: relative; overflow: hidden; }
    :host(.blank) { background: #fff; }
    .board-canvas { position: absolute; display: block; touch-action: none; pointer-events: none; }
    :host(.editable) .board-canvas { pointer-events: auto; cursor: crosshair; }
    :host(.editable) .tool-text { cursor: text; }
    .board-text { position: absolute; min-width: 8rem; padding: 0; margin: 0; line-height: 1; border: 1px dashed currentColor; background: rgb(255 255 255 / 0.7); }
    .board-tools { position: absolute; top: var(--space-2); left: var(--space-2); right: var(--space-2); display: flex; flex-wrap: wrap; gap: var(--space-1); width: fit-content; padding: var(--space-1); border-radius: var(--radius); background: rgb(255 255 255 / 0.9); color: #1c2430; }
    .board-tools button { padding: 0 var(--space-2); background: #fff; color: #1c2430; border-color: #c9d0da; }
    .board-tools button[aria-pressed='true'] { background: #1f5fa8; color: #fff; border-color: #1f5fa8; }
    .board-set { display: contents; }
    .swatch span { display: block; width: 1.25rem; height: 1.25rem; margin: auto; border-radius: 50%; border: 1px solid #4f5b6b; }
    .width span { display: block; width: 1.25rem; margin: auto; border-radius: 2px; background: currentColor; }
    .board-full { position: absolute; bottom: var(--space-2); left: var(--space-2); margin: 0; padding: var(--space-2); border-radius: var(--radius); background: #fff; color: #b3261e; }
    @media (pointer: fine) { .board-tools button { min-width: 2rem; min-height: 2rem; } }
  `,
})
export class DrawingBoard {
  /** False on a page that only shows the drawing: no tool bar, and the canvas lets the pointer through. */
  readonly editable = input(true);
  /** The video showing the surface, when the board lies over one: the canvas keeps to its picture. */
  readonly video = input<HTMLVideoElement | null>(null);

  protected readonly session = inject(DrawingSession);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
  private readonly document = inject(DOCUMENT);
  private readonly canvas = viewChild.required<ElementRef<HTMLCanvasElement>>('canvas');
  private readonly textInput = viewChild<ElementRef<HTMLInputElement>>('textInput');
  /** The painted drawing without the draft, so that a pointer move repaints the draft only. */
  private readonly cache = this.document.createElement('canvas');
  private painted = { generation: -1, count: 0 };
  private activePointer: number | null = null;

  protected readonly tools = TOOLS;
  protected readonly colors = DRAWING_COLORS;
  protected readonly widths = WIDTHS;
  protected readonly font = DRAWING_FONT;
  /** The chosen tool. */
  readonly tool = signal<DrawingTool>('pen');
  /** The chosen colour. */
  readonly color = signal(DRAWING_COLORS[0]!.value);
  /** The chosen width. */
  readonly width = signal<DrawingWidth>('medium');
  /** Where the canvas is in the host, in CSS pixels. */
  protected readonly rect = signal<Rect>(NO_RECT, { equal: sameRect });
  private readonly pixelRatio = signal(1);
  /** Where the text being typed goes (fractions), while the text input is open. */
  protected readonly textAt = signal<SurfaceFraction | null>(null);
  private readonly widthChoice = computed(() => WIDTHS.find((w) => w.id === this.width()) ?? WIDTHS[1]!);
  protected readonly textSizePx = computed(() => (this.widthChoice().text / 1000) * this.rect().width);

  constructor() {
    effect((onCleanup) => {
      const view = this.document.defaultView;
      onCleanup(watchSurface(this.host, this.video(), (rect) => {
        this.rect.set(rect);
        this.pixelRatio.set(view?.devicePixelRatio ?? 1);
      }));
    });
    effect(() => {
      if (!this.editable()) untracked(() => this.stopDrawing());
    });
    afterRenderEffect(() => this.paint());
    afterRenderEffect(() => this.textInput()?.nativeElement.focus());
    inject(DestroyRef).onDestroy(() => this.stopDrawing());
  }

  /** Chooses a tool (a text being typed is kept). */
  chooseTool(tool: DrawingTool): void {
    this.tool.set(tool);
  }

  /** Pointer down: starts a stroke, or places the text input with the Texte tool. */
  protected startDrawing(event: PointerEvent): void {
    if (!this.editable() || this.activePointer !== null || (event.pointerType === 'mouse' && event.button !== 0)) return;
    // No text selection, no mouse compatibility events (which would move the focus away from the text input).
    event.preventDefault();
    const point = this.pointOf(event);
    if (this.tool() === 'text') {
      this.commitText();
      this.textAt.set(point);
      return;
    }
    this.activePointer = event.pointerId;
    try {
      // Keeps the stroke when the finger or mouse leaves the canvas (https://developer.mozilla.org/docs/Web/API/Element/setPointerCapture).
      this.canvas().nativeElement.setPointerCapture(event.pointerId);
    } catch {
      // A pointer the browser no longer knows (or a synthetic one): draw without capture.
    }
    const choice = this.widthChoice();
    this.session.startStroke({ tool: this.tool() === 'eraser' ? 'eraser' : 'pen', color: this.color(), width: this.tool() === 'eraser' ? choice.line * 4 : choice.line }, point);
  }

  /** Pointer move: extends the stroke, with the moves the browser coalesced since the last event. */
  protected continueDrawing(event: PointerEvent): void {
    if (event.pointerId !== this.activePointer) return;
    const coalesced = typeof event.getCoalescedEvents === 'function' ? event.getCoalescedEvents() : [];
    this.session.extendStroke(...(coalesced.length > 0 ? coalesced : [event]).map((e) => this.pointOf(e)));
  }

  /** Pointer up or cancelled: ends the stroke. */
  protected finishDrawing(event: PointerEvent): void {
    if (event.pointerId !== this.activePointer) return;
    this.stopDrawing();
  }

  /** Writes the typed text on the drawing (Enter, or leaving the input). */
  protected commitText(): void {
    const at = this.textAt();
    const value = this.textInput()?.nativeElement.value ?? '';
    if (!at) return;
    this.textAt.set(null);
    this.session.addText({ color: this.color(), size: this.widthChoice().text }, at, value);
  }

  /** Escape: drops the text being typed. */
  protected cancelText(): void {
    this.textAt.set(null);
  }

  /** "Effacer tout". */
  protected clearAll(): void {
    this.textAt.set(null);
    this.session.clear();
  }

  /** Closes the drawing layer on both sides. */
  protected closeBoard(): void {
    this.textAt.set(null);
    this.stopDrawing();
    this.session.close();
  }

  private stopDrawing(): void {
    if (this.activePointer === null) return;
    this.activePointer = null;
    this.session.endStroke();
  }

  private pointOf(event: PointerEvent): SurfaceFraction {
    const box = this.canvas().nativeElement.getBoundingClientRect();
    const { x, y } = toFraction(box, event.clientX, event.clientY);
    return [x, y];
  }

  /** Paints new operations on the cache (everything again after a clear, a snapshot or a resize), then the cache and the draft on screen. */
  private paint(): void {
    this.session.version();
    const rect = this.rect();
    const ratio = this.pixelRatio();
    const width = Math.round(rect.width * ratio);
    const height = Math.round(rect.height * ratio);
    const canvas = this.canvas().nativeElement;
    const ctx = canvas.getContext('2d');
    const cacheCtx = this.cache.getContext('2d');
    if (!ctx || !cacheCtx || width === 0 || height === 0) return;
    const drawing = this.session.drawing;
    const operations = drawing.operations;
    const sizeChanged = canvas.width !== width || canvas.height !== height;
    if (sizeChanged) {
      canvas.width = this.cache.width = width;
      canvas.height = this.cache.height = height;
    }
    if (sizeChanged || this.painted.generation !== drawing.generation || this.painted.count > operations.length) {
      renderDrawing(cacheCtx, width, height, operations);
    } else {
      for (const op of operations.slice(this.painted.count)) paintOperation(cacheCtx, width, height, op);
    }
    this.painted = { generation: drawing.generation, count: operations.length };
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(this.cache, 0, 0);
    if (drawing.draft) paintOperation(ctx, width, height, drawing.draft);
  }
}
