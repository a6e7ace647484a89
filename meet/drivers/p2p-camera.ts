/**
 * The camera as the p2p driver opens and sends it: the camera's own track (asked for its zoom
 * on the patient's side), the effect that remakes its picture ({@link CameraEffect}), and the
 * limits on its encoding ({@link SendQuality}), kept on whichever RTCRtpSender carries it (a new
 * one with every peer connection).
 *
 * The limits go on the sender, not on the camera: the encoding's `maxBitrate` for the cap and
 * its `scaleResolutionDownBy` for the height
 * (https://w3c.github.io/webrtc-pc/#dom-rtcrtpencodingparameters). So the camera keeps its
 * resolution for the self view, photos and its zoom, and the page's own `applyConstraints` on
 * the camera (the patient's zoom) cannot undo them.
 */
import { ConferenceError, type CameraEffect, type ConferenceRole, type SendQuality } from './conference.ts';

/** No limits: the browser's own adaptation. */
export const NO_LIMITS: SendQuality = { maxVideoKbps: null, maxVideoHeight: null };

/** A device id as a getUserMedia constraint; the browser's default when absent. */
export function deviceConstraint(id: string | undefined): MediaTrackConstraints | boolean {
  return id ? { deviceId: { exact: id } } : true;
}

/**
 * The patient's camera, with its own zoom where the browser lets the practitioner use it:
 * Chromium exposes a camera's zoom only to a page that asked for it when opening the camera
 * (https://developer.chrome.com/blog/camera-pan-tilt-zoom). A browser that refuses the camera
 * when asked for zoom (some reject the unknown constraint, or the permission) gets a second
 * request without it.
 */
export async function openCamera(devices: MediaDevices, role: ConferenceRole, constraints: { audio?: MediaTrackConstraints | boolean; video: MediaTrackConstraints | boolean }): Promise<MediaStream> {
  if (role !== 'patient') return devices.getUserMedia(constraints);
  const video = { ...(typeof constraints.video === 'object' ? constraints.video : {}), zoom: true } as MediaTrackConstraints;
  try {
    return await devices.getUserMedia({ ...constraints, video });
  } catch (error) {
    if (!(error instanceof Error) || !['OverconstrainedError', 'NotAllowedError', 'NotReadableError', 'TypeError'].includes(error.name)) throw error;
    return devices.getUserMedia(constraints);
  }
}

/** The factor that brings `track`'s height down to `maxHeight` (1: no scaling). */
function scaleFor(track: MediaStreamTrack, maxHeight: number | null): number {
  const height = track.getSettings().height;
  if (maxHeight === null || maxHeight <= 0 || !height || height <= maxHeight) return 1;
  return height / maxHeight;
}

/**
 * The camera the p2p driver sends. One per driver; the settings (effect, quality) outlive the
 * camera, so that a later `join()` or a new camera gets them again.
 */
export class SentCamera {
  /** The camera's own track. */
  private raw: MediaStreamTrack | null = null;
  private effect: CameraEffect | null = null;
  /** The effect's output while it runs on `raw`. */
  private output: MediaStreamTrack | null = null;
  private muted = false;
  private quality: SendQuality = NO_LIMITS;
  private sender: RTCRtpSender | null = null;
  /** Encoding updates, one at a time: `setParameters` needs the `getParameters` just before it. */
  private encoding: Promise<void> = Promise.resolve();

  /** The track to send and to show in the self view: the effect's output, else the camera's own; null without a camera. */
  track(): MediaStreamTrack | null {
    return this.output ?? this.raw;
  }

  /**
   * Takes `raw` as the camera; the one before is stopped once the sender carries the new one.
   * The effect, if any, restarts on it; if it fails there, the camera is sent as it is and this
   * rejects with `CAMERA_EFFECT_FAILED`.
   */
  async useCamera(raw: MediaStreamTrack): Promise<void> {
    const old = this.raw;
    // The same effect cannot run twice at once: off the old camera before it starts on the new one.
    this.endEffect();
    this.raw = raw;
    const failure = this.startEffect();
    this.applyMute();
    await this.send();
    if (old !== raw) old?.stop();
    if (failure) throw failure;
  }

  /**
   * Sends the camera through `effect` (null: as it is). The effect replaced is stopped once the
   * sender carries the new picture. Without a camera yet, the effect waits for one.
   */
  async setEffect(effect: CameraEffect | null): Promise<void> {
    if (effect === this.effect) return;
    const previous = this.output ? this.effect : null;
    this.effect = effect;
    this.output = null;
    const failure = this.startEffect();
    this.applyMute();
    await this.send();
    stopQuietly(previous);
    if (failure) throw failure;
  }

  /** Turns the camera off or on at the source: the camera's track and the effect's output (which then sends black). */
  setMuted(muted: boolean): void {
    this.muted = muted;
    this.applyMute();
  }

  /** Applies `quality` to the sender, now and on every sender to come. */
  setQuality(quality: SendQuality): Promise<void> {
    this.quality = { maxVideoKbps: quality.maxVideoKbps, maxVideoHeight: quality.maxVideoHeight };
    return this.applyEncoding();
  }

  /** The sender of a new peer connection (null: the peer connection closed); the limits go on it. */
  attach(sender: RTCRtpSender | null): void {
    this.sender = sender;
    void this.applyEncoding();
  }

  /** Writes the limits again (after a negotiation: some browsers give a sender its encodings only then). */
  reapply(): void {
    void this.applyEncoding();
  }

  /** Stops the effect and the camera (leaving the call); the effect and the limits stay set for a later camera. */
  stop(): void {
    this.endEffect();
    this.raw?.stop();
    this.raw = null;
    this.sender = null;
  }

  /** Starts the effect on the camera; on failure drops it and returns the error (the camera is then sent as it is). */
  private startEffect(): ConferenceError | null {
    const { effect, raw } = this;
    if (!effect || !raw) return null;
    try {
      const track = effect.start(new MediaStream([raw])).getVideoTracks()[0];
      if (!track || track.readyState !== 'live') throw new Error('The effect gave no live video track');
      this.output = track;
      return null;
    } catch (cause) {
      stopQuietly(effect);
      this.effect = null;
      this.output = null;
      return new ConferenceError('CAMERA_EFFECT_FAILED', 'The camera effect did not start', { cause });
    }
  }

  /** Stops the effect where it runs; it stays set. */
  private endEffect(): void {
    if (this.output) stopQuietly(this.effect);
    this.output = null;
  }

  private applyMute(): void {
    for (const track of [this.raw, this.output]) if (track) track.enabled = !this.muted;
  }

  /** Puts the current track on the sender, then the limits (its height may differ). */
  private async send(): Promise<void> {
    const track = this.track();
    if (this.sender && this.sender.track !== track) await this.sender.replaceTrack(track);
    await this.applyEncoding();
  }

  private applyEncoding(): Promise<void> {
    this.encoding = this.encoding.then(() => this.writeEncoding()).catch((error: unknown) => {
      console.warn('p2p camera limits not applied', error instanceof Error ? error.name : 'error');
    });
    return this.encoding;
  }

  private async writeEncoding(): Promise<void> {
    const { sender } = this;
    const track = this.track();
    if (!sender || !track) return;
    const parameters = sender.getParameters();
    const [encoding] = parameters.encodings;
    if (!encoding) return; // not negotiated yet: `reapply()` follows
    const { maxVideoKbps } = this.quality;
    if (maxVideoKbps !== null && maxVideoKbps > 0) encoding.maxBitrate = Math.round(maxVideoKbps * 1000);
    else delete encoding.maxBitrate;
    encoding.scaleResolutionDownBy = scaleFor(track, this.quality.maxVideoHeight);
    await sender.setParameters(parameters);
  }
}

/** Stops an effect; an effect that throws on stop is done anyway. */
function stopQuietly(effect: CameraEffect | null): void {
  try {
    effect?.stop();
  } catch (error) {
    console.warn('camera effect failed to stop', error instanceof Error ? error.name : 'error');
  }
}
