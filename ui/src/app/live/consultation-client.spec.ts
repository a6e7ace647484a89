import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import type { Presence, ServerMessage } from '#protocol/live';
import type { ConferenceDriver, JoinOptions } from '../../../../meet/drivers/conference';
import { provideI18nTesting } from '../i18n/testing';
import { provideApiTesting } from '../shared/testing';
import type { ConferenceDriverDeps, LoadedConference } from './conference';
import { ConsultationClient } from './consultation-client';
import type { ConsultationHandlers } from './consultation-client';
import { LiveSocket } from './live-socket';
import { liveTesting, presenceOf, stateFrame, summaryOf } from './testing';

/** A driver that records what the client does with it. */
function fakeDriver(join: () => Promise<void> = () => Promise.resolve()) {
  const calls: string[] = [];
  const joined: JoinOptions[] = [];
  const driver = {
    join: (options: JoinOptions) => {
      calls.push('join');
      joined.push(options);
      return join();
    },
  } as unknown as ConferenceDriver;
  return { driver, calls, joined };
}

describe('ConsultationClient', () => {
  let live: ReturnType<typeof liveTesting>;
  let backend: HttpTestingController;
  let client: ConsultationClient;
  let loads: { deps: ConferenceDriverDeps; resolve(conference: LoadedConference): void; reject(error: unknown): void }[];
  let presences: Presence[];
  let messages: ServerMessage['type'][];
  const latest = () => live.latest();
  const handlers: ConsultationHandlers = { presence: (p) => presences.push(p), message: (m) => messages.push(m.type) };
  const presence = presenceOf;
  const state = (patient: Presence['patient'], status: 'scheduled' | 'ended' | 'cancelled' = 'scheduled') => stateFrame('patient', patient, status);

  beforeEach(() => {
    loads = [];
    live = liveTesting((_media, deps) => new Promise<LoadedConference>((resolve, reject) => loads.push({ deps, resolve, reject })));
    presences = [];
    messages = [];
    TestBed.configureTestingModule({
      providers: [
        ...provideApiTesting(),
        provideI18nTesting('fr-FR'),
        LiveSocket,
        ConsultationClient,
        ...live.providers,
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    client = TestBed.inject(ConsultationClient);
  });
  afterEach(() => backend.verify());

  /** Opens the patient's consultation, answers the summary and opens the socket. */
  function openAs(role: 'patient' | 'practitioner' = 'patient'): void {
    client.open('tc_1', role, handlers);
    backend.expectOne(`/api/live/tc_1/${role}/session`).flush(summaryOf({ role }));
    latest().serverOpens();
  }

  it('loads the summary, then connects the live socket of that role', () => {
    client.open('tc 1', 'practitioner', handlers);
    expect(client.summary()).toBeNull();
    expect(live.sockets.length).toBe(0);
    expect(client.stage()).toBe('loading');
    backend.expectOne('/api/live/tc%201/practitioner/session').flush(summaryOf({ role: 'practitioner' }));
    expect(client.stage()).toBe('ready');
    expect(client.summary()?.teleconsultation.id).toBe('tc_1');
    expect(latest().url).toBe(`ws://${location.host}/live/tc%201/practitioner`);
    expect(live.conferences.preloaded).toEqual([summaryOf().media]);
    expect(client.peerName()).toBe('Camille M.');
    expect(client.appointmentDate()).toContain('2026');
  });

  for (const [status, code, key] of [[401, 'SESSION_REQUIRED', 'live.linkInvalid'], [410, 'LINK_EXPIRED', 'live.linkInvalid'], [500, 'INTERNAL', 'error.server']] as const) {
    it(`says ${key} when the summary fails with ${status}`, () => {
      client.open('tc_1', 'patient', handlers);
      backend.expectOne('/api/live/tc_1/patient/session').flush({ error: { code, message: 'x' } }, { status, statusText: 'x' });
      expect(client.loadError()).toEqual({ key, code });
      expect(client.stage()).toBe('error');
      expect(live.sockets.length).toBe(0);
    });
  }

  it('says error.network when no answer arrives', () => {
    client.open('tc_1', 'patient', handlers);
    backend.expectOne('/api/live/tc_1/patient/session').error(new ProgressEvent('error'));
    expect(client.loadError()).toEqual({ key: 'error.network', code: 'NETWORK' });
  });

  it('follows presence from state, presence, admitted and denied, and passes every message on', () => {
    openAs('patient');
    latest().serverSends(state('waiting'));
    latest().serverSends(JSON.stringify({ type: 'presence', presence: presence('absent') }));
    latest().serverSends('{"type":"admitted"}');
    expect(client.presence().patient).toBe('admitted');
    latest().serverSends('{"type":"denied"}');
    expect(presences.map((p) => p.patient)).toEqual(['waiting', 'absent', 'admitted', 'denied']);
    expect(messages).toEqual(['state', 'presence', 'admitted', 'denied']);
  });

  it('ends with live.cancelled on a cancelled state or status, closes the socket and stays quiet after', () => {
    openAs();
    latest().serverSends(state('waiting', 'cancelled'));
    expect(client.endKey()).toBe('live.cancelled');
    expect([client.ended(), client.stage()]).toEqual([true, 'ended']);
    expect(latest().closedWith).toBe(1000);
    latest().serverSends(JSON.stringify({ type: 'presence', presence: presence('admitted') }));
    expect(presences).toEqual([]);
    expect(messages).toEqual([]);
  });

  it('shows a finished consultation as ended but keeps the connection, follows it, and comes back to life on a return', async () => {
    openAs();
    latest().serverSends(state('admitted'));
    latest().serverSends('{"type":"status","status":"ended","endedBy":"patient"}');
    expect([client.finished(), client.endKey(), client.stage(), client.endedBy()]).toEqual([true, 'live.ended', 'ended', 'patient']);
    expect(latest().closedWith).toBeUndefined();
    // Still told: the practitioner left, the payment changed.
    latest().serverSends(JSON.stringify({ type: 'presence', presence: { ...presence('admitted'), practitioner: 'offline' } }));
    expect(client.presence().practitioner).toBe('offline');
    expect(messages).toContain('presence');
    await client.startCall();
    expect(loads.length).toBe(0);
    // "Revenir dans la consultation": live again, and a call can start.
    latest().serverSends('{"type":"status","status":"in_progress","endedBy":null}');
    expect([client.finished(), client.endKey(), client.stage()]).toEqual([false, null, 'ready']);
    void client.startCall();
    expect(loads.length).toBe(1);
  });

  it('a page over for good after a finish keeps its own reason', () => {
    openAs();
    latest().serverSends('{"type":"status","status":"ended"}');
    client.end('live.replaced');
    expect(client.endKey()).toBe('live.replaced');
    expect(latest().closedWith).toBe(1000);
  });

  for (const [code, key] of [[4409, 'live.replaced'], [4401, 'live.linkInvalid'], [4410, 'live.cancelled']] as const) {
    it(`ends with ${key} when the server closes with ${code}`, () => {
      openAs();
      latest().serverCloses(code);
      TestBed.tick();
      expect(client.endKey()).toBe(key);
    });
  }

  it('tells a reconnection, not once ended', () => {
    openAs();
    latest().serverCloses(1006);
    expect(client.reconnecting()).toBeTrue();
    client.end('live.hungUp');
    expect(client.reconnecting()).toBeFalse();
  });

  it('loads the driver once, prepares it, joins with the role and own name, then runs afterJoin', async () => {
    openAs('patient');
    latest().serverSends(state('admitted'));
    const { driver, calls, joined } = fakeDriver();
    const started = client.startCall({ devices: { cameraId: 'cam-2' }, prepare: () => calls.push('prepare'), afterJoin: async () => void calls.push('afterJoin') });
    void client.startCall();
    expect([client.calling(), client.stage()]).toEqual([true, 'call']);
    expect(loads.length).toBe(1);
    expect(loads[0]!.deps.presence()).toBe('admitted');
    expect(loads[0]!.deps.peerName).toBe('Dr Claire Dubois');
    loads[0]!.resolve({ driver, dispose: () => Promise.resolve() });
    await started;
    expect(client.driver()).toBe(driver);
    expect(calls).toEqual(['prepare', 'join', 'afterJoin']);
    expect(joined).toEqual([{ role: 'patient', displayName: 'Camille M.', cameraId: 'cam-2' }]);
    expect(client.mediaError()).toBeFalse();
  });

  it('says a media error when joining fails or the driver cannot be loaded', async () => {
    openAs('practitioner');
    const failing = client.startCall();
    loads[0]!.resolve({ driver: fakeDriver(() => Promise.reject(new Error('NotAllowedError'))).driver, dispose: () => Promise.resolve() });
    await failing;
    expect(client.mediaError()).toBeTrue();

    await client.stopCall();
    const unloaded = client.startCall();
    expect(client.mediaError()).toBeFalse();
    loads[1]!.reject(new Error('chunk failed'));
    await unloaded;
    expect(client.mediaError()).toBeTrue();
  });

  it('stops the call and releases the driver; a driver that arrives after the stop is released at once', async () => {
    openAs('practitioner');
    const disposed: string[] = [];
    const first = client.startCall();
    loads[0]!.resolve({ driver: fakeDriver().driver, dispose: async () => void disposed.push('first') });
    await first;
    await client.stopCall();
    expect([client.calling(), client.driver(), disposed]).toEqual([false, null, ['first']]);

    const late = client.startCall();
    void client.stopCall();
    loads[1]!.resolve({ driver: fakeDriver().driver, dispose: async () => void disposed.push('late') });
    await late;
    expect(client.driver()).toBeNull();
    expect(disposed).toEqual(['first', 'late']);
  });

  it('on end, leaves the call before closing the live connection, and starts no call after', async () => {
    openAs('patient');
    const order: string[] = [];
    const started = client.startCall();
    loads[0]!.resolve({ driver: fakeDriver().driver, dispose: async () => void order.push(`dispose, socket ${latest().closedWith ?? 'open'}`) });
    await started;
    client.end('live.hungUp');
    await new Promise((resolve) => setTimeout(resolve));
    expect(order).toEqual(['dispose, socket open']);
    expect(latest().closedWith).toBe(1000);
    await client.startCall();
    expect(loads.length).toBe(1);
  });
});
