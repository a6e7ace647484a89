/**
 * The page side of the p2p driver's browser specs (bundled with esbuild): a p2p driver whose
 * live socket is a function exposed by the Node spec (`tcRelay`), which answers through
 * `tcDeliver`. Node drives the driver through `window.tc`. The other side's camera plays in
 * `#remote-camera`, its shared screen in `#remote-screen`.
 */
import type { ClientMessage, ServerMessage } from '#protocol/live';
import { ConferenceError, type ConferenceDriver, type TrackSource } from '../../../meet/drivers/conference.ts';
import { logConferenceEvents, type LoggedEvent } from '../../../meet/drivers/event-log.ts';
import { createP2pDriver } from '../../../meet/drivers/p2p.ts';
import { livePorts } from '../../../meet/drivers/ports.ts';

/** What the page offers Node besides the driver. */
export interface P2pPageControls {
  driver: ConferenceDriver;
  log: LoggedEvent[];
  /** Shares the screen, or a canvas capture of `testTrack`'s size; null, or the ConferenceError's code. */
  shareScreen(testTrack?: { width: number; height: number }): Promise<string | null>;
  /** Does what the browser's own "Stop sharing" does to the shared track. */
  endScreenTrack(): void;
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

page.tcStart = (peerName) => {
  const ports = livePorts({
    send: (message: ClientMessage) => void page.tcRelay(JSON.stringify(message)),
    onMessage(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  });
  const driver = createP2pDriver({ ...ports, iceServers: [], peerName });
  const log = logConferenceEvents(driver);
  const video = (source: TrackSource) => document.getElementById(`remote-${source}`) as HTMLVideoElement;
  driver.on('remote-track-added', (track) => {
    if (track.kind === 'video') video(track.source).srcObject = track.stream;
  });
  driver.on('remote-track-removed', (track) => {
    if (track.kind === 'video' && video(track.source).srcObject === track.stream) video(track.source).srcObject = null;
  });
  page.tc = {
    driver,
    log,
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
