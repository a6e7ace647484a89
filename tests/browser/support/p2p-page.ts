/**
 * The page side of the p2p driver's browser specs (bundled with esbuild): a p2p driver whose
 * live socket is a function exposed by the Node spec (`tcRelay`), which answers through
 * `tcDeliver`. Node drives the driver through `window.tc`. The other side's camera plays in
 * `#remote-camera` (its sound in `#remote-sound`, so that the browser decodes it), its shared
 * screen in `#remote-screen`. What the page reads of the media (see p2p-media.ts) comes from
 * the browser itself: the peer connections the driver makes, their senders and statistics,
 * the pictures played.
 */
import type { ClientMessage, ServerMessage } from '#protocol/live';
import { ConferenceError, type ConferenceDriver, type TrackSource } from '../../../meet/drivers/conference.ts';
import type { LocalTrackState, RemotePicture, SentVideo, TestEffect } from '../../../meet/drivers/conference-behaviour.ts';
import { logConferenceEvents, type LoggedEvent } from '../../../meet/drivers/event-log.ts';
import { createP2pDriver } from '../../../meet/drivers/p2p.ts';
import { livePorts } from '../../../meet/drivers/ports.ts';
import { colourEffect, currentPeer, pictureOf, receivedKbps, soundArrives, trackedMediaDevices, watchPeerConnections } from './p2p-media.ts';

/** What the page offers Node besides the driver. */
export interface P2pPageControls {
  driver: ConferenceDriver;
  log: LoggedEvent[];
  /** Shares the screen, or a canvas capture of `testTrack`'s size; null, or the ConferenceError's code. */
  shareScreen(testTrack?: { width: number; height: number }): Promise<string | null>;
  /** Does what the browser's own "Stop sharing" does to the shared track. */
  endScreenTrack(): void;
  /** From now on getUserMedia refuses a camera asked for zoom, as some browsers do (OverconstrainedError). */
  refuseCameraZoom(): void;
  localTracks(): LocalTrackState[];
  /** Sets a new test effect (null: none); null, or the ConferenceError's code. */
  setCameraEffect(effect: TestEffect | null): Promise<string | null>;
  effectCalls: string[];
  /** The camera video the driver's current peer connection sends: its sender's encoding. */
  sentVideo(): SentVideo | null;
  remotePicture(): Promise<RemotePicture>;
  remoteSound(): Promise<boolean>;
  remoteVideoKbps(ms: number): Promise<number>;
}

/** What the page adds to `window`. */
export interface P2pPageGlobals {
  tcRelay(json: string): Promise<void>;
  tcDeliver(json: string): void;
  tcStart(peerName: string): void;
  tc?: P2pPageControls;
}

const page = window as unknown as P2pPageGlobals;
const handlers = new Set<(message: ServerMessage) => void>();

page.tcDeliver = (json) => {
  const message = JSON.parse(json) as ServerMessage;
  for (const handler of [...handlers]) handler(message);
};

/** A live canvas capture: the canvas is redrawn so that frames keep coming. */
function canvasTrack(width: number, height: number): MediaStreamTrack {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  const track = canvas.captureStream(15).getVideoTracks()[0];
  if (!context || !track) throw new Error('no canvas capture');
  let frame = 0;
  const timer = setInterval(() => {
    if (track.readyState === 'ended') clearInterval(timer);
    context.fillStyle = frame++ % 2 ? '#2a6' : '#26a';
    context.fillRect(0, 0, width, height);
  }, 60);
  return track;
}

watchPeerConnections();

page.tcStart = (peerName) => {
  const ports = livePorts({
    send: (message: ClientMessage) => void page.tcRelay(JSON.stringify(message)),
    onMessage(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  });
  const devices = trackedMediaDevices();
  const driver = createP2pDriver({ ...ports, iceServers: [], peerName, mediaDevices: devices.mediaDevices });
  const log = logConferenceEvents(driver);
  const video = (source: TrackSource) => document.getElementById(`remote-${source}`) as HTMLVideoElement;
  const sound = document.getElementById('remote-sound') as HTMLAudioElement;
  // What each element shows: a track that leaves clears it only if it is still the one shown
  // (the next screen may arrive before the last one leaves, in the same stream).
  const shown = new Map<string, unknown>();
  driver.on('remote-track-added', (track) => {
    if (track.kind === 'video') {
      shown.set(track.source, track);
      video(track.source).srcObject = track.stream;
    }
    if (track.kind === 'audio' && track.source === 'camera') {
      sound.srcObject = new MediaStream(track.stream.getAudioTracks());
      void sound.play().catch(() => undefined);
    }
  });
  driver.on('remote-track-removed', (track) => {
    if (track.kind === 'video' && shown.get(track.source) === track) {
      shown.delete(track.source);
      video(track.source).srcObject = null;
    }
  });
  const effectCalls: string[] = [];
  /** The other side's camera video track as played here. */
  const remoteCameraTrack = () => (video('camera').srcObject as MediaStream | null)?.getVideoTracks()[0] ?? null;
  page.tc = {
    driver,
    log,
    effectCalls,
    refuseCameraZoom: () => devices.refuseZoom(),
    localTracks: () => (driver.localStream()?.getTracks() ?? []).map((t) => ({
      kind: t.kind === 'audio' ? 'audio' : 'video',
      enabled: t.enabled,
      live: t.readyState === 'live',
      deviceId: t.getSettings().deviceId ?? null,
      askedZoom: (t.getConstraints() as { zoom?: unknown }).zoom === true,
    })),
    async setCameraEffect(effect) {
      try {
        await driver.setCameraEffect(effect ? colourEffect(effect, effectCalls) : null);
        return null;
      } catch (error) {
        if (error instanceof ConferenceError) return error.code;
        throw error;
      }
    },
    sentVideo() {
      const camera = driver.localStream()?.getVideoTracks()[0];
      const sender = camera ? currentPeer()?.getSenders().find((s) => s.track === camera) : undefined;
      if (!camera || !sender) return null;
      const [encoding] = sender.getParameters().encodings;
      const height = camera.getSettings().height ?? 0;
      return { height: Math.round(height / (encoding?.scaleResolutionDownBy ?? 1)), maxBitrateBps: encoding?.maxBitrate ?? null };
    },
    remotePicture: () => pictureOf(video('camera')),
    remoteSound: () => soundArrives(),
    remoteVideoKbps: (ms) => receivedKbps(remoteCameraTrack(), ms),
    async shareScreen(testTrack) {
      const given = testTrack ? canvasTrack(testTrack.width, testTrack.height) : undefined;
      try {
        await driver.startScreenShare(given);
        return null;
      } catch (error) {
        given?.stop(); // refused: the track is still ours
        if (error instanceof ConferenceError) return error.code;
        throw error;
      }
    },
    endScreenTrack() {
      const track = driver.screenStream()?.getVideoTracks()[0];
      track?.stop();
      track?.dispatchEvent(new Event('ended'));
    },
  };
};
