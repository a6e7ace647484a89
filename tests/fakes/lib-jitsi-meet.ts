/**
 * A scripted fake of the `JitsiMeetJS` global (lib-jitsi-meet) and of the deployment behind it,
 * for the jitsi driver's specs in Node. It behaves per the library's documented events and its
 * lobby flow (github.com/jitsi/lib-jitsi-meet: JitsiConferenceEvents.ts, JitsiConferenceErrors.ts,
 * JitsiConnectionEvents.ts, JitsiConference.ts, modules/xmpp/Lobby.js) and its tracks
 * (JitsiMeetJS.ts, JitsiTrackErrors.ts, modules/RTC/RTC.js, RTCUtils.js, JitsiLocalTrack.ts,
 * service/RTC/VideoType.ts):
 *   - the token's `context.user.affiliation: "owner"` makes a moderator (Prosody's token_affiliation);
 *     `lobby_bypass` skips the lobby (token_lobby_bypass);
 *   - with the lobby on, a member's `join()` fails with CONFERENCE_FAILED(MEMBERS_ONLY_ERROR);
 *     `joinLobby(name)` shows LOBBY_USER_JOINED(id, name) to moderators; `lobbyApproveAccess(id)`
 *     joins the knocker into the room (CONFERENCE_JOINED), `lobbyDenyAccess(id)` ends with
 *     CONFERENCE_FAILED(CONFERENCE_ACCESS_DENIED);
 *   - tracks added in the room reach the others as TRACK_ADDED with their video type ('camera',
 *     'desktop'), and TRACK_REMOVED on `removeTrack` or leave (then USER_LEFT); the adder hears
 *     TRACK_ADDED/TRACK_REMOVED of its own local track too (JitsiConference._setupNewTrack,
 *     onLocalTrackRemoved);
 *   - `addTrack` takes one track per media type, plus a video track of another video type (a
 *     desktop beside the camera, multi-stream), else rejects "Cannot add second video track to
 *     the conference"; `replaceTrack` throws when the two video types differ; `removeTrack` is
 *     `replaceTrack(track, null)`; a disposed track is refused (TRACK_IS_DISPOSED), and `dispose()`
 *     removes the track from its conference and stops its MediaStreamTrack;
 *   - `createLocalTracks({ devices: ['desktop'] })` gives a 'desktop' video track, preceded by the
 *     shared tab's audio track when the user shared it, or rejects with a JitsiTrackError named
 *     SCREENSHARING_USER_CANCELED when the picker is closed; `createLocalTracksFromMediaStreams`
 *     wraps a stream's single track of the media type (TRACK_NO_STREAM_TRACKS_FOUND,
 *     TRACK_TOO_MANY_TRACKS_IN_STREAM otherwise), and is missing from libraries before #2409.
 * Events are delivered asynchronously, as over XMPP. Every call is recorded; failures on demand.
 */
import type {
  JitsiConference, JitsiConnection, JitsiConnectionOptions, JitsiDeviceInfo, JitsiMeetJSGlobal, JitsiParticipant, JitsiTrack, JitsiTrackInfo,
} from '../../meet/drivers/jitsi-types.ts';

// The library's own event and error strings.
const CONFERENCE_EVENTS = {
  CONFERENCE_JOINED: 'conference.joined',
  CONFERENCE_FAILED: 'conference.failed',
  CONFERENCE_LEFT: 'conference.left',
  TRACK_ADDED: 'conference.trackAdded',
  TRACK_REMOVED: 'conference.trackRemoved',
  USER_JOINED: 'conference.userJoined',
  USER_LEFT: 'conference.userLeft',
  LOBBY_USER_JOINED: 'conference.lobby.userJoined',
  LOBBY_USER_LEFT: 'conference.lobby.userLeft',
  MEMBERS_ONLY_CHANGED: 'conference.membersOnlyChanged',
  ENDPOINT_MESSAGE_RECEIVED: 'conference.endpoint_message_received',
};
const CONNECTION_EVENTS = {
  CONNECTION_ESTABLISHED: 'connection.connectionEstablished',
  CONNECTION_FAILED: 'connection.connectionFailed',
  CONNECTION_DISCONNECTED: 'connection.connectionDisconnected',
};
const CONFERENCE_ERRORS = {
  MEMBERS_ONLY_ERROR: 'conference.connectionError.membersOnly',
  CONFERENCE_ACCESS_DENIED: 'conference.connectionError.accessDenied',
};
const TRACK_ERRORS = {
  SCREENSHARING_USER_CANCELED: 'gum.screensharing_user_canceled',
  TRACK_IS_DISPOSED: 'track.track_is_disposed',
  TRACK_NO_STREAM_TRACKS_FOUND: 'track.no_stream_tracks_found',
  TRACK_TOO_MANY_TRACKS_IN_STREAM: 'track.too_many_tracks_in_stream',
};

/** A JitsiTrackError: its `name` is the error's code (JitsiTrackError.ts). */
class FakeJitsiTrackError extends Error {
  constructor(code: string) {
    super(code);
    this.name = code;
  }
}

/** One call made to the fake library. */
export interface RecordedJitsiCall {
  participant: string;
  method: string;
  args: unknown[];
}

/** A fake deployment: rooms shared by every library instance made from it. */
export interface FakeJitsiDeployment {
  /** Every call, in order (tokens included: tests only). */
  readonly calls: RecordedJitsiCall[];
  /** A fresh `JitsiMeetJS` global, as one page would load it. */
  library(options?: FakeLibraryOptions): JitsiMeetJSGlobal;
  /** The next `count` connections fail with CONNECTION_FAILED. */
  failNextConnections(count: number): void;
  /** Whether the room currently has its lobby on. */
  lobbyEnabled(room: string): boolean;
  /** Turns the lobby on from the start, as the deployment's lobby_autostart does. */
  autostartLobby(on: boolean): void;
  /** The next screen picker is closed without a choice. */
  cancelNextScreenShare(): void;
  /** Whether the user ticks "Share tab audio" in the screen picker (a desktop audio track then comes too). */
  shareDesktopAudio(on: boolean): void;
}

/** Options of {@link FakeJitsiDeployment.library}. */
export interface FakeLibraryOptions {
  /** False: a library from before `createLocalTracksFromMediaStreams` (lib-jitsi-meet #2409, December 2023). */
  createLocalTracksFromMediaStreams?: boolean;
}

type Listener = (...args: never[]) => void;

class Listeners {
  private readonly map = new Map<string, Set<Listener>>();
  on(event: string, listener: Listener): void {
    const set = this.map.get(event) ?? new Set<Listener>();
    set.add(listener);
    this.map.set(event, set);
  }
  off(event: string, listener: Listener): void {
    this.map.get(event)?.delete(listener);
  }
  emit(event: string, ...args: unknown[]): void {
    setTimeout(() => {
      for (const listener of [...(this.map.get(event) ?? [])]) (listener as (...a: unknown[]) => void)(...args);
    }, 0);
  }
}

let mediaCounter = 0;

/** A browser MediaStreamTrack, as far as the driver uses it: as in browsers, `stop()` fires no `ended`. */
class FakeMediaStreamTrack extends EventTarget {
  readonly id = `mst-${++mediaCounter}`;
  readyState: MediaStreamTrackState = 'live';
  constructor(readonly kind: 'audio' | 'video') { super(); }
  stop(): void { this.readyState = 'ended'; }
}

/** A live MediaStreamTrack for Node specs (e.g. the "canvas capture" given to `startScreenShare(track)`). */
export function fakeMediaStreamTrack(kind: 'audio' | 'video'): MediaStreamTrack {
  return new FakeMediaStreamTrack(kind) as unknown as MediaStreamTrack;
}

/** A MediaStream of `tracks` for Node specs (what the driver's `newMediaStream` option makes). */
export function fakeMediaStream(tracks: MediaStreamTrack[]): MediaStream {
  const list = [...tracks];
  return {
    id: `stream-${++mediaCounter}`,
    getTracks: () => [...list],
    getVideoTracks: () => list.filter((t) => t.kind === 'video'),
    getAudioTracks: () => list.filter((t) => t.kind === 'audio'),
  } as unknown as MediaStream;
}

class FakeTrack implements JitsiTrack {
  private muted = false;
  disposed = false;
  /** The conference holding this local track (JitsiLocalTrack.conference), null once removed. */
  conference: FakeConference | null = null;
  readonly track: MediaStreamTrack;
  readonly stream: MediaStream;
  constructor(
    readonly type: 'audio' | 'video', readonly local: boolean, readonly participantId: string, readonly videoType = 'camera', readonly deviceId = 'default',
    media?: { track: MediaStreamTrack; stream: MediaStream },
  ) {
    this.track = media?.track ?? fakeMediaStreamTrack(type);
    this.stream = media?.stream ?? fakeMediaStream([this.track]);
  }
  /** JitsiTrack.getId: the id of its stream. */
  getId(): string { return this.stream.id; }
  getType(): 'audio' | 'video' { return this.type; }
  getVideoType(): string | undefined { return this.type === 'video' ? this.videoType : undefined; }
  isLocal(): boolean { return this.local; }
  isMuted(): boolean { return this.muted; }
  getParticipantId(): string { return this.participantId; }
  getOriginalStream(): MediaStream { return this.stream; }
  getTrack(): MediaStreamTrack { return this.track; }
  async mute(): Promise<void> { this.muted = true; }
  async unmute(): Promise<void> { this.muted = false; }
  async dispose(): Promise<void> {
    if (this.disposed) return;
    await this.conference?.removeTrack(this);
    this.track.stop();
    this.disposed = true;
  }
}

interface Claims { room?: string; context?: { user?: { name?: string; affiliation?: string; lobby_bypass?: boolean } } }

function decodeClaims(token: string | null): Claims {
  try {
    return JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString('utf8')) as Claims;
  } catch {
    return {};
  }
}

interface Room {
  lobby: boolean;
  members: FakeConference[];
  knocking: FakeConference[];
}

/** Starts a fake deployment (no network: the library is handed to the driver directly). */
export function createFakeJitsiDeployment(): FakeJitsiDeployment {
  const calls: RecordedJitsiCall[] = [];
  const rooms = new Map<string, Room>();
  let failing = 0;
  let autostart = true;
  let cancelScreen = false;
  let desktopAudio = false;
  let participants = 0;
  const roomOf = (name: string): Room => {
    let room = rooms.get(name);
    if (!room) {
      room = { lobby: autostart, members: [], knocking: [] };
      rooms.set(name, room);
    }
    return room;
  };
  const deployment = { calls, roomOf, takeFailure: () => (failing > 0 ? (failing--, true) : false), nextId: () => `p${++participants}` };

  return {
    calls,
    failNextConnections(count) { failing = count; },
    lobbyEnabled: (room) => rooms.get(room)?.lobby ?? false,
    autostartLobby(on) { autostart = on; },
    cancelNextScreenShare() { cancelScreen = true; },
    shareDesktopAudio(on) { desktopAudio = on; },
    library(libraryOptions: FakeLibraryOptions = {}): JitsiMeetJSGlobal {
      const pageId = deployment.nextId();
      const record = (method: string, ...args: unknown[]) => calls.push({ participant: pageId, method, args });
      const wrap = (infos: JitsiTrackInfo[]): JitsiTrack[] => {
        record('createLocalTracksFromMediaStreams', infos.map((i) => ({ mediaType: i.mediaType, videoType: i.videoType, sourceType: i.sourceType })));
        return infos.map((info) => {
          const tracks = info.stream.getTracks().filter((t) => t.kind === info.mediaType);
          if (tracks.length === 0) throw new FakeJitsiTrackError(TRACK_ERRORS.TRACK_NO_STREAM_TRACKS_FOUND);
          if (tracks.length > 1) throw new FakeJitsiTrackError(TRACK_ERRORS.TRACK_TOO_MANY_TRACKS_IN_STREAM);
          return new FakeTrack(info.mediaType, true, pageId, info.videoType ?? 'camera', 'default', { track: tracks[0]!, stream: info.stream });
        });
      };
      return {
        init: (options) => { record('init', options); },
        setLogLevel: (level) => { record('setLogLevel', level); },
        logLevels: { ERROR: 'error' },
        JitsiConnection: class implements JitsiConnection {
          private readonly listeners = new Listeners();
          private readonly claims: Claims;
          constructor(appId: string | null, readonly token: string | null, readonly options: JitsiConnectionOptions) {
            record('JitsiConnection', appId, token, options);
            this.claims = decodeClaims(token);
          }
          connect(): void {
            record('connect');
            if (deployment.takeFailure() || !this.token) this.listeners.emit(CONNECTION_EVENTS.CONNECTION_FAILED, 'connection.passwordRequired');
            else this.listeners.emit(CONNECTION_EVENTS.CONNECTION_ESTABLISHED, 'id');
          }
          disconnect(): void {
            record('disconnect');
            this.listeners.emit(CONNECTION_EVENTS.CONNECTION_DISCONNECTED);
          }
          addEventListener(event: string, listener: Listener): void { this.listeners.on(event, listener); }
          removeEventListener(event: string, listener: Listener): void { this.listeners.off(event, listener); }
          initJitsiConference(name: string, options: object): JitsiConference {
            record('initJitsiConference', name, options);
            return new FakeConference(pageId, roomOf(name), this.claims, record);
          }
        },
        async createLocalTracks(options) {
          record('createLocalTracks', options);
          return options.devices.flatMap((d) => {
            if (d !== 'desktop') return [new FakeTrack(d, true, pageId, 'camera', (d === 'audio' ? options.micDeviceId : options.cameraDeviceId) ?? 'default')];
            if (cancelScreen) {
              cancelScreen = false;
              throw new FakeJitsiTrackError(TRACK_ERRORS.SCREENSHARING_USER_CANCELED);
            }
            const video = new FakeTrack('video', true, pageId, 'desktop');
            return desktopAudio ? [new FakeTrack('audio', true, pageId, 'desktop'), video] : [video];
          });
        },
        ...(libraryOptions.createLocalTracksFromMediaStreams === false ? {} : { createLocalTracksFromMediaStreams: wrap }),
        mediaDevices: {
          enumerateDevices(callback: (devices: JitsiDeviceInfo[]) => void) {
            callback([
              { deviceId: 'cam-1', kind: 'videoinput', label: 'Fake camera 1' },
              { deviceId: 'cam-2', kind: 'videoinput', label: 'Fake camera 2' },
              { deviceId: 'mic-1', kind: 'audioinput', label: 'Fake microphone' },
              { deviceId: 'spk-1', kind: 'audiooutput', label: 'Fake speaker' },
            ]);
          },
        },
        events: { conference: { ...CONFERENCE_EVENTS }, connection: { ...CONNECTION_EVENTS } },
        errors: { conference: { ...CONFERENCE_ERRORS }, track: { ...TRACK_ERRORS } },
      };
    },
  };
}

class FakeConference implements JitsiConference, JitsiParticipant {
  private readonly listeners = new Listeners();
  private readonly tracks: FakeTrack[] = [];
  /** Remote copies of other members' tracks, keyed by their local original. */
  private readonly remoteCopies = new Map<FakeTrack, FakeTrack>();
  private displayName = '';
  private inRoom = false;
  private approved = false;

  constructor(
    readonly id: string,
    private readonly room: Room,
    private readonly claims: Claims,
    private readonly record: (method: string, ...args: unknown[]) => void,
  ) {}

  getId(): string { return this.id; }
  getDisplayName(): string | undefined { return this.displayName; }
  on(event: string, listener: Listener): void { this.listeners.on(event, listener); }
  off(event: string, listener: Listener): void { this.listeners.off(event, listener); }
  private get owner(): boolean { return this.claims.context?.user?.affiliation === 'owner'; }
  private get bypass(): boolean { return this.claims.context?.user?.lobby_bypass === true; }

  join(): void {
    this.record('join');
    if (this.room.lobby && !this.owner && !this.bypass && !this.approved) {
      this.listeners.emit(CONFERENCE_EVENTS.CONFERENCE_FAILED, CONFERENCE_ERRORS.MEMBERS_ONLY_ERROR);
      return;
    }
    this.enter();
  }

  private enter(): void {
    this.inRoom = true;
    this.listeners.emit(CONFERENCE_EVENTS.CONFERENCE_JOINED);
    for (const other of this.room.members) {
      other.listeners.emit(CONFERENCE_EVENTS.USER_JOINED, this.id, this);
      this.listeners.emit(CONFERENCE_EVENTS.USER_JOINED, other.id, other);
      for (const track of this.tracks) other.receive(track);
      for (const track of other.tracks) this.receive(track);
    }
    this.room.members.push(this);
  }

  private receive(original: FakeTrack): void {
    const copy = new FakeTrack(original.type, false, original.participantId, original.videoType);
    this.remoteCopies.set(original, copy);
    this.listeners.emit(CONFERENCE_EVENTS.TRACK_ADDED, copy);
  }

  private forget(original: FakeTrack): void {
    const copy = this.remoteCopies.get(original);
    if (!copy) return;
    this.remoteCopies.delete(original);
    this.listeners.emit(CONFERENCE_EVENTS.TRACK_REMOVED, copy);
  }

  private others(): FakeConference[] {
    return this.room.members.filter((m) => m !== this);
  }

  async leave(): Promise<void> {
    this.record('leave');
    this.room.knocking = this.room.knocking.filter((k) => k !== this);
    if (!this.inRoom) return;
    this.inRoom = false;
    this.room.members = this.others();
    for (const other of this.room.members) {
      for (const track of this.tracks) other.forget(track);
      other.listeners.emit(CONFERENCE_EVENTS.USER_LEFT, this.id, this);
    }
    for (const track of [...this.tracks]) this.detach(track);
    this.listeners.emit(CONFERENCE_EVENTS.CONFERENCE_LEFT);
  }

  setDisplayName(name: string): void {
    this.record('setDisplayName', name);
    this.displayName = name;
  }

  async addTrack(track: JitsiTrack): Promise<void> {
    this.record('addTrack', track.getType(), track.getVideoType?.());
    if (!(track instanceof FakeTrack)) throw new Error('not a track of this library');
    if (track.disposed) throw new FakeJitsiTrackError(TRACK_ERRORS.TRACK_IS_DISPOSED);
    const sameType = this.tracks.filter((t) => t.type === track.type);
    if (sameType.includes(track)) return;
    const otherVideoType = track.type === 'video' && !sameType.some((t) => t.videoType === track.videoType);
    if (sameType.length > 0 && !otherVideoType) throw new Error(`Cannot add second ${track.type} track to the conference`);
    this.attach(track);
  }

  async removeTrack(track: JitsiTrack): Promise<void> {
    this.record('removeTrack', track.getType(), track.getVideoType?.());
    await this.swap(track, null);
  }

  replaceTrack(oldTrack: JitsiTrack | null, newTrack: JitsiTrack | null): Promise<void> {
    this.record('replaceTrack', oldTrack?.getType() ?? null, newTrack?.getType() ?? null);
    return this.swap(oldTrack, newTrack);
  }

  /** JitsiConference.replaceTrack: throws (not rejects) on two video types, as the library does. */
  private swap(oldTrack: JitsiTrack | null, newTrack: JitsiTrack | null): Promise<void> {
    if (oldTrack && newTrack && oldTrack.getVideoType?.() !== newTrack.getVideoType?.()) {
      throw new Error(`Replacing a track of videoType=${oldTrack.getVideoType?.()} with a track of videoType=${newTrack.getVideoType?.()} is not supported in this mode.`);
    }
    if (newTrack instanceof FakeTrack && newTrack.disposed) return Promise.reject(new FakeJitsiTrackError(TRACK_ERRORS.TRACK_IS_DISPOSED));
    if (newTrack && !(newTrack instanceof FakeTrack)) return Promise.reject(new Error('not a track of this library'));
    if (oldTrack instanceof FakeTrack && oldTrack.conference === this) this.detach(oldTrack);
    if (newTrack) this.attach(newTrack);
    return Promise.resolve();
  }

  private attach(track: FakeTrack): void {
    this.tracks.push(track);
    track.conference = this;
    this.listeners.emit(CONFERENCE_EVENTS.TRACK_ADDED, track);
    if (this.inRoom) for (const other of this.others()) other.receive(track);
  }

  private detach(track: FakeTrack): void {
    this.tracks.splice(this.tracks.indexOf(track), 1);
    track.conference = null;
    this.listeners.emit(CONFERENCE_EVENTS.TRACK_REMOVED, track);
    if (this.inRoom) for (const other of this.others()) other.forget(track);
  }

  isModerator(): boolean { return this.inRoom && this.owner; }
  isMembersOnly(): boolean { return this.room.lobby; }

  async enableLobby(): Promise<void> {
    this.record('enableLobby');
    if (!this.isModerator()) throw new Error('The conference not started or user is not moderator');
    if (!this.room.lobby) {
      this.room.lobby = true;
      for (const member of this.room.members) member.listeners.emit(CONFERENCE_EVENTS.MEMBERS_ONLY_CHANGED, true);
    }
  }

  async joinLobby(displayName: string, email?: string): Promise<void> {
    this.record('joinLobby', displayName, email);
    this.displayName = displayName;
    if (!this.room.knocking.includes(this)) this.room.knocking.push(this);
    for (const member of this.room.members) if (member.isModerator()) member.listeners.emit(CONFERENCE_EVENTS.LOBBY_USER_JOINED, this.id, displayName);
  }

  private settleKnock(id: string, method: string): FakeConference | undefined {
    this.record(method, id);
    if (!this.isModerator()) return undefined;
    const knocker = this.room.knocking.find((k) => k.id === id);
    if (!knocker) return undefined;
    this.room.knocking = this.room.knocking.filter((k) => k !== knocker);
    for (const member of this.room.members) if (member.isModerator()) member.listeners.emit(CONFERENCE_EVENTS.LOBBY_USER_LEFT, id);
    return knocker;
  }

  lobbyApproveAccess(id: string | string[]): void {
    for (const one of Array.isArray(id) ? id : [id]) {
      const knocker = this.settleKnock(one, 'lobbyApproveAccess');
      if (knocker) {
        knocker.approved = true;
        knocker.enter(); // Lobby.js joins the main room when the invite arrives
      }
    }
  }

  lobbyDenyAccess(id: string): void {
    this.settleKnock(id, 'lobbyDenyAccess')?.listeners.emit(CONFERENCE_EVENTS.CONFERENCE_FAILED, CONFERENCE_ERRORS.CONFERENCE_ACCESS_DENIED);
  }

  broadcastEndpointMessage(payload: object): void {
    this.record('broadcastEndpointMessage', payload);
    if (!this.inRoom) return;
    for (const other of this.others()) other.listeners.emit(CONFERENCE_EVENTS.ENDPOINT_MESSAGE_RECEIVED, this, structuredClone(payload));
  }
}
