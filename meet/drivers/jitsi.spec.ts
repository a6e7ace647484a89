import type { JitsiConfig } from '../../config/schema.ts';
import {
  createFakeJitsiDeployment, fakeContent, fakeMediaStream, fakeMediaStreamTrack, type FakeJitsiDeployment, type FakeLibraryOptions,
} from '../../tests/fakes/lib-jitsi-meet.ts';
import { newRoomName } from '../rooms.ts';
import { mintJitsiToken } from '../tokens.ts';
import { ConferenceError, type CameraEffect, type ConferenceDriver, type ConferenceRole, type RemoteTrack } from './conference.ts';
import { describeConferenceDriver, waitForEvent, type DriverHandle, type RemotePicture, type TestEffect } from './conference-behaviour.ts';
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

/** A jitsi driver on its own fake page; `participant()` is the id its calls are recorded under once it loaded the library. */
function driverFor(deployment: FakeJitsiDeployment, role: ConferenceRole, room: string, loaded: string[] = [], library: FakeLibraryOptions = {}): ConferenceDriver & { participant(): string } {
  let participant = '';
  const driver = createJitsiDriver({
    domain: jitsi.domain,
    room,
    libraryUrl: LIBRARY_URL,
    getToken: () => tokenFor(role, room),
    loadLibrary: async (url) => {
      loaded.push(url);
      const lib = deployment.library(library);
      participant = lib.participant;
      return lib;
    },
    newMediaStream: fakeMediaStream,
  });
  return Object.assign(driver, { participant: () => participant });
}

/** A test effect as a page would write one, in Node: its output is a fake track carrying `solid:<colour>`. */
function testEffect(colour: TestEffect, calls: string[]): CameraEffect {
  let output: MediaStreamTrack | null = null;
  return {
    start(camera) {
      calls.push(`start:${colour}:${camera.getVideoTracks()[0]?.getSettings().deviceId}`);
      if (colour === 'broken') throw new Error('the effect cannot start');
      output = fakeMediaStreamTrack('video', { content: `solid:${colour}`, settings: { width: 1280, height: 720 } });
      return fakeMediaStream([output]);
    },
    stop() {
      calls.push(`stop:${colour}`);
      output?.stop();
    },
  };
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

function handleOf(driver: ConferenceDriver & { participant(): string }, deployment: FakeJitsiDeployment): DriverHandle {
  const log = logConferenceEvents(driver);
  const effectCalls: string[] = [];
  const remote = new Map<string, RemoteTrack>();
  driver.on('remote-track-added', (track) => remote.set(`${track.kind}:${track.source}`, track));
  driver.on('remote-track-removed', (track) => {
    if (remote.get(`${track.kind}:${track.source}`) === track) remote.delete(`${track.kind}:${track.source}`);
  });
  /** What the other side's camera track of `kind` carries here (what its sender sends, in the fake). */
  const remoteContent = (kind: 'audio' | 'video') => {
    const track = remote.get(`${kind}:camera`)?.stream.getTracks().find((t) => t.kind === kind);
    return track ? fakeContent(track) : 'none';
  };
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
    switchCamera: (id) => driver.switchCamera(id),
    localTracks: async () => (driver.localStream()?.getTracks() ?? []).map((t) => ({
      kind: t.kind === 'audio' ? 'audio' : 'video',
      enabled: t.enabled,
      live: t.readyState === 'live',
      deviceId: t.getSettings().deviceId ?? null,
      askedZoom: (t.getConstraints() as { zoom?: unknown }).zoom === true,
    })),
    setCameraEffect: (effect) => errorCode(driver.setCameraEffect(effect ? testEffect(effect, effectCalls) : null)),
    effectCalls: async () => [...effectCalls],
    setSendQuality: (quality) => driver.setSendQuality(quality),
    sentVideo: async () => deployment.sentVideo(driver.participant()),
    remotePicture: async () => remoteContent('video') as RemotePicture,
    remoteSound: async () => remoteContent('audio') === 'sound',
  };
}

describeConferenceDriver('jitsi', {
  async create() {
    const deployment = createFakeJitsiDeployment();
    const room = newRoomName();
    const practitioner = handleOf(driverFor(deployment, 'practitioner', room), deployment);
    let patient = handleOf(driverFor(deployment, 'patient', room), deployment);
    return {
      practitioner,
      patient,
      async refuseCameraZoom() {
        deployment.refuseCameraZoom(true);
      },
      // A reload: the old page leaves the room, the new one knocks again and is let in.
      async reloadPatient() {
        await patient.leave();
        const knocked = await practitioner.events();
        const oldKnocks = knocked.filter((e) => e.event === 'knocking').map((e) => JSON.stringify(e.payload));
        patient = handleOf(driverFor(deployment, 'patient', room), deployment);
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
    const patient = handleOf(driverFor(deployment, 'patient', room), deployment);
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
    const practitioner = handleOf(driverFor(deployment, 'practitioner', room), deployment);
    const patient = handleOf(driverFor(deployment, 'patient', room), deployment);
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
    const driver = handleOf(driverFor(deployment, 'patient', room), deployment);
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
      const patient = handleOf(driverFor(deployment, 'patient', room), deployment);
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

  describe('the camera', () => {
    /** Practitioner and patient in the call; the patient's driver is returned bare, the practitioner's as a handle. */
    async function inCall(before: (patient: ConferenceDriver) => Promise<void> = async () => undefined): Promise<{ practitioner: DriverHandle; patient: ConferenceDriver & { participant(): string } }> {
      const practitioner = handleOf(driverFor(deployment, 'practitioner', room), deployment);
      const patient = driverFor(deployment, 'patient', room);
      await before(patient);
      await practitioner.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
      await patient.join({ role: 'patient', displayName: 'Camille M.' });
      await patient.knock();
      const knock = await waitForEvent(practitioner, 'knocking');
      await practitioner.approve((knock as { id: string }).id);
      await waitForEvent(practitioner, 'remote-track-added', (p) => typeof p === 'object' && p !== null && !Array.isArray(p) && p['kind'] === 'video');
      return { practitioner, patient };
    }
    const callsOf = (participant: string, method: string) => deployment.calls.filter((c) => c.participant === participant && c.method === method).map((c) => c.args);
    const methodsOf = (participant: string, methods: string[]) => deployment.calls.filter((c) => c.participant === participant && methods.includes(c.method)).map((c) => c.method);
    const videoAsked = (participant: string) => callsOf(participant, 'getUserMedia').map(([constraints]) => (constraints as { video: MediaTrackConstraints | false }).video).filter((v) => v !== false);

    it('asks the library for the patient\'s camera with zoom (createLocalTracks constraints, on join, switch and unmute), the practitioner\'s without', async () => {
      const { practitioner, patient } = await inCall();
      const me = patient.participant();
      expect(callsOf(me, 'createLocalTracks')[0]).toEqual([jasmine.objectContaining({ devices: ['audio', 'video'], constraints: { video: { zoom: true } } })]);
      // The library adds its own size and frame rate to the constraints it is given (RTCUtils.js getConstraints).
      expect(videoAsked(me)[0]).toEqual(jasmine.objectContaining({ zoom: true, height: { ideal: 720, max: 720, min: 180 } }));
      await patient.switchCamera('cam-2');
      expect(callsOf(me, 'createLocalTracks').at(-1)).toEqual([{ devices: ['video'], cameraDeviceId: 'cam-2', constraints: { video: { zoom: true } } }]);
      await patient.setCameraMuted(true);
      await patient.setCameraMuted(false);
      // Unmuting opens the camera again with the constraints it was opened with (JitsiLocalTrack._constraints).
      expect(videoAsked(me).at(-1)).toEqual(jasmine.objectContaining({ zoom: true, deviceId: { exact: 'cam-2' } }));
      expect(videoAsked(me).length).toBe(3);
      for (const video of videoAsked('p1')) expect('zoom' in video).toBeFalse();
      await patient.leave();
      await practitioner.leave();
    });

    it('asks again without zoom when the camera is refused with it (CONSTRAINT_FAILED)', async () => {
      deployment.refuseCameraZoom(true);
      const { practitioner, patient } = await inCall();
      const me = patient.participant();
      const asked = callsOf(me, 'createLocalTracks').map(([options]) => options);
      expect(asked).toEqual([
        jasmine.objectContaining({ devices: ['audio', 'video'], constraints: { video: { zoom: true } } }),
        jasmine.objectContaining({ devices: ['audio', 'video'] }),
      ]);
      expect('constraints' in (asked[1] as object)).toBeFalse();
      expect(patient.localStream()?.getVideoTracks().length).toBe(1);
      await patient.leave();
      await practitioner.leave();
    });

    it('runs the effect as the library\'s stream effect: setEffect on the camera track, startEffect with its stream, stopEffect on replacement', async () => {
      const effects: string[] = [];
      const { practitioner, patient } = await inCall();
      const me = patient.participant();
      await patient.setCameraEffect(testEffect('magenta', effects));
      expect(callsOf(me, 'setEffect')).toEqual([['video', 'camera', 'effect']]);
      expect(effects).toEqual(['start:magenta:cam-1']);
      // What the track holds is what is sent, and what the self view shows.
      expect(await practitioner.remotePicture()).toBe('solid:magenta');
      expect(fakeContent(patient.localStream()?.getVideoTracks()[0] as MediaStreamTrack)).toBe('solid:magenta');
      // The library stops the effect it replaces before it starts the new one (JitsiLocalTrack._switchStreamEffect).
      await patient.setCameraEffect(testEffect('cyan', effects));
      expect(effects).toEqual(['start:magenta:cam-1', 'stop:magenta', 'start:cyan:cam-1']);
      await patient.setCameraEffect(null);
      expect(effects.at(-1)).toBe('stop:cyan');
      expect(await practitioner.remotePicture()).toBe('camera');
      await patient.leave();
      await practitioner.leave();
    });

    it('gives a new camera its effect before it replaces the old one in the conference', async () => {
      const effects: string[] = [];
      const { practitioner, patient } = await inCall();
      const me = patient.participant();
      await patient.setCameraEffect(testEffect('magenta', effects));
      await patient.switchCamera('cam-2');
      expect(methodsOf(me, ['setEffect', 'replaceTrack'])).toEqual(['setEffect', 'setEffect', 'replaceTrack', 'setEffect']);
      expect(callsOf(me, 'setEffect').at(-1)).toEqual(['video', 'camera', null]); // the old track's dispose takes it off
      expect(effects).toEqual(['start:magenta:cam-1', 'stop:magenta', 'start:magenta:cam-2']);
      expect(await practitioner.remotePicture()).toBe('solid:magenta');
      // The library closes a muted camera: the effect stops, and starts again on the camera opened anew.
      await patient.setCameraMuted(true);
      expect(effects.at(-1)).toBe('stop:magenta');
      expect(await practitioner.remotePicture()).toBe('none');
      expect(patient.localStream()?.getVideoTracks()).toEqual([]);
      await patient.setCameraMuted(false);
      expect(effects.at(-1)).toBe('start:magenta:cam-2');
      expect(await practitioner.remotePicture()).toBe('solid:magenta');
      await patient.leave();
      expect(effects.at(-1)).toBe('stop:magenta');
      await practitioner.leave();
    });

    it('sets an effect on a muted camera for when it is back (the library keeps it)', async () => {
      const effects: string[] = [];
      const { practitioner, patient } = await inCall();
      await patient.setCameraMuted(true);
      await patient.setCameraEffect(testEffect('cyan', effects));
      expect(effects).toEqual([]);
      await patient.setCameraMuted(false);
      expect(effects).toEqual(['start:cyan:cam-1']);
      expect(await practitioner.remotePicture()).toBe('solid:cyan');
      await patient.leave();
      await practitioner.leave();
    });
  });

  describe('send limits', () => {
    async function joined(before: (driver: ConferenceDriver) => Promise<void> = async () => undefined): Promise<ConferenceDriver & { participant(): string }> {
      const driver = driverFor(deployment, 'practitioner', room);
      await before(driver);
      await driver.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
      return driver;
    }
    const mine = (method: string) => deployment.calls.filter((c) => c.participant === 'p1' && c.method === method).map((c) => c.args);

    it('gives a cap set before the join to the conference as videoQuality: every level of every codec at most the cap', async () => {
      const driver = await joined((d) => d.setSendQuality({ maxVideoKbps: 150, maxVideoHeight: null }));
      const [, options] = mine('initJitsiConference')[0] ?? [];
      const quality = (options as { videoQuality: Record<string, { maxBitratesVideo?: Record<string, number> } & Record<string, unknown>> }).videoQuality;
      // The library's low level is already below the cap for AV1 and VP9 (100 kbit/s): kept.
      const capped = (low: number) => ({ low, standard: 150_000, high: 150_000, fullHd: 150_000, ultraHd: 150_000 });
      const expected = { av1: capped(100_000), h264: capped(150_000), vp8: capped(150_000), vp9: capped(100_000) };
      for (const [codec, levels] of Object.entries(expected)) {
        expect(quality[codec]?.maxBitratesVideo).toEqual(levels);
        expect((quality['maxBitratesVideo'] as Record<string, unknown>)[codec.toUpperCase()]).toEqual(levels); // libraries before #2350
      }
      expect(mine('setSenderVideoConstraint')).toEqual([]);
      // The camera is sent at 720 (the library's "high" level), capped, whichever codec the call settles on.
      for (const codec of ['av1', 'h264', 'vp8', 'vp9'] as const) {
        deployment.negotiateCodec(codec);
        expect(deployment.sentVideo(driver.participant())).toEqual({ height: 720, maxBitrateBps: 150_000, codec });
      }
      await driver.leave();
    });

    it('sends the height through setSenderVideoConstraint, before the join and during the call; clearing asks for 2160 (no preference)', async () => {
      const driver = await joined((d) => d.setSendQuality({ maxVideoKbps: null, maxVideoHeight: 360 }));
      expect(mine('initJitsiConference')[0]?.[1]).toEqual({});
      expect(mine('setSenderVideoConstraint')).toEqual([[360]]);
      expect(deployment.sentVideo(driver.participant())?.height).toBe(360);
      await driver.setSendQuality({ maxVideoKbps: null, maxVideoHeight: 180 });
      await driver.switchCamera('cam-2');
      expect(deployment.sentVideo(driver.participant())?.height).toBe(180); // the library keeps it over a track replacement
      await driver.setSendQuality({ maxVideoKbps: null, maxVideoHeight: null });
      expect(mine('setSenderVideoConstraint')).toEqual([[360], [180], [2160]]);
      expect(deployment.sentVideo(driver.participant())?.height).toBe(720);
      await driver.leave();
    });

    it('lowers the height to the library\'s level within a cap set during the call (the conference takes no new rates)', async () => {
      const driver = await joined();
      deployment.negotiateCodec('vp8');
      await driver.setSendQuality({ maxVideoKbps: 600, maxVideoHeight: null });
      // Within 600 kbit/s for every codec: the low level (H.264 400, VP8 200, AV1 and VP9 100); standard is 800 for H.264.
      expect(mine('setSenderVideoConstraint').at(-1)).toEqual([270]);
      expect(deployment.sentVideo(driver.participant())).toEqual({ height: 270, maxBitrateBps: 200_000, codec: 'vp8' });
      await driver.setSendQuality({ maxVideoKbps: 2500, maxVideoHeight: 360 });
      expect(mine('setSenderVideoConstraint').at(-1)).toEqual([360]); // the lower of the height asked and the cap's (720)
      await driver.setSendQuality({ maxVideoKbps: 50, maxVideoHeight: null });
      expect(mine('setSenderVideoConstraint').at(-1)).toEqual([180]); // below every rate: the lowest camera level
      await driver.leave();
    });

    it('keeps a cap the conference started with when the call raises it, and lowers the height only below it', async () => {
      const driver = await joined((d) => d.setSendQuality({ maxVideoKbps: 300, maxVideoHeight: null }));
      await driver.setSendQuality({ maxVideoKbps: 1000, maxVideoHeight: null });
      expect(mine('setSenderVideoConstraint').at(-1)).toEqual([2160]);
      expect(deployment.sentVideo(driver.participant())?.maxBitrateBps).toBe(300_000);
      await driver.setSendQuality({ maxVideoKbps: 100, maxVideoHeight: null });
      expect(mine('setSenderVideoConstraint').at(-1)).toEqual([180]);
      await driver.leave();
    });
  });
});
