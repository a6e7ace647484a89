/**
 * The shared specs of the media commands, run by {@link describeConferenceDriver} for each
 * driver: mute at the source, camera switch, the patient's camera asked for its zoom, camera
 * effects (a test effect painting a solid colour, seen on the other side), send limits. Where
 * media is real, what the other side receives is measured; in the jitsi fake, it is what the
 * fake sends.
 */
import type { MediaDevice, MediaKind, SendQuality } from './conference.ts';
import {
  announcedTracks, CAMERA_ONLY, enterCall, eventually, waitForTracks,
  type ConferenceEnvironment, type DriverHandle, type LocalTrackState, type RemotePicture, type SentVideo,
} from './conference-behaviour-support.ts';

/** The local track of `kind`, if any. */
async function localTrack(handle: DriverHandle, kind: MediaKind): Promise<LocalTrackState | null> {
  return (await handle.localTracks()).find((t) => t.kind === kind) ?? null;
}

/** Muted at the source: the track disabled, ended, or gone (lib-jitsi-meet closes a muted camera). */
const offAtSource = (track: LocalTrackState | null) => track === null || !track.enabled || !track.live;
const onAtSource = (track: LocalTrackState | null) => track !== null && track.enabled && track.live;
const noPicture = (picture: RemotePicture) => picture === 'black' || picture === 'none';

/** The test effects running now (started and not stopped since), sorted. */
function runningEffects(calls: string[]): string[] {
  const running = new Set<string>();
  for (const call of calls) {
    const [what, colour] = call.split(':');
    if (what === 'start' && colour) running.add(colour);
    if (what === 'stop' && colour) running.delete(colour);
  }
  return [...running].sort();
}

/** A camera of `handle` other than its current one whose frames the other side gets. */
async function otherCamera(env: ConferenceEnvironment, handle: DriverHandle): Promise<MediaDevice> {
  const current = (await localTrack(handle, 'video'))?.deviceId;
  const camera = (await handle.listDevices()).find((d) => d.kind === 'camera' && d.id !== current && (env.sendsFrames?.(d) ?? true));
  if (!camera) throw new Error('this environment offers no second camera');
  return camera;
}

const NO_LIMITS: SendQuality = { maxVideoKbps: null, maxVideoHeight: null };
const CAP_KBPS = 150;
const CAP_HEIGHT = 240;
const MEASURE_MS = 3000;
/** Unlimited as a number, to compare caps. */
const capOf = (sent: SentVideo | null) => sent?.maxBitrateBps ?? Number.POSITIVE_INFINITY;

/** The media-command specs; `envOf` gives the environment the enclosing suite made for the spec. */
export function describeMediaCommands(envOf: () => ConferenceEnvironment): void {
  describe('media commands', () => {
    let env: ConferenceEnvironment;
    beforeEach(() => {
      env = envOf();
    });

    it('turns the microphone and the camera off at the source, and back on', async () => {
      await enterCall(env);
      expect(onAtSource(await localTrack(env.patient, 'audio'))).toBeTrue();
      await eventually(() => env.practitioner.remoteSound(), (on) => on, 'the patient heard');
      await eventually(() => env.practitioner.remotePicture(), (p) => p === 'camera', 'the patient\'s camera seen');

      await env.patient.setMicrophoneMuted(true);
      expect(offAtSource(await localTrack(env.patient, 'audio'))).toBeTrue();
      await eventually(() => env.practitioner.remoteSound(), (on) => !on, 'silence from the muted microphone');
      await env.patient.setCameraMuted(true);
      expect(offAtSource(await localTrack(env.patient, 'video'))).toBeTrue();
      await eventually(() => env.practitioner.remotePicture(), noPicture, 'no picture from the camera turned off');

      await env.patient.setMicrophoneMuted(false);
      await env.patient.setCameraMuted(false);
      expect(onAtSource(await localTrack(env.patient, 'audio'))).toBeTrue();
      expect(onAtSource(await localTrack(env.patient, 'video'))).toBeTrue();
      await eventually(() => env.practitioner.remoteSound(), (on) => on, 'the microphone heard again');
      await eventually(() => env.practitioner.remotePicture(), (p) => p === 'camera', 'the camera seen again');
      expect(await announcedTracks(env.practitioner)).toEqual(CAMERA_ONLY);
    });

    it('switches to another listed camera: the local camera changes, the other side keeps its video', async () => {
      await enterCall(env);
      const camera = await otherCamera(env, env.patient);
      await env.patient.switchCamera(camera.id);
      const video = await localTrack(env.patient, 'video');
      expect(video?.deviceId).toBe(camera.id);
      expect(onAtSource(video)).toBeTrue();
      expect((await env.patient.localTracks()).map((t) => t.kind).sort()).toEqual(['audio', 'video']);
      await eventually(() => env.practitioner.remotePicture(), (p) => p === 'camera', 'the new camera seen');
      // The same remote video track goes on: nothing was removed on the practitioner's side.
      expect((await env.practitioner.events()).map((e) => e.event)).not.toContain('remote-track-removed');
      expect(await announcedTracks(env.practitioner)).toEqual(CAMERA_ONLY);
    });

    it('opens the patient\'s camera asking for its zoom, on join and on a camera switch; the practitioner\'s without', async () => {
      await enterCall(env);
      expect((await localTrack(env.patient, 'video'))?.askedZoom).toBeTrue();
      expect((await localTrack(env.practitioner, 'video'))?.askedZoom).toBeFalse();
      await env.patient.switchCamera((await otherCamera(env, env.patient)).id);
      expect((await localTrack(env.patient, 'video'))?.askedZoom).toBeTrue();
      await env.practitioner.switchCamera((await otherCamera(env, env.practitioner)).id);
      expect((await localTrack(env.practitioner, 'video'))?.askedZoom).toBeFalse();
    });

    it('opens the patient\'s camera without zoom when the browser refuses it with zoom', async () => {
      if (!env.refuseCameraZoom) {
        pending('this environment cannot refuse the zoom');
        return;
      }
      await env.refuseCameraZoom();
      await env.patient.join({ role: 'patient', displayName: 'Camille M.' });
      const video = await localTrack(env.patient, 'video');
      expect(onAtSource(video)).toBeTrue();
      expect(video?.askedZoom).toBeFalse();
    });

    it('sends the camera through an effect (the other side sees its picture), and null brings the camera back', async () => {
      await enterCall(env);
      const camera = (await localTrack(env.patient, 'video'))?.deviceId;
      expect(await env.patient.setCameraEffect('magenta')).toBeNull();
      expect(await env.patient.effectCalls()).toEqual([`start:magenta:${camera}`]);
      await eventually(() => env.practitioner.remotePicture(), (p) => p === 'solid:magenta', 'the effect\'s picture seen');
      // The self view holds the effect's picture beside the microphone: one track of each.
      expect((await env.patient.localTracks()).map((t) => t.kind).sort()).toEqual(['audio', 'video']);
      expect((await localTrack(env.patient, 'video'))?.deviceId).not.toBe(camera);

      expect(await env.patient.setCameraEffect(null)).toBeNull();
      expect(runningEffects(await env.patient.effectCalls())).toEqual([]);
      await eventually(() => env.practitioner.remotePicture(), (p) => p === 'camera', 'the camera seen again');
      expect((await localTrack(env.patient, 'video'))?.deviceId).toBe(camera);
      expect(await announcedTracks(env.practitioner)).toEqual(CAMERA_ONLY);
    });

    it('replaces an effect (the first one stopped) and keeps it over a camera switch and the camera turned off and on', async () => {
      await enterCall(env);
      expect(await env.patient.setCameraEffect('magenta')).toBeNull();
      expect(await env.patient.setCameraEffect('cyan')).toBeNull();
      expect(runningEffects(await env.patient.effectCalls())).toEqual(['cyan']);
      await eventually(() => env.practitioner.remotePicture(), (p) => p === 'solid:cyan', 'the second effect seen');

      const camera = await otherCamera(env, env.patient);
      await env.patient.switchCamera(camera.id);
      const calls = await env.patient.effectCalls();
      expect(calls.at(-1)).toBe(`start:cyan:${camera.id}`);
      expect(runningEffects(calls)).toEqual(['cyan']);
      await eventually(() => env.practitioner.remotePicture(), (p) => p === 'solid:cyan', 'the effect on the new camera seen');

      await env.patient.setCameraMuted(true);
      await eventually(() => env.practitioner.remotePicture(), noPicture, 'no picture from the camera turned off');
      await env.patient.setCameraMuted(false);
      await eventually(() => env.practitioner.remotePicture(), (p) => p === 'solid:cyan', 'the effect seen again');
      expect(runningEffects(await env.patient.effectCalls())).toEqual(['cyan']);
    });

    it('applies an effect set before the join, and stops it on leave', async () => {
      expect(await env.patient.setCameraEffect('magenta')).toBeNull();
      expect(await env.patient.effectCalls()).toEqual([]);
      await enterCall(env);
      expect(runningEffects(await env.patient.effectCalls())).toEqual(['magenta']);
      await eventually(() => env.practitioner.remotePicture(), (p) => p === 'solid:magenta', 'the effect\'s picture seen');
      await env.patient.leave();
      expect(runningEffects(await env.patient.effectCalls())).toEqual([]);
    });

    it('says CAMERA_EFFECT_FAILED for an effect that fails to start, and sends the camera as it is', async () => {
      await enterCall(env);
      expect(await env.patient.setCameraEffect('broken')).toBe('CAMERA_EFFECT_FAILED');
      expect(runningEffects(await env.patient.effectCalls())).toEqual([]);
      await eventually(() => env.practitioner.remotePicture(), (p) => p === 'camera', 'the camera seen');
      expect(onAtSource(await localTrack(env.patient, 'video'))).toBeTrue();
    });

    it('caps the camera video it sends, set before the join', async () => {
      await env.practitioner.setSendQuality({ maxVideoKbps: CAP_KBPS, maxVideoHeight: null });
      await enterCall(env);
      const sent = await env.practitioner.sentVideo();
      expect(sent).not.toBeNull();
      expect(capOf(sent)).toBeLessThanOrEqual(CAP_KBPS * 1000);
      if (env.patient.remoteVideoKbps) {
        await eventually(() => env.patient.remotePicture(), (p) => p === 'camera', 'the practitioner\'s camera seen');
        expect(await env.patient.remoteVideoKbps(MEASURE_MS)).toBeLessThan(CAP_KBPS * 1.3);
      }
    });

    it('lowers the camera video it sends during the call, over a reload of the other side and a camera switch, and clears', async () => {
      await enterCall(env);
      const before = await env.practitioner.sentVideo();
      expect(before).not.toBeNull();
      const measure = env.patient.remoteVideoKbps?.bind(env.patient);
      // Real media: the rate of the camera before the cap, once the sender has ramped up to well
      // above the cap (its bandwidth estimate starts low, and climbs slowly on a loaded machine).
      if (measure) await eventually(() => env.patient.remotePicture(), (p) => p === 'camera', 'the camera seen');
      const uncapped = measure ? await eventually(() => measure(MEASURE_MS), (kbps) => kbps > CAP_KBPS * 2, `the camera's free rate above ${CAP_KBPS * 2} kbit/s`, 60_000) : null;

      await env.practitioner.setSendQuality({ maxVideoKbps: CAP_KBPS, maxVideoHeight: null });
      const capped = await env.practitioner.sentVideo();
      expect(capOf(capped)).toBeLessThan(capOf(before));
      if (measure && uncapped !== null) {
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const rate = await measure(MEASURE_MS);
        expect(rate).toBeLessThan(CAP_KBPS * 1.3);
        expect(rate).toBeLessThan(uncapped * 0.6);
      }

      let patient = env.patient;
      if (env.reloadPatient) {
        patient = await env.reloadPatient();
        await waitForTracks(patient, CAMERA_ONLY);
        await eventually(() => env.practitioner.sentVideo(), (sent) => sent !== null, 'the camera sent to the reloaded patient');
        expect(capOf(await env.practitioner.sentVideo())).toBe(capOf(capped));
      }
      await env.practitioner.switchCamera((await otherCamera(env, env.practitioner)).id);
      expect(capOf(await env.practitioner.sentVideo())).toBe(capOf(capped));
      await eventually(() => patient.remotePicture(), (p) => p === 'camera', 'the new camera seen');

      await env.practitioner.setSendQuality(NO_LIMITS);
      expect(await env.practitioner.sentVideo()).toEqual(before);
    });

    it('sends the camera at most as high as asked, and at its own height again once cleared', async () => {
      await enterCall(env);
      const before = await env.practitioner.sentVideo();
      expect(before?.height).toBeGreaterThan(CAP_HEIGHT);
      await env.practitioner.setSendQuality({ maxVideoKbps: null, maxVideoHeight: CAP_HEIGHT });
      expect((await env.practitioner.sentVideo())?.height).toBeLessThanOrEqual(CAP_HEIGHT);
      const size = env.patient.remoteVideoSize?.bind(env.patient);
      if (size) await eventually(() => size('camera'), ({ height }) => height <= CAP_HEIGHT, 'the smaller picture received');
      await env.practitioner.setSendQuality(NO_LIMITS);
      expect(await env.practitioner.sentVideo()).toEqual(before);
      // Above the cap again; the browser's own adaptation may hold it below the camera's height for a while.
      if (size) await eventually(() => size('camera'), ({ height }) => height > CAP_HEIGHT, 'a larger picture received again');
    });
  });
}
