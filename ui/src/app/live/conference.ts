import { InjectionToken } from '@angular/core';
import type { MediaSettings, PatientPresence } from '#protocol/live';
import type { ConferenceDriver } from '../../../../meet/drivers/conference';
import type { LiveChannel } from '../../../../meet/drivers/ports';

/** What {@link loadConferenceDriver} needs besides the media settings. */
export interface ConferenceDriverDeps {
  /** The page's live socket (p2p signalling and waiting room). */
  channel: LiveChannel;
  /** The waiting-room state the page knows when the driver is created (the socket's `state` came earlier). */
  presence(): PatientPresence;
  /** The other participant's display name. */
  peerName: string;
  /** A fresh Jitsi token (jitsi driver only). */
  getToken(): Promise<string>;
}

/** A conference driver and how to release it. */
export interface LoadedConference {
  readonly driver: ConferenceDriver;
  dispose(): Promise<void>;
}

const importJitsi = () => import('../../../../meet/drivers/jitsi');
const importP2p = () => Promise.all([import('../../../../meet/drivers/p2p'), import('../../../../meet/drivers/ports')]);

/**
 * The driver chosen by the connector's media settings, and how to release it. Each driver is
 * loaded with `import()` only when it is the configured one, so neither weighs on a page's
 * initial download (a clinic uses one of them).
 */
export async function loadConferenceDriver(media: MediaSettings, deps: ConferenceDriverDeps): Promise<LoadedConference> {
  if (media.driver === 'jitsi' && media.jitsi) {
    const { createJitsiDriver } = await importJitsi();
    const driver = createJitsiDriver({ ...media.jitsi, getToken: deps.getToken });
    return { driver, dispose: () => driver.leave() };
  }
  const [{ createP2pDriver }, { livePorts }] = await importP2p();
  const ports = livePorts(deps.channel, deps.presence());
  const driver = createP2pDriver({ signaling: ports.signaling, lobby: ports.lobby, iceServers: media.iceServers, peerName: deps.peerName });
  return {
    driver,
    dispose: async () => {
      await driver.leave();
      ports.close();
    },
  };
}

/**
 * Fetches the configured driver's code ahead of the call (once the session summary says which),
 * so that joining does not wait for it; a failure is left for `loadConferenceDriver` to report.
 */
export function preloadConferenceDriver(media: MediaSettings): void {
  void (media.driver === 'jitsi' && media.jitsi ? importJitsi() : importP2p()).catch(() => undefined);
}

/** How a page gets its conference driver. */
export interface ConferenceLoader {
  /** Loads, creates and returns the driver ({@link loadConferenceDriver}). */
  load(media: MediaSettings, deps: ConferenceDriverDeps): Promise<LoadedConference>;
  /** Fetches its code in advance ({@link preloadConferenceDriver}). */
  preload(media: MediaSettings): void;
}

/** The page's {@link ConferenceLoader}: the real drivers (specs give a fake). */
export const CONFERENCE_LOADER = new InjectionToken<ConferenceLoader>('CONFERENCE_LOADER', {
  providedIn: 'root',
  factory: () => ({ load: loadConferenceDriver, preload: preloadConferenceDriver }),
});
