import type { JitsiConfig } from '../../config/schema.ts';
import { createFakeJitsiDeployment, fakeMediaStream, fakeMediaStreamTrack, type FakeJitsiDeployment, type FakeLibraryOptions } from '../../tests/fakes/lib-jitsi-meet.ts';
import { newRoomName } from '../rooms.ts';
import { mintJitsiToken } from '../tokens.ts';
import { ConferenceError, type ConferenceDriver, type ConferenceRole } from './conference.ts';
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

function driverFor(deployment: FakeJitsiDeployment, role: ConferenceRole, room: string, loaded: string[] = [], library: FakeLibraryOptions = {}): ConferenceDriver {
  return createJitsiDriver({
    domain: jitsi.domain,
    room,
    libraryUrl: LIBRARY_URL,
    getToken: () => tokenFor(role, room),
    loadLibrary: async (url) => {
      loaded.push(url);
      return deployment.library(library);
    },
    newMediaStream: fakeMediaStream,
  });
}

/** The code of the ConferenceError `run` rejects with, or null when it resolves. */
async function errorCode(run: Promise<void>): Promise<string | null> {
  try {
    await run;
    return null;
  } catch (error) {
    if (error instanceof ConferenceError) return error.code;
    throw error;
  }
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
    // No canvas in Node: a fake track stands in for the capture (the fake has no frame sizes).
    startScreenShare: (testTrack) => errorCode(driver.startScreenShare(testTrack ? fakeMediaStreamTrack('video') : undefined)),
    stopScreenShare: () => driver.stopScreenShare(),
    endScreenTrack: async () => {
      const track = driver.screenStream()?.getVideoTracks()[0];
      track?.stop();
      track?.dispatchEvent(new Event('ended'));
    },
    hasScreenStream: async () => driver.screenStream() !== null,
  };
}

describeConferenceDriver('jitsi', {
  async create() {
    const deployment = createFakeJitsiDeployment();
    const room = newRoomName();
    const practitioner = handleOf(driverFor(deployment, 'practitioner', room));
    let patient = handleOf(driverFor(deployment, 'patient', room));
    return {
      practitioner,
      patient,
      // A reload: the old page leaves the room, the new one knocks again and is let in.
      async reloadPatient() {
        await patient.leave();
        const knocked = await practitioner.events();
        const oldKnocks = knocked.filter((e) => e.event === 'knocking').map((e) => JSON.stringify(e.payload));
        patient = handleOf(driverFor(deployment, 'patient', room));
        await patient.join({ role: 'patient', displayName: 'Camille M.' });
        await patient.knock();
        const knock = await waitForEvent(practitioner, 'knocking', (p) => !oldKnocks.includes(JSON.stringify(p)));
        await practitioner.approve((knock as { id: string }).id);
        await waitForEvent(patient, 'approved');
        return patient;
      },
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

  describe('screen sharing', () => {
    async function inCall(library: FakeLibraryOptions = {}): Promise<{ practitioner: ConferenceDriver; patient: DriverHandle }> {
      const practitioner = driverFor(deployment, 'practitioner', room, [], library);
      const patient = handleOf(driverFor(deployment, 'patient', room));
      await practitioner.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
      await patient.join({ role: 'patient', displayName: 'Camille M.' });
      await patient.knock();
      const knocking = new Promise<string>((resolve) => practitioner.on('knocking', (k) => resolve(k.id)));
      await practitioner.approve(await knocking);
      await waitForEvent(patient, 'approved');
      return { practitioner, patient };
    }
    const mine = (method: string) => deployment.calls.filter((c) => c.participant === 'p1' && c.method === method).map((c) => c.args);

    it('adds a desktop track beside the camera and removes it on stop, never replacing the camera', async () => {
      const { practitioner, patient } = await inCall();
      await practitioner.startScreenShare();
      expect(mine('createLocalTracks').at(-1)).toEqual([{ devices: ['desktop'] }]);
      expect(mine('addTrack')).toEqual([['audio', undefined], ['video', 'camera'], ['video', 'desktop']]);
      await waitForEvent(patient, 'remote-track-added', (p) => typeof p === 'object' && p !== null && !Array.isArray(p) && p['source'] === 'screen');
      await practitioner.stopScreenShare();
      expect(mine('removeTrack')).toEqual([['video', 'desktop']]);
      expect(mine('replaceTrack')).toEqual([]);
      await patient.leave();
      await practitioner.leave();
    });

    it('shares a given track through createLocalTracksFromMediaStreams as a desktop track, and stops it when the share ends', async () => {
      const { practitioner, patient } = await inCall();
      const given = fakeMediaStreamTrack('video');
      await practitioner.startScreenShare(given);
      expect(mine('createLocalTracksFromMediaStreams')).toEqual([[[{ mediaType: 'video', videoType: 'desktop', sourceType: 'track' }]]]);
      expect(practitioner.screenStream()?.getVideoTracks()).toEqual([given]);
      await waitForEvent(patient, 'remote-track-added', (p) => typeof p === 'object' && p !== null && !Array.isArray(p) && p['source'] === 'screen');
      await practitioner.stopScreenShare();
      expect(given.readyState).toBe('ended');
      await patient.leave();
      await practitioner.leave();
    });

    it('says SCREEN_TRACK_UNSUPPORTED for a given track when the deployment\'s library cannot wrap one (before #2409)', async () => {
      const { practitioner, patient } = await inCall({ createLocalTracksFromMediaStreams: false });
      const given = fakeMediaStreamTrack('video');
      expect(await errorCode(practitioner.startScreenShare(given))).toBe('SCREEN_TRACK_UNSUPPORTED');
      expect(practitioner.screenStream()).toBeNull();
      expect(given.readyState).toBe('live');
      expect(await errorCode(practitioner.startScreenShare())).toBeNull(); // the screen itself still works
      await patient.leave();
      await practitioner.leave();
    });

    it('refuses a given track that is not a live video track', async () => {
      const { practitioner, patient } = await inCall();
      expect(await errorCode(practitioner.startScreenShare(fakeMediaStreamTrack('audio')))).toBe('SCREEN_TRACK_INVALID');
      const ended = fakeMediaStreamTrack('video');
      ended.stop();
      expect(await errorCode(practitioner.startScreenShare(ended))).toBe('SCREEN_TRACK_INVALID');
      expect(mine('addTrack').length).toBe(2);
      await patient.leave();
      await practitioner.leave();
    });

    it('says SCREEN_SHARE_CANCELLED when the picker is closed; a cancelled replacement keeps the current share', async () => {
      const { practitioner, patient } = await inCall();
      deployment.cancelNextScreenShare();
      const failure = practitioner.startScreenShare();
      await expectAsync(failure).toBeRejectedWith(jasmine.objectContaining({ code: 'SCREEN_SHARE_CANCELLED', cause: jasmine.objectContaining({ name: 'gum.screensharing_user_canceled' }) }));
      expect(practitioner.screenStream()).toBeNull();
      await practitioner.startScreenShare();
      deployment.cancelNextScreenShare();
      expect(await errorCode(practitioner.startScreenShare())).toBe('SCREEN_SHARE_CANCELLED');
      expect(practitioner.screenStream()).not.toBeNull(); // a cancelled replacement keeps the current share
      await patient.leave();
      await practitioner.leave();
    });

    it('sends the screen\'s video only when the user also shared the tab\'s audio', async () => {
      deployment.shareDesktopAudio(true);
      const { practitioner, patient } = await inCall();
      await practitioner.startScreenShare();
      expect(mine('addTrack').at(-1)).toEqual(['video', 'desktop']);
      expect(mine('addTrack').length).toBe(3);
      await patient.leave();
      await practitioner.leave();
    });
  });
});
