import type { MediaSettings, PatientPresence } from '#protocol/live';
import type { ConferenceDriver } from '../../../../meet/drivers/conference';
import { createJitsiDriver } from '../../../../meet/drivers/jitsi';
import { createP2pDriver } from '../../../../meet/drivers/p2p';
import { livePorts } from '../../../../meet/drivers/ports';
import type { LiveChannel } from '../../../../meet/drivers/ports';

/** What {@link createConferenceDriver} needs besides the media settings. */
export interface ConferenceDriverDeps {
  /** The page's live socket (p2p signalling and waiting room). */
  channel: LiveChannel;
  /** The waiting-room state the page already knows (the socket's `state` came earlier). */
  presence: PatientPresence;
  /** The other participant's display name. */
  peerName: string;
  /** A fresh Jitsi token (jitsi driver only). */
  getToken(): Promise<string>;
}

/** The driver chosen by the connector's media settings, and how to release it. */
export function createConferenceDriver(media: MediaSettings, deps: ConferenceDriverDeps): { driver: ConferenceDriver; dispose(): Promise<void> } {
  if (media.driver === 'jitsi' && media.jitsi) {
    const driver = createJitsiDriver({ ...media.jitsi, getToken: deps.getToken });
    return { driver, dispose: () => driver.leave() };
  }
  const ports = livePorts(deps.channel, deps.presence);
  const driver = createP2pDriver({ signaling: ports.signaling, lobby: ports.lobby, iceServers: media.iceServers, peerName: deps.peerName });
  return {
    driver,
    dispose: async () => {
      await driver.leave();
      ports.close();
    },
  };
}
