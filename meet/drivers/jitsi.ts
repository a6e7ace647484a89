/**
 * The `jitsi` conference driver: lib-jitsi-meet, loaded at run time from the clinic's own
 * deployment (`https://JITSI_DOMAIN/libs/lib-jitsi-meet.min.js`) so that the library always
 * matches the server. Types for the subset used are ours (jitsi-types.ts).
 *
 * The practitioner's token makes them owner (and lets them past the lobby); once in, they
 * enable the lobby (harmless when the deployment's lobby_autostart already did). The patient's
 * join fails with MEMBERS_ONLY_ERROR while the lobby is on (JitsiConferenceEventManager.ts
 * forwards ROOM_CONNECT_MEMBERS_ONLY_ERROR as CONFERENCE_FAILED); `knock()` then joins the
 * lobby (JitsiConference.joinLobby), the practitioner's `approve()` calls lobbyApproveAccess,
 * and Lobby.js joins the main room by itself (CONFERENCE_JOINED). A denial arrives as
 * CONFERENCE_FAILED with CONFERENCE_ACCESS_DENIED. Host names follow meet/deploy/README.md:
 * XMPP domain = JITSI_DOMAIN, MUC = muc.JITSI_DOMAIN, WebSocket at /xmpp-websocket.
 *
 * Screen sharing adds a desktop track beside the camera (`conference.addTrack`): lib-jitsi-meet
 * accepts a second video track when its video type differs (JitsiConference.addTrack; multi-stream
 * sending is the default since lib-jitsi-meet #2116, September 2022, and the only mode since
 * #2430, January 2024), and refuses to `replaceTrack` a camera with a desktop. The others get the
 * desktop as its own TRACK_ADDED, with `getVideoType()` 'desktop' (a source keeps its video type
 * in multi-stream mode), and TRACK_REMOVED after `conference.removeTrack`. A track the page made
 * (a canvas capture) is wrapped with `JitsiMeetJS.createLocalTracksFromMediaStreams` as a desktop
 * track; a deployment whose library predates it (#2409, December 2023) cannot send one.
 *
 * The camera: the patient's asks for its zoom and the camera effect runs as the library's stream
 * effect (jitsi-camera.ts); the send limits become the library's conference option and sender
 * constraint (jitsi-quality.ts). `localStream()` holds the microphone and the camera as sent (the
 * effect's picture while one runs); the library closes a muted camera, so the stream then holds
 * the microphone alone, and `local-stream` follows each change.
 */
import {
  ConferenceError,
  type CameraEffect, type ConferenceDriver, type ConferenceEvents, type ConferenceMessage, type ConferenceRole, type JoinOptions, type MediaDevice,
  type RemoteTrack, type SendQuality,
} from './conference.ts';
import { Emitter } from './emitter.ts';
import { applyCameraEffect, createCameraTracks, removeFailedEffect, type CameraStreamEffect } from './jitsi-camera.ts';
import { conferenceOptions, LIBRARY_MAX_HEIGHT, senderHeight } from './jitsi-quality.ts';
import type { JitsiConference, JitsiConnection, JitsiMeetJSGlobal, JitsiParticipant, JitsiTrack } from './jitsi-types.ts';
import { shareableTrack, whenEnded } from './screen-share.ts';

/** Options of {@link createJitsiDriver}; `domain`, `room`, `libraryUrl` come from `MediaSettings.jitsi`. */
export interface JitsiDriverOptions {
  domain: string;
  room: string;
  libraryUrl: string;
  /** A fresh JWT for this participant (`GET /api/live/{id}/{role}/jitsi-token`); never stored here. */
  getToken(): Promise<string>;
  /** Loads the library; by default a `<script>` tag with `libraryUrl` (tests give a fake). */
  loadLibrary?: (url: string) => Promise<JitsiMeetJSGlobal>;
  /** Makes a MediaStream of tracks (a given screen track, the local stream); `new MediaStream(tracks)` by default (tests in Node give one). */
  newMediaStream?: (tracks: MediaStreamTrack[]) => MediaStream;
}

/** The connection options for a deployment (meet/deploy/README.md, "Host names"). */
export function jitsiConnectionOptions(domain: string, room: string): { hosts: { domain: string; muc: string }; serviceUrl: string } {
  return { hosts: { domain, muc: `muc.${domain}` }, serviceUrl: `wss://${domain}/xmpp-websocket?room=${encodeURIComponent(room)}` };
}

let loading: Promise<JitsiMeetJSGlobal> | null = null;

/** Injects the deployment's lib-jitsi-meet once per page and resolves with its `JitsiMeetJS` global. */
export function loadJitsiLibrary(url: string): Promise<JitsiMeetJSGlobal> {
  loading ??= new Promise<JitsiMeetJSGlobal>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.async = true;
    script.addEventListener('load', () => {
      const global = (window as unknown as { JitsiMeetJS?: JitsiMeetJSGlobal }).JitsiMeetJS;
      if (global) resolve(global);
      else reject(new Error('lib-jitsi-meet loaded without JitsiMeetJS'));
    });
    script.addEventListener('error', () => reject(new Error('lib-jitsi-meet could not be loaded')));
    document.head.appendChild(script);
  }).catch((error: unknown) => {
    loading = null;
    throw error;
  });
  return loading;
}

/** Creates a jitsi driver; nothing is loaded until `join()`. */
export function createJitsiDriver(options: JitsiDriverOptions): ConferenceDriver {
  return new JitsiDriver(options);
}

function once<T>(subscribe: (resolve: (value: T) => void, reject: (error: Error) => void) => void): Promise<T> {
  return new Promise<T>(subscribe);
}

class JitsiDriver implements ConferenceDriver {
  readonly name = 'jitsi' as const;
  private readonly events = new Emitter<ConferenceEvents>();
  private lib: JitsiMeetJSGlobal | null = null;
  private connection: JitsiConnection | null = null;
  private conference: JitsiConference | null = null;
  private tracks: JitsiTrack[] = [];
  /** Our shared screen: a desktop track in the conference beside the camera. */
  private screen: { track: JitsiTrack; stopListening: () => void } | null = null;
  private role: ConferenceRole = 'patient';
  private remote = new Map<JitsiTrack, RemoteTrack>();
  private displayName = '';
  private inRoom = false;
  private membersOnly = false;
  private microphoneMuted = false;
  private cameraMuted = false;
  private joined = false;
  /** The microphone and the camera as sent, rebuilt when either changes. */
  private local: MediaStream | null = null;
  private effect: CameraEffect | null = null;
  /** The effect's adapter on the current camera track. */
  private cameraEffect: CameraStreamEffect | null = null;
  private quality: SendQuality = { maxVideoKbps: null, maxVideoHeight: null };
  /** The cap in the current conference's options (the library takes no other during the conference). */
  private conferenceKbps: number | null = null;
  /** Camera changes (join, switch, effect, mute), one at a time: the library refuses a second setEffect while one runs. */
  private cameraSteps: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: JitsiDriverOptions) {}

  on<K extends keyof ConferenceEvents>(event: K, listener: (payload: ConferenceEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  async join(options: JoinOptions): Promise<void> {
    if (this.joined) return;
    this.joined = true;
    this.role = options.role;
    this.displayName = options.displayName;
    this.events.emit('connection', 'connecting');
    const lib = await (this.options.loadLibrary ?? loadJitsiLibrary)(this.options.libraryUrl);
    this.lib = lib;
    lib.init({});
    if (lib.logLevels) lib.setLogLevel?.(lib.logLevels.ERROR);
    const token = await this.options.getToken();
    const connection = new lib.JitsiConnection(null, token, jitsiConnectionOptions(this.options.domain, this.options.room));
    this.connection = connection;
    const { CONNECTION_ESTABLISHED, CONNECTION_FAILED, CONNECTION_DISCONNECTED } = lib.events.connection;
    await once<void>((resolve, reject) => {
      connection.addEventListener(CONNECTION_ESTABLISHED, () => resolve());
      connection.addEventListener(CONNECTION_FAILED, (error: string) => {
        this.events.emit('connection', 'failed');
        reject(new Error(`Jitsi connection failed: ${String(error)}`));
      });
      connection.connect();
    });
    connection.addEventListener(CONNECTION_DISCONNECTED, () => this.events.emit('connection', 'disconnected'));

    this.tracks = await createCameraTracks(lib, this.role, { devices: ['audio', 'video'], cameraDeviceId: options.cameraId, micDeviceId: options.microphoneId });
    this.microphoneMuted = options.microphoneMuted ?? false;
    this.cameraMuted = options.cameraMuted ?? false;
    await this.cameraStep(async () => {
      const camera = this.track('video');
      // Before the conference the library switches the stream locally; an effect that fails leaves the camera as it is.
      if (camera && this.effect) {
        this.cameraEffect = await applyCameraEffect(camera, this.effect).catch((error: unknown) => {
          console.warn('camera effect failed at join', error instanceof Error ? error.message : 'error');
          this.effect = null;
          return null;
        });
      }
      await this.applyMute();
    });
    this.refreshLocal();

    this.conferenceKbps = this.quality.maxVideoKbps;
    const conference = connection.initJitsiConference(this.options.room, conferenceOptions(this.conferenceKbps));
    this.conference = conference;
    this.listen(lib, conference);
    const height = senderHeight(this.quality, this.conferenceKbps);
    if (height < LIBRARY_MAX_HEIGHT) await conference.setSenderVideoConstraint(height);
    conference.setDisplayName(options.displayName);
    for (const track of this.tracks) await conference.addTrack(track);

    const { CONFERENCE_JOINED, CONFERENCE_FAILED } = lib.events.conference;
    const { MEMBERS_ONLY_ERROR } = lib.errors.conference;
    await once<void>((resolve, reject) => {
      const joined = () => {
        conference.off(CONFERENCE_JOINED, joined);
        conference.off(CONFERENCE_FAILED, failed);
        resolve();
      };
      const failed = (error: string) => {
        conference.off(CONFERENCE_JOINED, joined);
        conference.off(CONFERENCE_FAILED, failed);
        if (error === MEMBERS_ONLY_ERROR) resolve(); // in front of the lobby: knock() next
        else reject(new Error(`Jitsi conference failed: ${error}`));
      };
      conference.on(CONFERENCE_JOINED, joined);
      conference.on(CONFERENCE_FAILED, failed);
      conference.join();
    });
    if (this.inRoom && options.role === 'practitioner' && conference.isModerator() && !conference.isMembersOnly()) {
      await conference.enableLobby().catch(() => undefined); // already on (lobby_autostart) or not supported
    }
  }

  async leave(): Promise<void> {
    if (!this.joined) return;
    this.joined = false;
    this.inRoom = false;
    const conference = this.conference;
    this.conference = null;
    await conference?.leave().catch(() => undefined);
    const screen = this.screen;
    this.screen = null;
    screen?.stopListening();
    // dispose() takes a track's effect off first (JitsiLocalTrack.dispose): the effect stops.
    for (const track of [...this.tracks, ...(screen ? [screen.track] : [])]) await track.dispose().catch(() => undefined);
    this.tracks = [];
    this.cameraEffect = null;
    this.conferenceKbps = null;
    this.local = null;
    if (screen) this.events.emit('screen-share', false);
    this.remote.clear();
    this.connection?.disconnect();
    this.connection = null;
    this.events.emit('local-stream', null);
    this.events.emit('connection', 'disconnected');
  }

  localStream(): MediaStream | null {
    return this.local;
  }

  async listDevices(): Promise<MediaDevice[]> {
    const lib = this.lib;
    const infos = lib
      ? await new Promise<{ deviceId: string; kind: string; label: string }[]>((resolve) => lib.mediaDevices.enumerateDevices(resolve))
      : await navigator.mediaDevices.enumerateDevices();
    const kinds: Record<string, MediaDevice['kind']> = { videoinput: 'camera', audioinput: 'microphone', audiooutput: 'speaker' };
    return infos.flatMap((d) => {
      const kind = kinds[d.kind];
      return kind ? [{ id: d.deviceId, kind, label: d.label }] : [];
    });
  }

  async switchCamera(deviceId: string): Promise<void> {
    await this.cameraStep(async () => {
      const lib = this.lib;
      if (!lib) return;
      const [next] = await createCameraTracks(lib, this.role, { devices: ['video'], cameraDeviceId: deviceId });
      if (!next) return;
      // On the new track before it goes in: the conference never gets the new camera without its effect.
      let failure: unknown = null;
      let adapter: CameraStreamEffect | null = null;
      if (this.effect) {
        adapter = await applyCameraEffect(next, this.effect).catch((error: unknown) => {
          failure = error;
          this.effect = null;
          return null;
        });
      }
      this.cameraEffect = adapter;
      await this.replaceLocal('video', next);
      if (failure) throw failure;
    });
  }

  async switchMicrophone(deviceId: string): Promise<void> {
    const lib = this.lib;
    if (!lib) return;
    const [next] = await lib.createLocalTracks({ devices: ['audio'], micDeviceId: deviceId });
    if (next) await this.replaceLocal('audio', next);
  }

  async setCameraEffect(effect: CameraEffect | null): Promise<void> {
    await this.cameraStep(async () => {
      this.effect = effect;
      const camera = this.track('video');
      if (!camera) return;
      try {
        this.cameraEffect = await applyCameraEffect(camera, effect);
      } catch (error) {
        this.effect = null;
        this.cameraEffect = null;
        throw error;
      } finally {
        this.refreshLocal();
      }
    });
  }

  async setSendQuality(quality: SendQuality): Promise<void> {
    this.quality = { maxVideoKbps: quality.maxVideoKbps, maxVideoHeight: quality.maxVideoHeight };
    await this.conference?.setSenderVideoConstraint(senderHeight(this.quality, this.conferenceKbps));
  }

  async setMicrophoneMuted(muted: boolean): Promise<void> {
    this.microphoneMuted = muted;
    await this.applyMute();
    this.refreshLocal();
  }

  async setCameraMuted(muted: boolean): Promise<void> {
    this.cameraMuted = muted;
    await this.cameraStep(async () => {
      await this.applyMute();
      this.refreshLocal();
    });
  }

  isMicrophoneMuted(): boolean {
    return this.microphoneMuted;
  }

  isCameraMuted(): boolean {
    return this.cameraMuted;
  }

  async startScreenShare(given?: MediaStreamTrack): Promise<void> {
    const { lib, conference } = this;
    if (!this.joined || !lib || !conference) throw new ConferenceError('NOT_JOINED', 'join() before sharing the screen');
    if (this.role !== 'practitioner') throw new ConferenceError('SCREEN_SHARE_PRACTITIONER_ONLY', 'Only the practitioner shares a screen');
    const desktop = given ? this.wrapTrack(lib, given) : await this.captureDesktop(lib);
    if (this.conference !== conference) {
      await desktop.dispose(); // left while the picker was open
      return;
    }
    // Out before the next one goes in: the library takes one desktop track at a time.
    await this.stopScreenShare();
    try {
      await conference.addTrack(desktop);
    } catch (error) {
      await desktop.dispose();
      throw error;
    }
    const sharedTrack = desktop.getTrack();
    this.screen = { track: desktop, stopListening: sharedTrack ? whenEnded(sharedTrack, () => void this.stopScreenShare()) : () => undefined };
    this.events.emit('screen-share', true);
  }

  async stopScreenShare(): Promise<void> {
    const screen = this.screen;
    if (!screen) return;
    this.screen = null;
    screen.stopListening();
    // A failed removal still ends our share: dispose() removes the track again if the conference still has it (JitsiLocalTrack.dispose).
    await this.conference?.removeTrack(screen.track).catch(() => undefined);
    await screen.track.dispose();
    this.events.emit('screen-share', false);
  }

  screenStream(): MediaStream | null {
    return this.screen?.track.getOriginalStream() ?? null;
  }

  send(message: ConferenceMessage): void {
    if (this.inRoom) this.conference?.broadcastEndpointMessage(message);
  }

  async knock(): Promise<void> {
    const conference = this.conference;
    if (!conference) throw new Error('join() first');
    if (this.inRoom) {
      this.events.emit('approved', undefined);
      return;
    }
    await conference.joinLobby(this.displayName);
  }

  async approve(id: string): Promise<void> {
    this.conference?.lobbyApproveAccess(id);
  }

  async deny(id: string): Promise<void> {
    this.conference?.lobbyDenyAccess(id);
  }

  private listen(lib: JitsiMeetJSGlobal, conference: JitsiConference): void {
    const e = lib.events.conference;
    const { CONFERENCE_ACCESS_DENIED } = lib.errors.conference;
    conference.on(e.CONFERENCE_JOINED, () => {
      const throughLobby = this.membersOnly;
      this.inRoom = true;
      this.events.emit('connection', 'connected');
      if (throughLobby) this.events.emit('approved', undefined);
    });
    conference.on(e.CONFERENCE_FAILED, (error: string) => {
      if (error === lib.errors.conference.MEMBERS_ONLY_ERROR) this.membersOnly = true;
      else if (error === CONFERENCE_ACCESS_DENIED) this.events.emit('denied', undefined);
      else this.events.emit('connection', 'failed');
    });
    conference.on(e.CONFERENCE_LEFT, () => {
      this.inRoom = false;
    });
    conference.on(e.TRACK_ADDED, (track: JitsiTrack) => {
      if (track.isLocal() || this.remote.has(track)) return;
      const kind = track.getType();
      const source = kind === 'video' && isDesktop(track.getVideoType?.()) ? 'screen' : 'camera';
      const stream = track.getOriginalStream() ?? this.newStream([track.getTrack()].filter((t): t is MediaStreamTrack => t !== null));
      const remote: RemoteTrack = { id: track.getId() ?? `${track.getParticipantId()}-${kind}-${source}`, kind, source, stream };
      this.remote.set(track, remote);
      this.events.emit('remote-track-added', remote);
    });
    conference.on(e.TRACK_REMOVED, (track: JitsiTrack) => {
      const remote = this.remote.get(track);
      if (!remote) return;
      this.remote.delete(track);
      this.events.emit('remote-track-removed', remote);
    });
    conference.on(e.USER_LEFT, () => this.events.emit('remote-left', undefined));
    conference.on(e.LOBBY_USER_JOINED, (id: string, name: string) => this.events.emit('knocking', { id, name: name ?? '' }));
    conference.on(e.LOBBY_USER_LEFT, (id: string) => this.events.emit('knock-withdrawn', { id, name: '' }));
    conference.on(e.ENDPOINT_MESSAGE_RECEIVED, (_from: JitsiParticipant, payload: unknown) => {
      if (typeof payload === 'object' && payload !== null && !Array.isArray(payload)) this.events.emit('message', payload as ConferenceMessage);
    });
  }

  /** The user's screen as a desktop track (video only: a shared tab's audio is dropped). */
  private async captureDesktop(lib: JitsiMeetJSGlobal): Promise<JitsiTrack> {
    let tracks: JitsiTrack[];
    try {
      tracks = await lib.createLocalTracks({ devices: ['desktop'] });
    } catch (error) {
      const cancelled = error instanceof Error && error.name === lib.errors.track.SCREENSHARING_USER_CANCELED;
      throw cancelled
        ? new ConferenceError('SCREEN_SHARE_CANCELLED', 'The screen was not shared', { cause: error })
        : new ConferenceError('SCREEN_CAPTURE_FAILED', 'The screen could not be captured', { cause: error });
    }
    const desktop = tracks.find((t) => t.getType() === 'video');
    for (const other of tracks) if (other !== desktop) await other.dispose();
    if (!desktop) throw new ConferenceError('SCREEN_CAPTURE_FAILED', 'The library gave no desktop video track');
    return desktop;
  }

  /** A track the page made, as a desktop track of the library. */
  private wrapTrack(lib: JitsiMeetJSGlobal, given: MediaStreamTrack): JitsiTrack {
    const track = shareableTrack(given);
    if (!lib.createLocalTracksFromMediaStreams) {
      throw new ConferenceError('SCREEN_TRACK_UNSUPPORTED', 'This Jitsi deployment cannot send a given track (lib-jitsi-meet before createLocalTracksFromMediaStreams)');
    }
    const stream = this.newStream([track]);
    let wrapped: JitsiTrack[];
    try {
      wrapped = lib.createLocalTracksFromMediaStreams([{ stream, track, mediaType: 'video', videoType: 'desktop', sourceType: 'track' }]);
    } catch (error) {
      throw new ConferenceError('SCREEN_TRACK_INVALID', 'The library refused the track', { cause: error });
    }
    const [desktop] = wrapped;
    if (!desktop) throw new ConferenceError('SCREEN_TRACK_INVALID', 'The library made no track of it');
    return desktop;
  }

  private track(kind: 'audio' | 'video'): JitsiTrack | undefined {
    return this.tracks.find((t) => t.getType() === kind);
  }

  private async applyMute(): Promise<void> {
    for (const [kind, muted] of [['audio', this.microphoneMuted], ['video', this.cameraMuted]] as const) {
      const track = this.track(kind);
      if (!track || track.isMuted() === muted) continue;
      await (muted ? track.mute?.() : track.unmute?.());
    }
    // Unmuting a camera starts its effect again on the new camera (JitsiLocalTrack._setMuted).
    const camera = this.track('video');
    if (camera && this.cameraEffect?.failed) {
      console.warn('camera effect failed to start again', this.cameraEffect.failure instanceof Error ? this.cameraEffect.failure.message : 'error');
      await removeFailedEffect(camera);
      this.effect = null;
      this.cameraEffect = null;
    }
  }

  /** Puts `next` in place of our track of its kind, in the conference and here; the old one is disposed. */
  private async replaceLocal(kind: 'audio' | 'video', next: JitsiTrack): Promise<void> {
    const old = this.track(kind);
    if (this.conference) await this.conference.replaceTrack(old ?? null, next);
    this.tracks = [...this.tracks.filter((t) => t !== old), next];
    // Out of the conference by now, so its effect comes off locally (JitsiLocalTrack.setEffect without a conference).
    await old?.dispose();
    await this.applyMute();
    this.refreshLocal();
  }

  /** Runs a camera change after the ones before it. */
  private cameraStep<T>(step: () => Promise<T>): Promise<T> {
    const next = this.cameraSteps.then(step);
    this.cameraSteps = next.catch(() => undefined);
    return next;
  }

  private newStream(tracks: MediaStreamTrack[]): MediaStream {
    return (this.options.newMediaStream ?? ((t) => new MediaStream(t)))(tracks);
  }

  /** The local stream again if its tracks changed (a muted camera has none: the library closed it); `local-stream` with it. */
  private refreshLocal(): void {
    if (!this.joined) return;
    const tracks = (['audio', 'video'] as const)
      .map((kind) => this.track(kind)?.getTrack() ?? null)
      .filter((t): t is MediaStreamTrack => t !== null && t.readyState === 'live');
    const current = this.local?.getTracks() ?? [];
    if (this.local && current.length === tracks.length && tracks.every((t) => current.includes(t))) return;
    this.local = this.newStream(tracks);
    this.events.emit('local-stream', this.local);
  }
}

/** Whether a video type is a shared screen (service/RTC/VideoType.ts: 'desktop', 'desktop_high_fps'). */
function isDesktop(videoType: string | undefined): boolean {
  return videoType === 'desktop' || videoType === 'desktop_high_fps';
}
