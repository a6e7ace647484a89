import { MAX_STROKE_POINTS } from '#protocol/live';
import type { DrawOperation, DrawnOperation } from '#protocol/live';
import { DrawingState, MAX_PIECE_POINTS, paintOperation, renderDrawing } from './drawing-state';
import type { StrokeOperation } from './drawing-state';
import { paintedPixels, pixelAt } from './testing';

const RED: [number, number, number, number] = [229, 57, 53, 255];
const CLEAR: [number, number, number, number] = [0, 0, 0, 0];

function stroke(points: [number, number][], overrides: Partial<StrokeOperation> = {}): StrokeOperation {
  return { action: 'stroke', id: 's1', tool: 'pen', color: '#e53935', width: 50, points, ...overrides };
}

function canvasOf(width: number, height: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

describe('DrawingState', () => {
  it('keeps the copy of MAX_STROKE_POINTS', () => {
    expect(MAX_PIECE_POINTS).toBe(MAX_STROKE_POINTS);
  });

  it('keeps strokes and texts in arrival order with who made them, and moves the board', () => {
    const state = new DrawingState();
    expect(state.surface).toBe('off');
    state.apply({ action: 'board', surface: 'blank' }, 'practitioner');
    state.apply(stroke([[0, 0], [1, 1]]), 'practitioner');
    state.apply({ action: 'text', id: 't1', color: '#111111', size: 40, x: 0.1, y: 0.2, text: 'Ici' }, 'patient');
    state.apply(stroke([[1, 1], [0.5, 0.5]], { id: 's1' }), 'practitioner');
    expect(state.surface).toBe('blank');
    expect(state.operations.map((op) => [op.action, op.from])).toEqual([['stroke', 'practitioner'], ['text', 'patient'], ['stroke', 'practitioner']]);
    state.apply({ action: 'board', surface: 'off' }, 'patient');
    expect(state.surface).toBe('off');
    expect(state.operations.length).toBe(3);
  });

  it('empties on clear and replaces everything with a snapshot, each time in a new generation', () => {
    const state = new DrawingState();
    state.apply(stroke([[0, 0]]), 'patient');
    const first = state.generation;
    state.apply({ action: 'clear' }, 'practitioner');
    expect(state.operations).toEqual([]);
    expect(state.generation).toBe(first + 1);
    const snapshot: DrawnOperation[] = [{ ...stroke([[0.2, 0.2]]), from: 'patient' }];
    state.load('shared', snapshot);
    expect(state.surface).toBe('shared');
    expect(state.operations).toEqual(snapshot);
    expect(state.operations).not.toBe(snapshot);
    expect(state.generation).toBe(first + 2);
  });
});

describe('renderDrawing', () => {
  it('paints a pen stroke at its fractions, as wide as its thousandths of the width', () => {
    const canvas = canvasOf(200, 100);
    const ctx = canvas.getContext('2d')!;
    // 50 thousandths of 200 px: 10 px wide, along y = 50.
    renderDrawing(ctx, 200, 100, [stroke([[0.1, 0.5], [0.9, 0.5]])]);
    expect(pixelAt(canvas, 100, 50)).toEqual(RED);
    expect(pixelAt(canvas, 100, 47)).toEqual(RED);
    expect(pixelAt(canvas, 100, 40)).toEqual(CLEAR);
    expect(pixelAt(canvas, 5, 50)).toEqual(CLEAR);
  });

  it('paints the same drawing at any pixel size', () => {
    const small = canvasOf(200, 100);
    const large = canvasOf(800, 400);
    const ops: DrawOperation[] = [stroke([[0.1, 0.5], [0.9, 0.5]])];
    renderDrawing(small.getContext('2d')!, 200, 100, ops);
    renderDrawing(large.getContext('2d')!, 800, 400, ops);
    expect(pixelAt(large, 400, 200)).toEqual(RED);
    // 40 px wide on 800: 12 px off the line is still on it, 30 px off is not.
    expect(pixelAt(large, 400, 212)).toEqual(RED);
    expect(pixelAt(large, 400, 230)).toEqual(CLEAR);
    expect(paintedPixels(large) / paintedPixels(small)).toBeCloseTo(16, 0);
  });

  it('erases what is under an eraser stroke (destination-out), in arrival order', () => {
    const canvas = canvasOf(200, 100);
    const ctx = canvas.getContext('2d')!;
    const pen = stroke([[0.1, 0.5], [0.9, 0.5]]);
    const eraser = stroke([[0.5, 0], [0.5, 1]], { id: 'e1', tool: 'eraser', color: '#000000', width: 100 });
    renderDrawing(ctx, 200, 100, [pen, eraser]);
    expect(pixelAt(canvas, 100, 50)).toEqual(CLEAR);
    expect(pixelAt(canvas, 40, 50)).toEqual(RED);
    // A pen stroke after the eraser is painted again.
    renderDrawing(ctx, 200, 100, [pen, eraser, stroke([[0.5, 0.5], [0.5, 0.6]], { id: 's2', color: '#1e63d6' })]);
    expect(pixelAt(canvas, 100, 50)).toEqual([30, 99, 214, 255]);
  });

  it('paints a one-point stroke as a dot, and joins the pieces of a stroke', () => {
    const canvas = canvasOf(200, 100);
    const ctx = canvas.getContext('2d')!;
    renderDrawing(ctx, 200, 100, [stroke([[0.25, 0.5]])]);
    expect(pixelAt(canvas, 50, 50)).toEqual(RED);
    expect(pixelAt(canvas, 50, 53)).toEqual(RED);
    expect(pixelAt(canvas, 50, 60)).toEqual(CLEAR);
    renderDrawing(ctx, 200, 100, [stroke([[0.1, 0.5], [0.5, 0.5]]), stroke([[0.5, 0.5], [0.5, 0.9]])]);
    expect(pixelAt(canvas, 100, 50)).toEqual(RED);
    expect(pixelAt(canvas, 100, 85)).toEqual(RED);
    expect(pixelAt(canvas, 60, 85)).toEqual(CLEAR);
  });

  it('writes a text from its top-left corner at its size, and clears before painting', () => {
    const canvas = canvasOf(400, 200);
    const ctx = canvas.getContext('2d')!;
    renderDrawing(ctx, 400, 200, [stroke([[0, 0.9], [1, 0.9]])]);
    // 100 thousandths of 400 px: 40 px letters from (40, 40).
    renderDrawing(ctx, 400, 200, [{ action: 'text', id: 't1', color: '#111111', size: 100, x: 0.1, y: 0.2, text: 'MMMM' }]);
    expect(pixelAt(canvas, 200, 180)).toEqual(CLEAR);
    const inText = ctx.getImageData(40, 40, 120, 40).data;
    let dark = 0;
    for (let i = 3; i < inText.length; i += 4) if (inText[i]! > 200) dark++;
    expect(dark).toBeGreaterThan(500);
    expect(ctx.getImageData(0, 0, 400, 38).data.some((v, i) => i % 4 === 3 && v > 0)).toBeFalse();
    expect(ctx.getImageData(0, 0, 38, 200).data.some((v, i) => i % 4 === 3 && v > 0)).toBeFalse();
  });

  it('paintOperation adds one operation on top and ignores board and clear', () => {
    const canvas = canvasOf(200, 100);
    const ctx = canvas.getContext('2d')!;
    paintOperation(ctx, 200, 100, stroke([[0.1, 0.5], [0.9, 0.5]]));
    paintOperation(ctx, 200, 100, { action: 'clear' });
    paintOperation(ctx, 200, 100, { action: 'board', surface: 'off' });
    expect(pixelAt(canvas, 100, 50)).toEqual(RED);
  });
});
