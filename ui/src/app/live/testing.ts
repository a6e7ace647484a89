import type { MediaSettings, Role, SessionSummary, TeleconsultationSummary } from '#protocol/live';
import type { ConferenceDriver, JoinOptions } from '../../../../meet/drivers/conference';
import type { ConferenceDriverDeps, LoadedConference } from './conference';
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

/** A conference driver that records what a page does with it; `emit` plays a driver event. */
export class FakeDriver {
  readonly calls: string[] = [];
  readonly joined: JoinOptions[] = [];
  private readonly handlers = new Map<string, ((payload: unknown) => void)[]>();

  on(name: string, handler: (payload: unknown) => void): () => void {
    this.handlers.set(name, [...(this.handlers.get(name) ?? []), handler]);
    return () => this.handlers.set(name, (this.handlers.get(name) ?? []).filter((h) => h !== handler));
  }
  emit(name: string, payload?: unknown): void {
    for (const handler of this.handlers.get(name) ?? []) handler(payload);
  }
  async join(options: JoinOptions): Promise<void> {
    this.calls.push('join');
    this.joined.push(options);
  }
  async knock(): Promise<void> {
    this.calls.push('knock');
  }
  async approve(id: string): Promise<void> {
    this.calls.push(`approve ${id}`);
  }
  localStream(): MediaStream | null {
    return null;
  }
  isMicrophoneMuted(): boolean {
    return false;
  }
  isCameraMuted(): boolean {
    return false;
  }
}

/** A `CONFERENCE_LOADER` that hands out {@link FakeDriver}s and records each load and release. */
export function fakeConferenceLoader() {
  const loaded: { deps: ConferenceDriverDeps; driver: FakeDriver }[] = [];
  const released: FakeDriver[] = [];
  const loader = async (_media: MediaSettings, deps: ConferenceDriverDeps): Promise<LoadedConference> => {
    const driver = new FakeDriver();
    loaded.push({ deps, driver });
    return { driver: driver as unknown as ConferenceDriver, dispose: async () => void released.push(driver) };
  };
  return { loader, loaded, released };
}
