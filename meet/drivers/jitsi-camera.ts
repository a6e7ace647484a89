/**
 * The camera as the jitsi driver opens and sends it through lib-jitsi-meet: the patient's camera
 * asked for its zoom (the `constraints` option of `createLocalTracks`), and our
 * {@link CameraEffect} as the library's stream effect (`JitsiLocalTrack.setEffect`).
 */
import { ConferenceError, type CameraEffect, type ConferenceRole } from './conference.ts';
import type { JitsiCreateTracksOptions, JitsiMeetJSGlobal, JitsiStreamEffect, JitsiTrack } from './jitsi-types.ts';

/**
 * Local tracks for `request`; the patient's camera asks for its zoom. Chromium exposes a
 * camera's zoom only to a page that asked for it when opening the camera
 * (https://developer.chrome.com/blog/camera-pan-tilt-zoom); lib-jitsi-meet takes extra
 * getUserMedia constraints as `constraints.video`, adds its own size and frame rate to them
 * (RTCUtils.js getConstraints) and opens a muted camera again with them (JitsiLocalTrack.ts
 * `_constraints`). A browser that refuses the camera when asked for zoom (JitsiTrackError
 * CONSTRAINT_FAILED, PERMISSION_DENIED or GENERAL) gets a second request without it.
 */
export async function createCameraTracks(lib: JitsiMeetJSGlobal, role: ConferenceRole, request: JitsiCreateTracksOptions): Promise<JitsiTrack[]> {
  if (role !== 'patient' || !request.devices.includes('video')) return lib.createLocalTracks(request);
  try {
    return await lib.createLocalTracks({ ...request, constraints: { video: { zoom: true } as MediaTrackConstraints } });
  } catch (error) {
    const { CONSTRAINT_FAILED, PERMISSION_DENIED, GENERAL } = lib.errors.track;
    if (!(error instanceof Error) || ![CONSTRAINT_FAILED, PERMISSION_DENIED, GENERAL].includes(error.name)) throw error;
    return lib.createLocalTracks(request);
  }
}

/** Our effect as the library's, for one camera track; `failure` holds why its last start failed. */
export interface CameraStreamEffect extends JitsiStreamEffect {
  readonly failed: boolean;
  readonly failure: unknown;
}

/** Which adapter runs each effect: an effect runs on one camera track at a time. */
const running = new WeakMap<CameraEffect, CameraStreamEffect>();

/**
 * `effect` as a lib-jitsi-meet stream effect for one camera track. Starting it on a new camera
 * (a switch) first stops it where it ran; stopping an adapter that no longer runs it does
 * nothing. A start that fails hands the library the camera's own stream back (the library then
 * sends the camera as it is) and says so in `failure`; the driver then removes the effect.
 */
export function cameraStreamEffect(effect: CameraEffect): CameraStreamEffect {
  const adapter = {
    failed: false,
    failure: undefined as unknown,
    // As the library's own camera effects do: cameras only, never a shared screen.
    isEnabled: (track: JitsiTrack) => track.getType() === 'video' && track.getVideoType?.() === 'camera',
    startEffect(stream: MediaStream): MediaStream {
      const other = running.get(effect);
      if (other && other !== adapter) other.stopEffect();
      adapter.failed = false;
      adapter.failure = undefined;
      try {
        const output = effect.start(stream);
        const track = output.getVideoTracks()[0];
        if (!track || track.readyState !== 'live') throw new Error('The effect gave no live video track');
        running.set(effect, adapter);
        return output;
      } catch (cause) {
        adapter.failed = true;
        adapter.failure = cause;
        stopQuietly(effect);
        return stream;
      }
    },
    stopEffect(): void {
      if (running.get(effect) !== adapter) return;
      running.delete(effect);
      stopQuietly(effect);
    },
  };
  return adapter;
}

/**
 * Runs `effect` on the camera track `camera` (null: none), the library's way. Rejects with
 * `CAMERA_EFFECT_FAILED` when the library has no `setEffect`, refuses it, or the effect fails to
 * start (then removed: the camera is sent as it is). Resolves with the adapter in use.
 */
export async function applyCameraEffect(camera: JitsiTrack, effect: CameraEffect | null): Promise<CameraStreamEffect | null> {
  if (!camera.setEffect) {
    if (effect) throw new ConferenceError('CAMERA_EFFECT_FAILED', 'This Jitsi deployment\'s library has no JitsiLocalTrack.setEffect');
    return null;
  }
  const adapter = effect ? cameraStreamEffect(effect) : null;
  try {
    await camera.setEffect(adapter ?? undefined);
  } catch (cause) {
    throw new ConferenceError('CAMERA_EFFECT_FAILED', 'The library refused the camera effect', { cause });
  }
  if (adapter?.failed) {
    await removeFailedEffect(camera);
    throw new ConferenceError('CAMERA_EFFECT_FAILED', 'The camera effect did not start', { cause: adapter.failure });
  }
  return adapter;
}

/** Takes a failed effect off `camera` (its start handed the camera back: the library still counts it as on). */
export async function removeFailedEffect(camera: JitsiTrack): Promise<void> {
  await camera.setEffect?.(undefined).catch(() => undefined);
}

/** Stops an effect; an effect that throws on stop is done anyway. */
function stopQuietly(effect: CameraEffect): void {
  try {
    effect.stop();
  } catch (error) {
    console.warn('camera effect failed to stop', error instanceof Error ? error.name : 'error');
  }
}
