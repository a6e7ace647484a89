import { DestroyRef, Injectable, InjectionToken, inject, signal } from '@angular/core';
import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { ClientMessage, Role, ServerMessage } from '#protocol/live';
import type { LiveChannel } from '../../../../meet/drivers/ports';

/** The part of the browser's `WebSocket` the client uses (a fake one in specs). */
export interface LiveWebSocket {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a WebSocket to a URL; the browser's `WebSocket` by default. */
export const LIVE_WEB_SOCKET = new InjectionToken<(url: string) => LiveWebSocket>('LIVE_WEB_SOCKET', {
  providedIn: 'root',
  factory: () => (url: string) => new WebSocket(url),
});

/** Where the connection stands. `ended`: the server closed it for good (see `endReason`). */
export type LiveSocketStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'ended';

/** Why the server ended the connection (CLOSE_CODES of protocol/live.ts). */
export type LiveEndReason = 'unauthorized' | 'gone' | 'replaced' | 'policy';

const OPEN = 1;
// CLOSE_CODES of protocol/live.ts, copied (a value import would bring typebox into the pages; live-socket.spec checks the copy): closes after which reconnecting cannot help.
const FINAL_CLOSES: Readonly<Record<number, LiveEndReason>> = { 4401: 'unauthorized', 4410: 'gone', 4409: 'replaced', 1008: 'policy' };
/** Every server message type, by the compiler's count: a type added to the protocol and not here does not compile. */
const SERVER_TYPE_SET: Readonly<Record<ServerMessage['type'], true>> = {
  state: true, presence: true, admitted: true, denied: true, signal: true, chat: true, pointer: true, draw: true, drawing: true,
  document: true, camera: true, 'camera-state': true, recording: true, status: true, payment: true, pong: true, error: true,
  waiting: true, teleconsultation: true,
};
const SERVER_TYPES = new Set<string>(Object.keys(SERVER_TYPE_SET));

/** Reconnection delays: 0.5 s doubling up to 10 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** attempt);
}

/** The live URL of a participant, on the page's own host (`wss:` under HTTPS). */
export function liveUrl(location: Pick<Location, 'protocol' | 'host'>, teleconsultationId: string, role: Role): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/live/${encodeURIComponent(teleconsultationId)}/${role}`;
}

/** A server message parsed from a frame, or null when it is not one (checked at the boundary). */
export function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const value: unknown = JSON.parse(data);
    if (typeof value !== 'object' || value === null || !('type' in value) || typeof value.type !== 'string' || !SERVER_TYPES.has(value.type)) return null;
    return value as ServerMessage;
  } catch {
    return null;
  }
}

/**
 * The live socket of one page: typed by the live protocol, reconnecting with backoff until the
 * server ends the session. The server sends `state` on every (re)connection, so a page that
 * listens to `messages$` always catches up after a drop. Messages sent while disconnected are
 * dropped, not queued: signalling and presence are re-established by the server's `state`.
 * Provided by each live page (one connection per page), closed with it.
 */
@Injectable()
export class LiveSocket implements LiveChannel {
  private readonly open = inject(LIVE_WEB_SOCKET);
  private readonly subject = new Subject<ServerMessage>();
  private socket: LiveWebSocket | null = null;
  private url = '';
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly statusSignal = signal<LiveSocketStatus>('idle');
  private readonly endSignal = signal<LiveEndReason | null>(null);

  /** Every valid server message. */
  readonly messages$: Observable<ServerMessage> = this.subject.asObservable();
  readonly status = this.statusSignal.asReadonly();
  readonly endReason = this.endSignal.asReadonly();

  constructor() {
    inject(DestroyRef).onDestroy(() => this.close());
  }

  /** Connects to `url` (closing any previous connection). */
  connect(url: string): void {
    this.close();
    this.url = url;
    this.attempt = 0;
    this.endSignal.set(null);
    this.dial('connecting');
  }

  /** Sends a message when connected; returns whether it was sent. */
  send(message: ClientMessage): boolean {
    if (this.socket?.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** `LiveChannel` for the conference drivers. */
  onMessage(handler: (message: ServerMessage) => void): () => void {
    const subscription = this.messages$.subscribe(handler);
    return () => subscription.unsubscribe();
  }

  /** Closes for good (no reconnection). */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000);
    }
    if (this.statusSignal() !== 'ended') this.statusSignal.set('idle');
  }

  private dial(status: LiveSocketStatus): void {
    this.statusSignal.set(status);
    const socket = this.open(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.statusSignal.set('open');
    };
    socket.onmessage = (event) => {
      const message = parseServerMessage(event.data);
      if (message) this.subject.next(message);
    };
    socket.onerror = () => undefined; // a close event follows
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const final = FINAL_CLOSES[event.code];
      if (final) {
        this.endSignal.set(final);
        this.statusSignal.set('ended');
        return;
      }
      this.statusSignal.set('reconnecting');
      this.timer = setTimeout(() => {
        this.timer = null;
        this.dial('reconnecting');
      }, reconnectDelay(this.attempt++));
    };
  }
}
