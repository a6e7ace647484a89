/**
 * The behaviour every conference driver shares, as Jasmine specs: join and leave, the lobby
 * (knock → approve, deny), remote tracks, mute toggles, messages, screen sharing beside the
 * camera (camera and screen told apart by `source`, and by frame size with real media: the fake
 * screen is 16:9, the fake camera 4:3), and the media commands: mute at the source, camera
 * switch, the patient's camera asked for zoom, camera effects (a test effect painting a solid
 * colour, seen on the other side), send limits. Each driver's spec calls
 * `describeConferenceDriver` with an environment that makes one practitioner and one patient:
 * the jitsi driver against a scripted fake of lib-jitsi-meet (tests/fakes/lib-jitsi-meet.ts),
 * the p2p driver for real in two headless Chromium pages (tests/browser/p2p-driver.spec.ts).
 */
import type { ConferenceMessage, TrackSource } from './conference.ts';
import { describeMediaCommands } from './conference-behaviour-media.ts';
import {
  announcedTracks, CAMERA_AND_SCREEN, CAMERA_ONLY, enterCall, isObject, isVideo, waitForEvent, waitForTracks, WAIT_MS,
  type ConferenceEnvironment, type ConferenceEnvironmentFactory, type DriverHandle,
} from './conference-behaviour-support.ts';
import type { Json } from './event-log.ts';

export {
  enterCall, waitForEvent,
  type ConferenceEnvironment, type ConferenceEnvironmentFactory, type DriverHandle, type LocalTrackState, type RemotePicture, type SentVideo, type TestEffect,
} from './conference-behaviour-support.ts';

const isScreen = (payload: Json) => isObject(payload) && payload['source'] === 'screen';
const idOf = (payload: Json): string | null => (isObject(payload) && typeof payload['id'] === 'string' ? payload['id'] : null);
const TEST_TRACK = { width: 400, height: 400 };

/** The width/height ratio of the other side's `source` video, when the environment has real media. */
async function aspect(handle: DriverHandle, source: TrackSource): Promise<number | null> {
  if (!handle.remoteVideoSize) return null;
  const { width, height } = await handle.remoteVideoSize(source);
  return width / height;
}

/** Sends `message` from `from` until `to` logs it (a data channel may open just after the media). */
async function deliver(from: DriverHandle, to: DriverHandle, message: ConferenceMessage): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  const same = (payload: Json) => JSON.stringify(payload) === JSON.stringify(message);
  for (;;) {
    await from.send(message);
    try {
      await waitForEvent(to, 'message', same, 300);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
  }
}

/** The shared specs, run against the driver `name` in environments from `factory`. */
export function describeConferenceDriver(name: string, factory: ConferenceEnvironmentFactory): void {
  describe(`conference driver "${name}"`, () => {
    let env: ConferenceEnvironment;

    beforeAll(async () => {
      await factory.start?.();
    });
    afterAll(async () => {
      await factory.stop?.();
    });
    beforeEach(async () => {
      env = await factory.create();
    });
    afterEach(async () => {
      await env.close();
    });

    it('joins with local media and leaves cleanly', async () => {
      expect(await env.practitioner.hasLocalStream()).toBeFalse();
      await env.practitioner.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
      expect(await env.practitioner.hasLocalStream()).toBeTrue();
      await env.practitioner.leave();
      expect(await env.practitioner.hasLocalStream()).toBeFalse();
      const events = (await env.practitioner.events()).map((e) => e.event);
      expect(events).toContain('local-stream');
      const last = (await env.practitioner.events()).at(-1);
      expect(`${last?.event}:${String(last?.payload)}`).toBe('connection:disconnected');
      await env.practitioner.leave(); // twice is harmless
    });

    it('lets the patient in through the lobby: knock, knocking, approve, approved, then video both ways', async () => {
      await env.practitioner.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
      await env.patient.join({ role: 'patient', displayName: 'Camille M.' });
      expect((await env.practitioner.events()).map((e) => e.event)).not.toContain('remote-track-added');
      const knock = await enterCall(env);
      expect(knock.name).toBe('Camille M.');
      for (const side of [env.practitioner, env.patient]) {
        const kinds = (await side.events()).filter((e) => e.event === 'remote-track-added').map((e) => (isObject(e.payload) ? String(e.payload['kind']) : ''));
        expect(kinds).toContain('video');
        expect(kinds).toContain('audio');
        if (side.remoteVideoSize) {
          const size = await side.remoteVideoSize('camera');
          expect(size.width).toBeGreaterThan(0);
          expect(size.height).toBeGreaterThan(0);
        }
      }
      expect((await env.patient.events()).filter((e) => e.event === 'approved').length).toBe(1);
    });

    it('keeps a denied patient out', async () => {
      await env.practitioner.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
      await env.patient.join({ role: 'patient', displayName: 'Camille M.' });
      await env.patient.knock();
      const knock = await waitForEvent(env.practitioner, 'knocking');
      await env.practitioner.deny(isObject(knock) ? String(knock['id']) : '');
      await waitForEvent(env.patient, 'denied');
      const patientEvents = (await env.patient.events()).map((e) => e.event);
      expect(patientEvents).not.toContain('approved');
      expect(patientEvents).not.toContain('remote-track-added');
      expect((await env.practitioner.events()).map((e) => e.event)).not.toContain('remote-track-added');
    });

    it('toggles its own microphone and camera', async () => {
      await enterCall(env);
      expect(await env.patient.muted()).toEqual({ microphone: false, camera: false });
      await env.patient.setMicrophoneMuted(true);
      expect(await env.patient.muted()).toEqual({ microphone: true, camera: false });
      await env.patient.setCameraMuted(true);
      expect(await env.patient.muted()).toEqual({ microphone: true, camera: true });
      await env.patient.setMicrophoneMuted(false);
      await env.patient.setCameraMuted(false);
      expect(await env.patient.muted()).toEqual({ microphone: false, camera: false });
      expect(await env.practitioner.muted()).toEqual({ microphone: false, camera: false });
    });

    it('starts muted when asked at join', async () => {
      await env.patient.join({ role: 'patient', displayName: 'Camille M.', microphoneMuted: true, cameraMuted: false });
      expect(await env.patient.muted()).toEqual({ microphone: true, camera: false });
    });

    it('carries messages to the other side, both ways', async () => {
      await enterCall(env);
      await deliver(env.practitioner, env.patient, { type: 'hello', n: 1 });
      await deliver(env.patient, env.practitioner, { type: 'hello back', nested: { ok: true } });
      const received = (await env.practitioner.events()).filter((e) => e.event === 'message').map((e) => JSON.stringify(e.payload));
      expect(received).toContain(JSON.stringify({ type: 'hello back', nested: { ok: true } }));
    });

    it('tells the practitioner when the patient hangs up', async () => {
      await enterCall(env);
      await env.patient.leave();
      await waitForEvent(env.practitioner, 'remote-left');
      await waitForEvent(env.practitioner, 'remote-track-removed', isVideo);
    });

    describe('screen sharing', () => {
      it('sends the practitioner\'s screen beside the camera, and stopping leaves the camera', async () => {
        await enterCall(env);
        expect(await env.practitioner.startScreenShare()).toBeNull();
        expect(await env.practitioner.hasScreenStream()).toBeTrue();
        await waitForEvent(env.practitioner, 'screen-share', (on) => on === true);
        const screen = await waitForEvent(env.patient, 'remote-track-added', isScreen);
        await waitForTracks(env.patient, CAMERA_AND_SCREEN);
        const screenAspect = await aspect(env.patient, 'screen');
        const cameraAspect = await aspect(env.patient, 'camera');
        if (screenAspect !== null) expect(screenAspect).toBeCloseTo(16 / 9, 1);
        if (cameraAspect !== null) expect(cameraAspect).toBeCloseTo(4 / 3, 1);
        expect(await announcedTracks(env.practitioner)).toEqual(CAMERA_ONLY);

        await env.practitioner.stopScreenShare();
        const removed = await waitForEvent(env.patient, 'remote-track-removed', isScreen);
        expect(idOf(removed)).toBe(idOf(screen));
        await waitForTracks(env.patient, CAMERA_ONLY);
        await waitForEvent(env.practitioner, 'screen-share', (on) => on === false);
        expect(await env.practitioner.hasScreenStream()).toBeFalse();
        const cameraAfter = await aspect(env.patient, 'camera');
        if (cameraAfter !== null) expect(cameraAfter).toBeCloseTo(4 / 3, 1);
        // The camera never left the patient's side.
        const removedSources = (await env.patient.events()).filter((e) => e.event === 'remote-track-removed').map((e) => (isObject(e.payload) ? String(e.payload['source']) : ''));
        expect(removedSources).toEqual(['screen']);
      });

      it('sends a given track (a canvas capture) as the screen', async () => {
        await enterCall(env);
        expect(await env.practitioner.startScreenShare(TEST_TRACK)).toBeNull();
        await waitForTracks(env.patient, CAMERA_AND_SCREEN);
        const screenAspect = await aspect(env.patient, 'screen');
        if (screenAspect !== null) expect(screenAspect).toBeCloseTo(TEST_TRACK.width / TEST_TRACK.height, 1);
        await env.practitioner.stopScreenShare();
        await waitForTracks(env.patient, CAMERA_ONLY);
      });

      it('stops sharing when the browser ends the screen track (its own "Stop sharing")', async () => {
        await enterCall(env);
        expect(await env.practitioner.startScreenShare()).toBeNull();
        await waitForTracks(env.patient, CAMERA_AND_SCREEN);
        await env.practitioner.endScreenTrack();
        await waitForEvent(env.practitioner, 'screen-share', (on) => on === false);
        expect(await env.practitioner.hasScreenStream()).toBeFalse();
        await waitForTracks(env.patient, CAMERA_ONLY);
      });

      it('replaces a share with the next one: the old screen leaves, the new one arrives', async () => {
        await enterCall(env);
        expect(await env.practitioner.startScreenShare()).toBeNull();
        const first = await waitForEvent(env.patient, 'remote-track-added', isScreen);
        expect(await env.practitioner.startScreenShare(TEST_TRACK)).toBeNull();
        await waitForEvent(env.patient, 'remote-track-removed', (p) => isScreen(p) && idOf(p) === idOf(first));
        await waitForEvent(env.patient, 'remote-track-added', (p) => isScreen(p) && idOf(p) !== idOf(first));
        await waitForTracks(env.patient, CAMERA_AND_SCREEN);
        const screenAspect = await aspect(env.patient, 'screen');
        if (screenAspect !== null) expect(screenAspect).toBeCloseTo(TEST_TRACK.width / TEST_TRACK.height, 1);
        expect((await env.practitioner.events()).filter((e) => e.event === 'screen-share').map((e) => String(e.payload))).toEqual(['true', 'false', 'true']);
      });

      it('sends the screen again over a fresh connection (the patient\'s page reloads while it is shared)', async () => {
        if (!env.reloadPatient) {
          pending('this environment cannot reload the patient');
          return;
        }
        await enterCall(env);
        expect(await env.practitioner.startScreenShare()).toBeNull();
        await waitForTracks(env.patient, CAMERA_AND_SCREEN);
        const patient = await env.reloadPatient();
        await waitForTracks(patient, CAMERA_AND_SCREEN);
        const screenAspect = await aspect(patient, 'screen');
        if (screenAspect !== null) expect(screenAspect).toBeCloseTo(16 / 9, 1);
        await env.practitioner.stopScreenShare();
        await waitForTracks(patient, CAMERA_ONLY);
      });

      it('ends the share on leave', async () => {
        await enterCall(env);
        expect(await env.practitioner.startScreenShare()).toBeNull();
        await env.practitioner.leave();
        expect(await env.practitioner.hasScreenStream()).toBeFalse();
        const events = (await env.practitioner.events()).map((e) => `${e.event}:${String(e.payload)}`);
        expect(events).toContain('screen-share:false');
        expect(events.at(-1)).toBe('connection:disconnected');
      });

      it('refuses the patient\'s share (only the practitioner shares) and any share before join', async () => {
        expect(await env.practitioner.startScreenShare()).toBe('NOT_JOINED');
        await enterCall(env);
        expect(await env.patient.startScreenShare()).toBe('SCREEN_SHARE_PRACTITIONER_ONLY');
        expect(await env.patient.startScreenShare(TEST_TRACK)).toBe('SCREEN_SHARE_PRACTITIONER_ONLY');
        expect(await env.patient.hasScreenStream()).toBeFalse();
        expect((await env.patient.events()).map((e) => e.event)).not.toContain('screen-share');
      });
    });

    describeMediaCommands(() => env);

    it('lists cameras and microphones', async () => {
      await env.patient.join({ role: 'patient', displayName: 'Camille M.' });
      const kinds = (await env.patient.listDevices()).map((d) => d.kind);
      expect(kinds).toContain('camera');
      expect(kinds).toContain('microphone');
    });
  });
}
