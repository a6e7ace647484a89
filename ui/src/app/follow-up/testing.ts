import type { FollowUpItem } from '#protocol/follow-up';
import type { EventStream } from './follow-up-api';

/** A follow-up list item as the server sends it, for specs. */
export function itemOf(overrides: Partial<FollowUpItem> = {}): FollowUpItem {
  return {
    id: 'tc_1', startsAt: '2026-06-15T08:30:00.000Z', timezone: 'Europe/Paris', durationMinutes: 20, status: 'scheduled', actualDurationSeconds: null,
    patientName: 'Camille M.', reasonLabel: 'Téléconsultation de suivi', purged: false, payment: null, documents: 0, messages: 0,
    joinUrl: '/api/follow-up/consultations/tc_1/join', ...overrides,
  };
}

/** An `EventSource` stand-in: the spec emits events and failures by hand. */
export class FakeEventStream implements EventStream {
  readyState = 1;
  closed = false;
  onerror: ((event: Event) => void) | null = null;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  /** Delivers one event of this type. */
  emit(type: string, data: string): void {
    for (const listener of this.listeners.get(type) ?? []) listener(new MessageEvent(type, { data }));
  }

  /** An error, the stream left in this state (0: reconnecting, 2: closed). */
  fail(readyState: number): void {
    this.readyState = readyState;
    this.onerror?.(new Event('error'));
  }
}
