import type { ComponentFixture } from '@angular/core/testing';
import { computeAccessibleName } from 'dom-accessibility-api';
import type { MediaSettings, Presence, Role, SessionSummary, TeleconsultationSummary } from '#protocol/live';
import type { CameraEffect, ConferenceDriver, JoinOptions, SendQuality } from '../../../../meet/drivers/conference';
import { CONFERENCE_LOADER } from './conference';
import type { ConferenceDriverDeps, ConferenceLoader } from './conference';
import { LIVE_WEB_SOCKET } from './live-socket';
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
export function summaryOf(overrides: { role?: Role; status?: TeleconsultationSummary['status']; media?: MediaSettings; access?: SessionSummary['access']; endedBy?: TeleconsultationSummary['endedBy'] } = {}): SessionSummary {
  return {
    you: { role: overrides.role ?? 'patient' },
    teleconsultation: {
      id: 'tc_1', status: overrides.status ?? 'scheduled', startsAt: '2026-06-15T08:30:00Z', durationMinutes: 20,
      practitionerName: 'Dr Claire Dubois', patientName: 'Camille M.', timezone: 'Europe/Paris',
      endedBy: overrides.endedBy ?? null, startedAt: null, endedAt: null, callClosesAt: '2026-06-16T08:50:00Z',
    },
    media: overrides.media ?? { driver: 'p2p', iceServers: [] },
    access: overrides.access ?? 'call',
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
  screenStream(): MediaStream | null {
    return null;
  }
  /** The camera effects and send limits set, apart from `calls` (the lobby's order). */
  readonly effects: (CameraEffect | null)[] = [];
  readonly qualities: SendQuality[] = [];
  async setCameraEffect(effect: CameraEffect | null): Promise<void> {
    this.effects.push(effect);
  }
  async setSendQuality(quality: SendQuality): Promise<void> {
    this.qualities.push(quality);
  }
}

/** Answers the requests a page in a call makes for its conversation and documents (empty), so that `verify()` holds. */
export function flushCallRequests(backend: { match(url: string): { flush(body: unknown): void }[] }, role: Role): void {
  for (const request of backend.match(`/api/live/tc_1/${role}/conversation`)) request.flush({ entries: [] });
  for (const request of backend.match(`/api/live/tc_1/${role}/documents`)) {
    request.flush({ documents: [], limits: { maxFileBytes: 20 * 1024 * 1024, maxConsultationBytes: 100 * 1024 * 1024, contentTypes: ['application/pdf'] } });
  }
}

/** A `CONFERENCE_LOADER` that hands out {@link FakeDriver}s and records each preload, load and release. */
export function fakeConferenceLoader() {
  const preloaded: MediaSettings[] = [];
  const loaded: { deps: ConferenceDriverDeps; driver: FakeDriver }[] = [];
  const released: FakeDriver[] = [];
  const loader: ConferenceLoader = {
    async load(_media, deps) {
      const driver = new FakeDriver();
      loaded.push({ deps, driver });
      return { driver: driver as unknown as ConferenceDriver, dispose: async () => void released.push(driver) };
    },
    preload: (media) => void preloaded.push(media),
  };
  return { loader, preloaded, loaded, released };
}

/**
 * What a live spec needs: providers that record every socket opened and every driver loaded
 * (with {@link fakeConferenceLoader}, or its own `load`), and handles on them.
 */
export function liveTesting(load?: ConferenceLoader['load']) {
  const sockets: FakeWebSocket[] = [];
  const conferences = fakeConferenceLoader();
  const latest = () => sockets[sockets.length - 1]!;
  return {
    sockets,
    conferences,
    providers: [
      { provide: LIVE_WEB_SOCKET, useValue: (url: string) => { const socket = new FakeWebSocket(url); sockets.push(socket); return socket; } },
      { provide: CONFERENCE_LOADER, useValue: load ? { ...conferences.loader, load } : conferences.loader },
    ],
    /** The socket opened last. */
    latest,
    /** The types of the messages sent on the latest socket. */
    sent: () => latest().sent.map((frame) => (JSON.parse(frame) as { type: string }).type),
  };
}

/** Presence with the patient at `patient` (and knocked at 08:31 when waiting). */
export function presenceOf(patient: Presence['patient']): Presence {
  return { practitioner: 'online', patient, waitingSince: patient === 'waiting' ? '2026-06-15T08:31:00Z' : null };
}

/** A `state` frame as the server sends it on every (re)connection. */
export function stateFrame(role: Role, patient: Presence['patient'], status: TeleconsultationSummary['status'] = 'scheduled'): string {
  const summary = summaryOf({ role, status });
  return JSON.stringify({ type: 'state', ...summary, presence: presenceOf(patient), waiting: { delayMinutes: null, delayedAt: null, practitionerBusy: false, deniedMessage: null } });
}

/** Lets promises, timers and change detection settle. */
export async function settle(fixture: ComponentFixture<unknown>): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve));
  await fixture.whenStable();
}

/** The text of an element with its spaces collapsed. */
export function textOf(element: HTMLElement): string {
  return (element.textContent ?? '').replace(/\s+/g, ' ');
}

/** The accessible name of an element, computed as browsers do (W3C accname, through dom-accessibility-api). */
export function accessibleName(button: HTMLElement): string {
  return computeAccessibleName(button);
}

/** The button of `element` named `name`, if any. */
export function buttonNamed(element: HTMLElement, name: string): HTMLButtonElement | undefined {
  return [...element.querySelectorAll('button')].find((button) => accessibleName(button) === name);
}
