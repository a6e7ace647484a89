import { DestroyRef, Injectable, computed, inject, signal } from '@angular/core';
import { ConferenceError } from '../../../../meet/drivers/conference';
import type { ConferenceDriver, RemoteTrack } from '../../../../meet/drivers/conference';
import { ConsultationClient } from './consultation-client';

/**
 * The media of the page's call, as its screens need it: our camera and microphone (and
 * their mute state), our shared screen, and the other side's tracks sorted into camera and
 * shared screen. It follows the {@link ConsultationClient}'s driver (a new one after a
 * rejoin) and is provided with it, one per page, and made with the page (not with the call's
 * screens, which may load later) so that it hears the first tracks; the stage and the tool
 * bars read it.
 */
@Injectable()
export class CallMedia {
  private readonly client = inject(ConsultationClient);
  private readonly remoteTracks = signal<RemoteTrack[]>([]);
  private readonly localSignal = signal<MediaStream | null>(null);
  private readonly ownScreenSignal = signal<MediaStream | null>(null);
  private readonly microphoneMutedSignal = signal(false);
  private readonly cameraMutedSignal = signal(false);
  private readonly screenErrorSignal = signal(false);
  private readonly speakerSignal = signal<string | null>(null);

  /** Our camera and microphone (the self view). */
  readonly localStream = this.localSignal.asReadonly();
  /** Our shared screen (or shown document), for our own preview; null when not sharing. */
  readonly ownScreen = this.ownScreenSignal.asReadonly();
  readonly microphoneMuted = this.microphoneMutedSignal.asReadonly();
  readonly cameraMuted = this.cameraMutedSignal.asReadonly();
  /** The last screen share could not start (refused in the browser's picker, or not supported). */
  readonly screenError = this.screenErrorSignal.asReadonly();
  /** Where the other side's sound goes (a speaker's device id; null: the default). */
  readonly speaker = this.speakerSignal.asReadonly();
  /** True while we share a screen or a document. */
  readonly sharing = computed(() => this.ownScreenSignal() !== null);
  /** The other side's camera (with its sound when the driver sends one stream). */
  readonly remoteCamera = computed(() => this.remoteTracks().find((t) => t.kind === 'video' && t.source !== 'screen')?.stream ?? null);
  /** The screen the other side shares, null when it shares none. */
  readonly remoteScreen = computed(() => this.remoteTracks().find((t) => t.kind === 'video' && t.source === 'screen')?.stream ?? null);
  /** The other side's sound, as one stream (played by the stage, whatever is shown large). */
  readonly remoteAudio = computed(() => {
    const tracks = this.remoteTracks().filter((t) => t.kind === 'audio')
      .flatMap((t) => t.stream.getAudioTracks().filter((a) => a.id === t.id || t.id.startsWith(`${a.id}/`) || t.stream.getAudioTracks().length === 1));
    return tracks.length > 0 ? new MediaStream(tracks) : null;
  });
  /** Something is shared by either side: the drawing and the pointer go over it. */
  readonly somethingShared = computed(() => this.sharing() || this.remoteScreen() !== null);

  constructor() {
    let offs: (() => void)[] = [];
    const follow = (driver: ConferenceDriver | null) => {
      offs.forEach((off) => off());
      offs = [];
      this.remoteTracks.set([]);
      this.localSignal.set(driver?.localStream() ?? null);
      this.ownScreenSignal.set(driver?.screenStream() ?? null);
      this.microphoneMutedSignal.set(driver?.isMicrophoneMuted() ?? false);
      this.cameraMutedSignal.set(driver?.isCameraMuted() ?? false);
      if (!driver) return;
      offs = [
        driver.on('remote-track-added', (track) => this.remoteTracks.update((list) => [...list.filter((t) => t.id !== track.id), track])),
        driver.on('remote-track-removed', (track) => this.remoteTracks.update((list) => list.filter((t) => t.id !== track.id))),
        driver.on('local-stream', (stream) => this.localSignal.set(stream)),
        driver.on('screen-share', () => this.ownScreenSignal.set(driver.screenStream())),
      ];
    };
    // Before the driver joins: the first remote tracks may come at once.
    const unwatch = this.client.watchDriver(follow);
    inject(DestroyRef).onDestroy(() => {
      unwatch();
      follow(null);
    });
  }

  /** Chooses the speaker of the other side's sound (null: the system's default). */
  setSpeaker(deviceId: string | null): void {
    this.speakerSignal.set(deviceId);
  }

  /** "Désactiver mon micro" / "Activer mon micro". */
  toggleMicrophone(): Promise<void> {
    return this.setMicrophoneMuted(!this.microphoneMutedSignal());
  }

  /** "Désactiver ma caméra" / "Activer ma caméra". */
  toggleCamera(): Promise<void> {
    return this.setCameraMuted(!this.cameraMutedSignal());
  }

  /** Turns our microphone off or on at the source (also on the practitioner's command, on the patient's side). */
  async setMicrophoneMuted(muted: boolean): Promise<void> {
    const driver = this.client.driver();
    if (!driver) return;
    await driver.setMicrophoneMuted(muted);
    this.microphoneMutedSignal.set(muted);
  }

  /** Turns our camera off or on at the source. */
  async setCameraMuted(muted: boolean): Promise<void> {
    const driver = this.client.driver();
    if (!driver) return;
    await driver.setCameraMuted(muted);
    this.cameraMutedSignal.set(muted);
  }

  /**
   * "Partage d'écran": shares what the browser's picker offers (a tab, a window, a screen),
   * or `track` (a document shown from "Fichier"); a share already running is replaced.
   */
  async startScreenShare(track?: MediaStreamTrack): Promise<void> {
    const driver = this.client.driver();
    if (!driver) return;
    this.screenErrorSignal.set(false);
    try {
      if (driver.screenStream()) await driver.stopScreenShare();
      await driver.startScreenShare(track);
    } catch (error) {
      // Closing the browser's picker is a choice, not a failure; anything else is said once, and the call goes on.
      if (!(error instanceof ConferenceError && error.code === 'SCREEN_SHARE_CANCELLED')) this.screenErrorSignal.set(true);
      track?.stop();
    }
    this.ownScreenSignal.set(driver.screenStream());
  }

  /** Stops our screen share: the other side gets our camera back large. */
  async stopScreenShare(): Promise<void> {
    const driver: ConferenceDriver | null = this.client.driver();
    if (!driver) return;
    await driver.stopScreenShare();
    this.ownScreenSignal.set(null);
  }
}
