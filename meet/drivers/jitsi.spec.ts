import type { JitsiConfig } from '../../config/schema.ts';
import { createFakeJitsiDeployment, type FakeJitsiDeployment } from '../../tests/fakes/lib-jitsi-meet.ts';
import { newRoomName } from '../rooms.ts';
import { mintJitsiToken } from '../tokens.ts';
import type { ConferenceDriver, ConferenceRole } from './conference.ts';
import { describeConferenceDriver, waitForEvent, type DriverHandle } from './conference-behaviour.ts';
import { logConferenceEvents } from './event-log.ts';
import { createJitsiDriver, jitsiConnectionOptions } from './jitsi.ts';

const jitsi: JitsiConfig = {
  domain: 'meet.clinic.example',
  appId: 'teleconsult',
  appSecret: 'test-secret-of-at-least-thirty-two-characters',
  audience: 'teleconsult',
  eventsToken: undefined,
};
const LIBRARY_URL = 'https://meet.clinic.example/libs/lib-jitsi-meet.min.js';

/** A real token for `role` in `room`, as the connector's jitsi-token endpoint mints it. */
function tokenFor(role: ConferenceRole, room: string): Promise<string> {
  const user = role === 'practitioner' ? { id: 'prac_dubois', name: 'Dr Claire Dubois', email: 'claire@example.com' } : { id: 'pat_1', name: 'Camille M.', email: '' };
  return mintJitsiToken(jitsi, { room, user, role, startsAt: new Date(Date.now() + 10 * 60_000), durationMinutes: 20, timezone: 'UTC' });
}

function driverFor(deployment: FakeJitsiDeployment, role: ConferenceRole, room: string, loaded: string[] = []): ConferenceDriver {
  return createJitsiDriver({
    domain: jitsi.domain,
    room,
    libraryUrl: LIBRARY_URL,
    getToken: () => tokenFor(role, room),
    loadLibrary: async (url) => {
      loaded.push(url);
      return deployment.library();
    },
  });
}

function handleOf(driver: ConferenceDriver): DriverHandle {
  const log = logConferenceEvents(driver);
  return {
    join: (o) => driver.join(o),
    leave: () => driver.leave(),
    knock: () => driver.knock(),
    approve: (id) => driver.approve(id),
    deny: (id) => driver.deny(id),
    setMicrophoneMuted: (m) => driver.setMicrophoneMuted(m),
    setCameraMuted: (m) => driver.setCameraMuted(m),
    muted: async () => ({ microphone: driver.isMicrophoneMuted(), camera: driver.isCameraMuted() }),
    hasLocalStream: async () => driver.localStream() !== null,
    send: async (m) => driver.send(m),
    listDevices: () => driver.listDevices(),
    events: async () => [...log],
  };
}

describeConferenceDriver('jitsi', {
  async create() {
    const deployment = createFakeJitsiDeployment();
    const room = newRoomName();
    const practitioner = handleOf(driverFor(deployment, 'practitioner', room));
    const patient = handleOf(driverFor(deployment, 'patient', room));
    return {
      practitioner,
      patient,
      close: async () => {
        await patient.leave();
        await practitioner.leave();
      },
    };
  },
});

describe('jitsi driver specifics', () => {
  let deployment: FakeJitsiDeployment;
  let room: string;
  beforeEach(() => {
    deployment = createFakeJitsiDeployment();
    room = newRoomName();
  });

  it('loads the library from the deployment and connects with the participant token to its XMPP WebSocket', async () => {
    const loaded: string[] = [];
    const driver = driverFor(deployment, 'practitioner', room, loaded);
    await driver.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
    expect(loaded).toEqual([LIBRARY_URL]);
    const connection = deployment.calls.find((c) => c.method === 'JitsiConnection');
    const [appId, token, options] = connection?.args ?? [];
    expect(appId).toBeNull();
    expect(typeof token).toBe('string');
    expect(JSON.parse(Buffer.from(String(token).split('.')[1] ?? '', 'base64url').toString())).toEqual(jasmine.objectContaining({ room, sub: jitsi.domain }));
    expect(options).toEqual({ hosts: { domain: 'meet.clinic.example', muc: 'muc.meet.clinic.example' }, serviceUrl: `wss://meet.clinic.example/xmpp-websocket?room=${room}` });
    expect(deployment.calls.find((c) => c.method === 'initJitsiConference')?.args[0]).toBe(room);
    await driver.leave();
  });

  it('builds connection options per meet/deploy (MUC under the domain, room in the WebSocket URL)', () => {
    expect(jitsiConnectionOptions('meet.a.example', 'r o')).toEqual({ hosts: { domain: 'meet.a.example', muc: 'muc.meet.a.example' }, serviceUrl: 'wss://meet.a.example/xmpp-websocket?room=r%20o' });
  });

  it('has the practitioner turn the lobby on when the deployment did not, so the patient knocks', async () => {
    deployment.autostartLobby(false);
    const practitioner = driverFor(deployment, 'practitioner', room);
    await practitioner.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
    expect(deployment.calls.some((c) => c.method === 'enableLobby')).toBeTrue();
    expect(deployment.lobbyEnabled(room)).toBeTrue();
    const patient = handleOf(driverFor(deployment, 'patient', room));
    await patient.join({ role: 'patient', displayName: 'Camille M.' });
    expect((await patient.events()).map((e) => e.event)).not.toContain('approved');
    await patient.knock();
    expect(deployment.calls.find((c) => c.method === 'joinLobby')?.args[0]).toBe('Camille M.');
    await patient.leave();
    await practitioner.leave();
  });

  it('does not call enableLobby when the lobby is already on (lobby_autostart)', async () => {
    const practitioner = driverFor(deployment, 'practitioner', room);
    await practitioner.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
    expect(deployment.calls.some((c) => c.method === 'enableLobby')).toBeFalse();
    await practitioner.leave();
  });

  it('approves the knock through lobbyApproveAccess with the lobby id', async () => {
    const practitioner = handleOf(driverFor(deployment, 'practitioner', room));
    const patient = handleOf(driverFor(deployment, 'patient', room));
    await practitioner.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
    await patient.join({ role: 'patient', displayName: 'Camille M.' });
    await patient.knock();
    const knock = await waitForEvent(practitioner, 'knocking');
    const id = (knock as { id: string }).id;
    await practitioner.approve(id);
    await waitForEvent(patient, 'approved');
    expect(deployment.calls.filter((c) => c.method === 'lobbyApproveAccess').map((c) => c.args)).toEqual([[id]]);
    await waitForEvent(practitioner, 'knock-withdrawn');
    await patient.leave();
    await practitioner.leave();
  });

  it('rejects join when the connection fails (e.g. a refused token)', async () => {
    deployment.failNextConnections(1);
    const driver = handleOf(driverFor(deployment, 'patient', room));
    await expectAsync(driver.join({ role: 'patient', displayName: 'Camille M.' })).toBeRejectedWithError(/connection failed/);
    expect((await driver.events()).map((e) => String(e.payload))).toContain('failed');
  });

  it('switches the camera by replacing the track in the conference', async () => {
    const driver = driverFor(deployment, 'practitioner', room);
    await driver.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
    await driver.switchCamera('cam-2');
    expect(deployment.calls.filter((c) => c.method === 'createLocalTracks').at(-1)?.args[0]).toEqual({ devices: ['video'], cameraDeviceId: 'cam-2' });
    expect(deployment.calls.some((c) => c.method === 'replaceTrack' && c.args[0] === 'video' && c.args[1] === 'video')).toBeTrue();
    await driver.leave();
  });
});
