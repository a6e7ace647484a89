import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import type { DrawOperation, DrawingSurface, Role, ServerMessage } from '#protocol/live';
import { ConsultationClient } from '../consultation-client';
import { Throttle } from '../pointer/throttle';
import { DrawingState, MAX_PIECE_POINTS } from './drawing-state';
import type { DrawingView, StrokeOperation } from './drawing-state';

/** How a stroke is drawn: the tool, its colour (`#rrggbb`) and width in thousandths of the surface's width (1..100). */
export interface StrokeStyle {
  readonly tool: StrokeOperation['tool'];
  readonly color: string;
  readonly width: number;
}

/** How a text is written: its colour and size in thousandths of the surface's width (10..200). */
export interface TextStyle {
  readonly color: string;
  readonly size: number;
}

/** A point of the surface as fractions (0..1) of its width and height. */
export type SurfaceFraction = readonly [x: number, y: number];

/** How often a stroke in progress is sent: one piece per 50 ms at most (20 messages a second). */
export const PIECE_INTERVAL_MS = 50;
const MAX_TEXT = 500;

/**
 * The shared drawing of a page ("Dessiner"): follows the server's `drawing` snapshot and the
 * other side's `draw` operations, and applies this page's own at once while sending them.
 * A stroke in progress is sent in pieces, at most one per {@link PIECE_INTERVAL_MS}; each
 * piece starts at the previous one's last point, as the protocol wants. Provided by a page
 * next to its `ConsultationClient` (`providers: [LiveSocket, ConsultationClient, DrawingSession]`).
 *
 * Operations made while the socket is down are shown here but not sent (the socket drops
 * them); the snapshot that follows the reconnection's `state` then restores what the server has.
 */
@Injectable()
export class DrawingSession {
  private readonly client = inject(ConsultationClient);
  private readonly state = new DrawingState();
  private readonly versionSignal = signal(0);
  private readonly surfaceSignal = signal<DrawingSurface>('off');
  private readonly fullSignal = signal(false);
  private readonly pieces = new Throttle(PIECE_INTERVAL_MS, () => this.sendPiece());
  /** True when the draft holds a point not sent yet. */
  private draftUnsent = false;

  /** Where the drawing layer is (`off`: closed); the page shows the board when it is not `off`. */
  readonly surface = this.surfaceSignal.asReadonly();
  /** Bumped on every change of the drawing (read it to repaint). */
  readonly version = this.versionSignal.asReadonly();
  /** The server refused an operation: the drawing is full until "effacer tout". */
  readonly full = this.fullSignal.asReadonly();

  constructor() {
    const subscription = this.client.socket.messages$.subscribe((message) => this.receive(message));
    inject(DestroyRef).onDestroy(() => {
      subscription.unsubscribe();
      this.pieces.cancel();
    });
  }

  /** The drawing as it stands (read {@link version} to be told of changes). */
  get drawing(): DrawingView {
    return this.state;
  }

  /** Opens the drawing layer on a blank page or over what is shared, on both sides. */
  open(surface: Exclude<DrawingSurface, 'off'>): void {
    this.applyAndSend({ action: 'board', surface });
  }

  /** Closes the drawing layer on both sides (the drawing is kept). */
  close(): void {
    this.endStroke();
    this.applyAndSend({ action: 'board', surface: 'off' });
  }

  /** "Effacer tout": empties the drawing on both sides. */
  clear(): void {
    this.applyAndSend({ action: 'clear' });
    this.fullSignal.set(false);
  }

  /** Starts a stroke at `point` (ending any stroke in progress). */
  startStroke(style: StrokeStyle, point: SurfaceFraction): void {
    this.endStroke();
    this.state.draft = {
      action: 'stroke', id: operationId(), tool: style.tool, color: style.color,
      width: Math.min(100, Math.max(1, style.width)), points: [fraction(point)],
    };
    this.draftUnsent = true;
    this.changed();
  }

  /** Adds points to the stroke in progress; its next piece is sent within {@link PIECE_INTERVAL_MS}. */
  extendStroke(...points: SurfaceFraction[]): void {
    if (!this.state.draft) return;
    for (const point of points) {
      // Read again for each point: sending a full piece starts a new draft.
      const draft = this.state.draft;
      const next = fraction(point);
      const last = draft.points[draft.points.length - 1];
      if (last && last[0] === next[0] && last[1] === next[1]) continue;
      draft.points.push(next);
      this.draftUnsent = true;
      if (draft.points.length >= MAX_PIECE_POINTS) this.pieces.runNow();
    }
    if (this.draftUnsent) this.pieces.request();
    this.changed();
  }

  /** Ends the stroke in progress, sending its last piece (a tap is a one-point stroke: a dot). */
  endStroke(): void {
    if (!this.state.draft) return;
    this.pieces.cancel();
    this.sendPiece();
    this.state.draft = null;
    this.changed();
  }

  /** Writes `text` with its top-left corner at `point`; blank text is ignored. */
  addText(style: TextStyle, point: SurfaceFraction, text: string): void {
    const line = text.trim().slice(0, MAX_TEXT);
    if (!line) return;
    const [x, y] = fraction(point);
    this.applyAndSend({ action: 'text', id: operationId(), color: style.color, size: Math.min(200, Math.max(10, style.size)), x, y, text: line });
  }

  /** Sends the draft's points since the last piece, as a piece of its own, and keeps drawing from its last point. */
  private sendPiece(): void {
    const draft = this.state.draft;
    if (!draft || !this.draftUnsent) return;
    const piece: StrokeOperation = { ...draft, points: [...draft.points] };
    this.applyAndSend(piece);
    this.state.draft = { ...draft, points: [draft.points[draft.points.length - 1]!] };
    this.draftUnsent = false;
  }

  private applyAndSend(op: DrawOperation): void {
    this.state.apply(op, this.role());
    this.client.send({ type: 'draw', op });
    this.changed();
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'state':
        // Every (re)connection starts with `state`; the server sends a `drawing` after it only when there is one.
        this.state.load('off', []);
        break;
      case 'drawing':
        this.state.load(message.surface, message.operations);
        break;
      case 'draw':
        this.state.apply(message.op, message.from);
        if (message.op.action === 'clear') this.fullSignal.set(false);
        break;
      case 'error':
        if (message.code !== 'DRAWING_FULL') return;
        this.fullSignal.set(true);
        return;
      default:
        return;
    }
    this.changed();
  }

  private changed(): void {
    this.surfaceSignal.set(this.state.surface);
    this.versionSignal.update((v) => v + 1);
  }

  private role(): Role {
    return this.client.summary()?.you.role ?? 'patient';
  }
}

/** A point rounded to 1/10 000 (a fifth of a pixel on a 2000 px surface) and kept within 0..1, as the protocol wants. */
function fraction([x, y]: SurfaceFraction): [number, number] {
  const round = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 10_000) / 10_000;
  return [round(x), round(y)];
}

/** A random operation id (letters, digits, `_`, `-`, as the protocol wants). `getRandomValues` works outside secure contexts too. */
function operationId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('');
}
