import type { MediaSettings, Role, SessionSummary, TeleconsultationSummary } from '#protocol/live';
import type { LiveWebSocket } from './live-socket';

/** A scripted WebSocket: the spec opens, delivers and closes it. */
export class FakeWebSocket implements LiveWebSocket {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly sent: string[] = [];
  closedWith: number | undefined;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
  }
  close(code?: number): void {
    this.closedWith = code;
    this.readyState = 3;
  }
  serverOpens(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  serverSends(data: string): void {
    this.onmessage?.(new MessageEvent('message', { data }));
  }
  serverCloses(code: number): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', { code }));
  }
}

/** A session summary as the server sends it, for specs. */
export function summaryOf(overrides: { role?: Role; status?: TeleconsultationSummary['status']; media?: MediaSettings } = {}): SessionSummary {
  return {
    you: { role: overrides.role ?? 'patient' },
    teleconsultation: {
      id: 'tc_1', status: overrides.status ?? 'scheduled', startsAt: '2026-06-15T08:30:00Z', durationMinutes: 20,
      practitionerName: 'Dr Claire Dubois', patientName: 'Camille M.', timezone: 'Europe/Paris',
    },
    media: overrides.media ?? { driver: 'p2p', iceServers: [] },
  };
}
