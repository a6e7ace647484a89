/**
 * What the p2p driver's test page reads of the media, from the browser itself: the peer
 * connections the driver makes (watched at construction), the pictures and sound received,
 * the statistics of what arrives, and a test camera effect painting a solid colour. Also a
 * MediaDevices that can refuse a camera asked for zoom, as some browsers do.
 */
import type { CameraEffect } from '../../../meet/drivers/conference.ts';
import type { RemotePicture, TestEffect } from '../../../meet/drivers/conference-behaviour.ts';

const peers: RTCPeerConnection[] = [];

/** Keeps every RTCPeerConnection the page makes from now on (the driver makes its own with `new RTCPeerConnection`). */
export function watchPeerConnections(): void {
  const Native = window.RTCPeerConnection;
  class Watched extends Native {
    constructor(configuration?: RTCConfiguration) {
      super(configuration);
      peers.push(this);
    }
  }
  window.RTCPeerConnection = Watched;
}

/** The latest peer connection not closed. */
export function currentPeer(): RTCPeerConnection | null {
  return peers.filter((pc) => pc.signalingState !== 'closed').at(-1) ?? null;
}

/** `navigator.mediaDevices` through which getUserMedia can refuse a camera asked for zoom (OverconstrainedError on `zoom`). */
export function trackedMediaDevices(): { mediaDevices: MediaDevices; refuseZoom(): void } {
  const real = navigator.mediaDevices;
  let refuse = false;
  const mediaDevices = {
    getUserMedia(constraints?: MediaStreamConstraints): Promise<MediaStream> {
      const video = constraints?.video;
      if (refuse && typeof video === 'object' && 'zoom' in video) {
        return Promise.reject(new DOMException('zoom cannot be satisfied', 'OverconstrainedError'));
      }
      return real.getUserMedia(constraints);
    },
    enumerateDevices: () => real.enumerateDevices(),
    getDisplayMedia: (options?: DisplayMediaStreamOptions) => real.getDisplayMedia(options),
  } as MediaDevices;
  return { mediaDevices, refuseZoom: () => { refuse = true; } };
}

const COLOURS: Record<Exclude<TestEffect, 'broken'>, [number, number, number]> = { magenta: [255, 0, 255], cyan: [0, 255, 255] };

/** A test effect: a canvas of the camera's size painted `colour` (`broken`: its start throws); its calls go to `calls`. */
export function colourEffect(colour: TestEffect, calls: string[]): CameraEffect {
  let output: MediaStreamTrack | null = null;
  let timer = 0;
  return {
    start(camera) {
      const settings = camera.getVideoTracks()[0]?.getSettings() ?? {};
      calls.push(`start:${colour}:${settings.deviceId}`);
      if (colour === 'broken') throw new Error('the effect cannot start');
      const canvas = document.createElement('canvas');
      canvas.width = settings.width ?? 640;
      canvas.height = settings.height ?? 480;
      const context = canvas.getContext('2d');
      output = canvas.captureStream(15).getVideoTracks()[0] ?? null;
      if (!context || !output) throw new Error('no canvas capture');
      const [r, g, b] = COLOURS[colour];
      // Redrawn, so that frames keep coming.
      timer = window.setInterval(() => {
        context.fillStyle = `rgb(${r}, ${g}, ${b})`;
        context.fillRect(0, 0, canvas.width, canvas.height);
      }, 60);
      return new MediaStream([output]);
    },
    stop() {
      calls.push(`stop:${colour}`);
      window.clearInterval(timer);
      output?.stop();
    },
  };
}

/**
 * What `video` shows, from a frame that arrives within two seconds: `none` without one, else by
 * its pixels: uniform and dark is `black`, uniform and near a test colour is that colour, anything
 * else is the camera (Chromium's fake camera draws a moving pattern).
 */
export async function pictureOf(video: HTMLVideoElement): Promise<RemotePicture> {
  const fresh = await Promise.race([
    new Promise<boolean>((resolve) => video.requestVideoFrameCallback(() => resolve(true))),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 2000)),
  ]);
  if (!fresh || video.videoWidth === 0) return 'none';
  const canvas = document.createElement('canvas');
  canvas.width = 64;
  canvas.height = 48;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return 'none';
  context.drawImage(video, 0, 0, canvas.width, canvas.height);
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  const pixels = data.length / 4;
  const mean = [0, 0, 0];
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) mean[c]! += data[i + c]! / pixels;
  let spread = 0;
  for (let i = 0; i < data.length; i += 4) for (let c = 0; c < 3; c++) spread += (data[i + c]! - mean[c]!) ** 2;
  spread = Math.sqrt(spread / pixels / 3);
  if (spread > 8) return 'camera';
  if (Math.max(...mean) < 24) return 'black';
  for (const [name, colour] of Object.entries(COLOURS)) {
    if (colour.every((v, c) => Math.abs(v - mean[c]!) < 40)) return `solid:${name as keyof typeof COLOURS}`;
  }
  return 'solid:other';
}

/** The sum of an inbound statistic of `kind` on the current peer connection (of one receiver's track, when given). */
async function inbound(kind: 'audio' | 'video', field: 'bytesReceived' | 'totalAudioEnergy', track: MediaStreamTrack | null = null): Promise<number> {
  const pc = currentPeer();
  if (!pc) return 0;
  const receiver = track ? pc.getReceivers().find((r) => r.track === track) : null;
  const report = receiver ? await receiver.getStats() : await pc.getStats();
  let total = 0;
  report.forEach((stat: { type?: string; kind?: string } & Record<string, unknown>) => {
    if (stat.type === 'inbound-rtp' && stat.kind === kind && typeof stat[field] === 'number') total += stat[field];
  });
  return total;
}

/** Whether the other side's sound arrives: the energy of the audio received grows over a second (it stays put on silence). */
export async function soundArrives(): Promise<boolean> {
  const before = await inbound('audio', 'totalAudioEnergy');
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return (await inbound('audio', 'totalAudioEnergy')) - before > 0.01;
}

/** The bit rate of `track` as received over `ms`, kbit/s. */
export async function receivedKbps(track: MediaStreamTrack | null, ms: number): Promise<number> {
  const before = await inbound('video', 'bytesReceived', track);
  await new Promise((resolve) => setTimeout(resolve, ms));
  return ((await inbound('video', 'bytesReceived', track)) - before) * 8 / ms;
}
