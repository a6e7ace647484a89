/**
 * The page side of the p2p driver's browser specs (bundled with esbuild): a p2p driver whose
 * live socket is a function exposed by the Node spec (`tcRelay`), which answers through
 * `tcDeliver`. Node drives the driver through `window.tc`.
 */
import type { ClientMessage, ServerMessage } from '#protocol/live';
import type { ConferenceDriver } from '../../../meet/drivers/conference.ts';
import { logConferenceEvents, type LoggedEvent } from '../../../meet/drivers/event-log.ts';
import { createP2pDriver } from '../../../meet/drivers/p2p.ts';
import { livePorts } from '../../../meet/drivers/ports.ts';

/** What the page adds to `window`. */
export interface P2pPageGlobals {
  tcRelay(json: string): Promise<void>;
  tcDeliver(json: string): void;
  tcStart(peerName: string): void;
  tc?: { driver: ConferenceDriver; log: LoggedEvent[] };
}

const page = window as unknown as P2pPageGlobals;
const handlers = new Set<(message: ServerMessage) => void>();

page.tcDeliver = (json) => {
  const message = JSON.parse(json) as ServerMessage;
  for (const handler of [...handlers]) handler(message);
};

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
  const remote = document.getElementById('remote') as HTMLVideoElement;
  driver.on('remote-track-added', (track) => {
    if (track.kind === 'video') remote.srcObject = track.stream;
  });
  page.tc = { driver, log };
};
