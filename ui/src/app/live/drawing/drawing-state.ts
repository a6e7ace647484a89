/**
 * The shared drawing as both pages keep it, without Angular: the surface the layer is on,
 * the strokes and texts in arrival order (each side's own operations as it makes them, the
 * other side's as they arrive), the local stroke piece still being drawn, and how to paint
 * it all on a canvas of any pixel size.
 */
import type { DrawOperation, DrawingSurface, DrawnOperation, Role } from '#protocol/live';

/** A stroke, or one piece of it (pieces share their stroke's id). */
export type StrokeOperation = Extract<DrawOperation, { action: 'stroke' }>;
/** A line of text. */
export type TextOperation = Extract<DrawOperation, { action: 'text' }>;

/**
 * MAX_STROKE_POINTS of protocol/live.ts, copied: a value import would bring typebox into
 * the pages (drawing-state.spec checks the copy).
 */
export const MAX_PIECE_POINTS = 500;

/** The font of drawn texts, on the canvas and in the text input alike. */
export const DRAWING_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/** What a reader of the drawing sees (the page's board); only {@link DrawingState} changes it. */
export interface DrawingView {
  /** Where the drawing layer is: `off` when closed. */
  readonly surface: DrawingSurface;
  /** Strokes and texts in the order they arrived. */
  readonly operations: readonly DrawnOperation[];
  /** The local stroke piece not sent yet, painted over everything (null when not drawing). */
  readonly draft: StrokeOperation | null;
  /**
   * Bumped whenever operations were removed or replaced (clear, snapshot) rather than
   * appended, so that a painter knows to start again instead of painting the new ones only.
   */
  readonly generation: number;
}

/** The model of the shared drawing. Order is arrival order; "effacer tout" empties it. */
export class DrawingState implements DrawingView {
  private surfaceValue: DrawingSurface = 'off';
  private list: DrawnOperation[] = [];
  private generationValue = 0;
  /** The local stroke piece not sent yet (see {@link DrawingView.draft}). */
  draft: StrokeOperation | null = null;

  get surface(): DrawingSurface {
    return this.surfaceValue;
  }
  get operations(): readonly DrawnOperation[] {
    return this.list;
  }
  get generation(): number {
    return this.generationValue;
  }

  /** Applies one operation made by `from` (this page's own, or relayed from the other side). */
  apply(op: DrawOperation, from: Role): void {
    switch (op.action) {
      case 'board':
        this.surfaceValue = op.surface;
        return;
      case 'clear':
        this.list = [];
        this.generationValue++;
        return;
      default:
        this.list.push({ ...op, from });
    }
  }

  /** Replaces everything (but the local draft) by the server's snapshot (after a reload or a reconnection). */
  load(surface: DrawingSurface, operations: readonly DrawnOperation[]): void {
    this.surfaceValue = surface;
    this.list = [...operations];
    this.generationValue++;
  }
}

/**
 * Paints `operations` on `ctx` after clearing it: the whole drawing, scaled to a canvas of
 * `widthPx` × `heightPx` device pixels (positions are fractions of the surface, widths and
 * sizes thousandths of its width).
 */
export function renderDrawing(ctx: CanvasRenderingContext2D, widthPx: number, heightPx: number, operations: readonly DrawOperation[]): void {
  ctx.clearRect(0, 0, widthPx, heightPx);
  for (const op of operations) paintOperation(ctx, widthPx, heightPx, op);
}

/**
 * Paints one stroke or text on top of what `ctx` already holds. An eraser stroke removes
 * what is under it (`destination-out`), leaving the canvas transparent there, so the blank
 * page or the shared video shows through again.
 */
export function paintOperation(ctx: CanvasRenderingContext2D, widthPx: number, heightPx: number, op: DrawOperation): void {
  if (op.action !== 'stroke' && op.action !== 'text') return;
  ctx.save();
  if (op.action === 'stroke') paintStroke(ctx, widthPx, heightPx, op);
  else paintText(ctx, widthPx, heightPx, op);
  ctx.restore();
}

function paintStroke(ctx: CanvasRenderingContext2D, widthPx: number, heightPx: number, op: StrokeOperation): void {
  const lineWidth = Math.max(1, (op.width / 1000) * widthPx);
  ctx.globalCompositeOperation = op.tool === 'eraser' ? 'destination-out' : 'source-over';
  ctx.strokeStyle = op.color;
  ctx.fillStyle = op.color;
  const [first, ...rest] = op.points;
  if (!first) return;
  if (rest.length === 0) {
    // A tap: a dot as wide as the line.
    ctx.beginPath();
    ctx.arc(first[0] * widthPx, first[1] * heightPx, lineWidth / 2, 0, Math.PI * 2);
    ctx.fill();
    return;
  }
  ctx.lineWidth = lineWidth;
  // Round caps and joins make the pieces of a long stroke meet without a seam.
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(first[0] * widthPx, first[1] * heightPx);
  for (const [x, y] of rest) ctx.lineTo(x * widthPx, y * heightPx);
  ctx.stroke();
}

function paintText(ctx: CanvasRenderingContext2D, widthPx: number, heightPx: number, op: TextOperation): void {
  ctx.globalCompositeOperation = 'source-over';
  ctx.fillStyle = op.color;
  ctx.font = `${(op.size / 1000) * widthPx}px ${DRAWING_FONT}`;
  ctx.textBaseline = 'top';
  ctx.fillText(op.text, op.x * widthPx, op.y * heightPx);
}
