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
 *     the conference"; `replaceTrack` throws when the two video types differ, and otherwise keeps
 *     the sender (the others keep their remote track, now carrying the new one); `removeTrack` is
 *     `replaceTrack(track, null)`; a disposed track is refused (TRACK_IS_DISPOSED), and `dispose()`
 *     removes the track from its conference and stops its MediaStreamTrack;
 *   - `createLocalTracks({ devices: ['desktop'] })` gives a 'desktop' video track, preceded by the
 *     shared tab's audio track when the user shared it, or rejects with a JitsiTrackError named
 *     SCREENSHARING_USER_CANCELED when the picker is closed; `createLocalTracksFromMediaStreams`
 *     wraps a stream's single track of the media type (TRACK_NO_STREAM_TRACKS_FOUND,
 *     TRACK_TOO_MANY_TRACKS_IN_STREAM otherwise), and is missing from libraries before #2409;
 *   - cameras and microphones are opened as RTCUtils.js does: `constraints.video` as the base,
 *     its default size and frame rate added where missing, the device ids as `exact`; each
 *     getUserMedia is recorded (`getUserMedia`), and a camera asked for `zoom` is refused on demand
 *     (CONSTRAINT_FAILED, what JitsiTrackError.ts makes of an OverconstrainedError on it);
 *   - a camera mutes by closing (its stream goes, its effect stops) and unmutes by opening again
 *     with the constraints it was opened with, its effect started again; a microphone mutes by
 *     disabling its track (JitsiLocalTrack._setMuted, as in Chromium);
 *   - `setEffect(effect)` asks `isEnabled(track)`, stops the effect it replaces, calls
 *     `startEffect` with the track's stream and holds and sends the first track of the stream it
 *     returns; muted, it keeps the effect for the unmute; `dispose()` takes the effect off first
 *     (JitsiLocalTrack.setEffect, _startStreamEffect, _stopStreamEffect, dispose);
 *   - what a participant sends is what the others receive: a remote copy carries the sender's
 *     current track (`fakeContent`: 'camera', 'sound', a test picture; 'black' or 'silence' when
 *     disabled; 'none' when nothing is sent);
 *   - the camera is sent at the lower of its height and `setSenderVideoConstraint`'s (2160 until
 *     then), at the rate of that height's quality level: the library's defaults for the codec
 *     negotiated, or the conference option `videoQuality` (qualitycontrol/SendVideoController.ts,
 *     modules/RTC/TPCUtils.ts, service/RTC/StandardVideoQualitySettings.ts; `sentVideo`).
 * Events are delivered asynchronously, as over XMPP. Every call is recorded; failures on demand.
 */
import type {
  JitsiConference, JitsiConferenceOptions, JitsiConnection, JitsiConnectionOptions, JitsiCreateTracksOptions, JitsiDeviceInfo, JitsiMeetJSGlobal,
  JitsiParticipant, JitsiStreamEffect, JitsiTrack, JitsiTrackInfo, JitsiVideoCodec,
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
// RTCUtils.js DEFAULT_CONSTRAINTS.video.
const DEFAULT_VIDEO = { frameRate: { max: 30, min: 15 }, height: { ideal: 720, max: 720, min: 180 }, width: { ideal: 1280, max: 1280, min: 320 } };
// StandardVideoQualitySettings.ts: the default rates of the camera levels (bit/s) and the level of each height.
const DEFAULT_BITRATES: Record<JitsiVideoCodec, Record<string, number>> = {
  av1: { low: 100_000, standard: 300_000, high: 1_000_000, fullHd: 2_000_000, ultraHd: 4_000_000 },
  h264: { low: 400_000, standard: 800_000, high: 2_000_000, fullHd: 4_000_000, ultraHd: 8_000_000 },
  vp8: { low: 200_000, standard: 500_000, high: 1_500_000, fullHd: 3_000_000, ultraHd: 6_000_000 },
  vp9: { low: 100_000, standard: 300_000, high: 1_200_000, fullHd: 2_500_000, ultraHd: 5_000_000 },
};
const QUALITY_LEVELS = [
  { height: 2160, level: 'ultraHd' }, { height: 1080, level: 'fullHd' }, { height: 720, level: 'high' }, { height: 540, level: 'standard' },
  { height: 480, level: 'standard' }, { height: 360, level: 'standard' }, { height: 270, level: 'low' }, { height: 180, level: 'low' },
  { height: 90, level: 'low' }, { height: 0, level: 'none' },
];
const NO_SEND_PREFERENCE = 2160;

const TRACK_ERRORS = {
  SCREENSHARING_USER_CANCELED: 'gum.screensharing_user_canceled',
  CONSTRAINT_FAILED: 'gum.constraint_failed',
  PERMISSION_DENIED: 'gum.permission_denied',
  GENERAL: 'gum.general',
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

/** The camera video a participant sends, as the library would encode it (see {@link FakeJitsiDeployment.sentVideo}). */
export interface FakeSentVideo {
  height: number;
  maxBitrateBps: number;
  codec: JitsiVideoCodec;
}

/** A fake deployment: rooms shared by every library instance made from it. */
export interface FakeJitsiDeployment {
  /** Every call, in order (tokens included: tests only). */
  readonly calls: RecordedJitsiCall[];
  /** A fresh `JitsiMeetJS` global, as one page would load it; its `participant` id names its calls. */
  library(options?: FakeLibraryOptions): FakeJitsiLibrary;
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
  /** Whether the browser refuses a camera asked for `zoom` (OverconstrainedError: the library's CONSTRAINT_FAILED). */
  refuseCameraZoom(on: boolean): void;
  /** The video codec the peer connections settle on (the library's desktop default order starts with AV1, its mobile p2p order with H.264). */
  negotiateCodec(codec: JitsiVideoCodec): void;
  /** The camera video `participant` sends in its conference; null when it sends none (no camera, or muted). */
  sentVideo(participant: string): FakeSentVideo | null;
}

/** Options of {@link FakeJitsiDeployment.library}. */
export interface FakeLibraryOptions {
  /** False: a library from before `createLocalTracksFromMediaStreams` (lib-jitsi-meet #2409, December 2023). */
  createLocalTracksFromMediaStreams?: boolean;
}

/** A fake `JitsiMeetJS` global and the participant id its calls are recorded under. */
export type FakeJitsiLibrary = JitsiMeetJSGlobal & { readonly participant: string };

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

/** What a fake MediaStreamTrack is made with. */
export interface FakeTrackInit {
  /** What it carries where a browser would have pixels or sound (`camera`, `sound`, `solid:magenta`…), or how to read it (a remote copy). */
  content?: string | (() => string);
  settings?: MediaTrackSettings;
  constraints?: MediaTrackConstraints;
}

/** A browser MediaStreamTrack, as far as the driver uses it: as in browsers, `stop()` fires no `ended`. */
class FakeMediaStreamTrack extends EventTarget {
  readonly id = `mst-${++mediaCounter}`;
  readyState: MediaStreamTrackState = 'live';
  enabled = true;
  readonly muted = false;
  constructor(readonly kind: 'audio' | 'video', private readonly init: FakeTrackInit = {}) { super(); }
  get label(): string { return String(this.init.settings?.deviceId ?? ''); }
  stop(): void { this.readyState = 'ended'; }
  getSettings(): MediaTrackSettings { return { ...this.init.settings }; }
  getConstraints(): MediaTrackConstraints { return structuredClone(this.init.constraints ?? {}); }
  /** What it carries now: nothing once ended, black or silence while disabled. */
  content(): string {
    if (this.readyState === 'ended') return 'none';
    if (!this.enabled) return this.kind === 'video' ? 'black' : 'silence';
    const { content } = this.init;
    return typeof content === 'function' ? content() : content ?? (this.kind === 'video' ? 'picture' : 'sound');
  }
}

/** A live MediaStreamTrack for Node specs (e.g. the "canvas capture" given to `startScreenShare(track)`, an effect's output). */
export function fakeMediaStreamTrack(kind: 'audio' | 'video', init: FakeTrackInit = {}): MediaStreamTrack {
  return new FakeMediaStreamTrack(kind, init) as unknown as MediaStreamTrack;
}

/** What a fake track carries now (see {@link FakeTrackInit.content}); a remote copy carries what its sender sends. */
export function fakeContent(track: MediaStreamTrack): string {
  return track instanceof FakeMediaStreamTrack ? track.content() : 'unknown';
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

/** A track and the stream holding it. */
interface Media { track: MediaStreamTrack; stream: MediaStream }

/** What a local track needs of its page: recording, and opening its camera again (unmute). */
interface LocalTrackPage {
  record(method: string, ...args: unknown[]): void;
  reopen(options: JitsiCreateTracksOptions): Media;
}

class FakeTrack implements JitsiTrack {
  disposed = false;
  /** The conference holding this local track (JitsiLocalTrack.conference), null once removed. */
  conference: FakeConference | null = null;
  track: MediaStreamTrack | null;
  stream: MediaStream | null;
  /** The camera's height when opened (JitsiLocalTrack.resolution, getCaptureResolution). */
  readonly captureHeight: number;
  /** The getUserMedia constraints of its camera, kept to open it again (JitsiLocalTrack._constraints). */
  private readonly constraints: MediaTrackConstraints;
  private readonly deviceId: string | undefined;
  private effect: JitsiStreamEffect | undefined;
  private originalStream: MediaStream | null = null;
  private settingEffect = false;
  constructor(
    readonly type: 'audio' | 'video', readonly local: boolean, readonly participantId: string, readonly videoType = 'camera',
    media?: Media, private readonly page?: LocalTrackPage,
  ) {
    this.track = media?.track ?? fakeMediaStreamTrack(type);
    this.stream = media?.stream ?? fakeMediaStream([this.track]);
    this.constraints = this.track.getConstraints();
    this.deviceId = this.track.getSettings().deviceId;
    this.captureHeight = this.track.getSettings().height ?? 0;
  }
  /** JitsiTrack.getId: the id of its stream. */
  getId(): string | null { return this.stream?.id ?? null; }
  getType(): 'audio' | 'video' { return this.type; }
  getVideoType(): string | undefined { return this.type === 'video' ? this.videoType : undefined; }
  isLocal(): boolean { return this.local; }
  isMuted(): boolean { return !this.stream || !this.track?.enabled; }
  getParticipantId(): string { return this.participantId; }
  getOriginalStream(): MediaStream | null { return this.stream; }
  getTrack(): MediaStreamTrack | null { return this.track; }
  /** What this local track sends now: nothing while its camera is closed. */
  sent(): MediaStreamTrack | null { return this.stream ? this.track : null; }

  async mute(): Promise<void> {
    this.page?.record('mute', this.type);
    if (this.disposed) throw new FakeJitsiTrackError(TRACK_ERRORS.TRACK_IS_DISPOSED);
    if (this.type === 'audio') {
      if (this.track) this.track.enabled = false;
      return;
    }
    // The camera is closed: the effect stops, the stream goes, the track stays (ended).
    this.stopStreamEffect();
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
  }

  async unmute(): Promise<void> {
    this.page?.record('unmute', this.type);
    if (this.disposed) throw new FakeJitsiTrackError(TRACK_ERRORS.TRACK_IS_DISPOSED);
    if (this.type === 'audio') {
      if (this.track) this.track.enabled = true;
      return;
    }
    if (this.stream || !this.page) return;
    const devices: ('video' | 'desktop')[] = this.videoType === 'camera' ? ['video'] : ['desktop'];
    const media = this.page.reopen({ devices, ...(this.deviceId ? { cameraDeviceId: this.deviceId } : {}), constraints: { video: this.constraints } });
    this.stream = media.stream;
    this.track = media.track;
    if (this.effect) this.startStreamEffect(this.effect);
  }

  setEffect(effect?: JitsiStreamEffect): Promise<void> {
    this.page?.record('setEffect', this.type, this.videoType, effect === undefined ? null : 'effect');
    if (this.effect === undefined && effect === undefined) return Promise.resolve();
    if (effect !== undefined && !effect.isEnabled(this)) return Promise.reject(new Error('Incompatible effect instance!'));
    if (this.settingEffect) return Promise.reject(new Error('setEffect already in progress!'));
    if (this.isMuted() && this.type !== 'audio') {
      this.effect = effect;
      return Promise.resolve();
    }
    if (!this.conference) {
      this.switchStreamEffect(effect);
      return Promise.resolve();
    }
    // In a conference the library takes the track off the peer connection and puts it back with the new stream.
    this.settingEffect = true;
    return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
      this.switchStreamEffect(effect);
      this.settingEffect = false;
    });
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    if (this.effect) await this.setEffect(undefined);
    await this.conference?.removeTrack(this);
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.disposed = true;
  }

  private switchStreamEffect(effect?: JitsiStreamEffect): void {
    if (this.effect) {
      this.stopStreamEffect();
      this.effect = undefined;
    }
    if (effect) this.startStreamEffect(effect);
  }

  private startStreamEffect(effect: JitsiStreamEffect): void {
    this.effect = effect;
    this.originalStream = this.stream;
    this.stream = effect.startEffect(this.originalStream as MediaStream);
    this.track = this.stream.getTracks()[0] ?? null;
  }

  private stopStreamEffect(): void {
    if (!this.effect || !this.originalStream) return;
    this.effect.stopEffect();
    this.stream = this.originalStream;
    this.originalStream = null;
    this.track = this.stream.getTracks()[0] ?? null;
  }
}

/** A remote copy of a local track: what the other side has of it, carrying what the local track sends at the time. */
interface RemoteCopy {
  track: FakeTrack;
  /** The local track it carries; a replaced track hands its copy to its replacement (same sender, same source). */
  origin: FakeTrack;
}

function remoteCopyOf(original: FakeTrack): RemoteCopy {
  const copy: RemoteCopy = { origin: original, track: undefined as unknown as FakeTrack };
  const track = fakeMediaStreamTrack(original.type, { content: () => { const sent = copy.origin.sent(); return sent ? fakeContent(sent) : 'none'; } });
  copy.track = new FakeTrack(original.type, false, original.participantId, original.videoType, { track, stream: fakeMediaStream([track]) });
  return copy;
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

/** The getUserMedia constraints RTCUtils.js getConstraints makes of `options` for `kinds`. */
function userMediaConstraints(kinds: ('audio' | 'video')[], options: JitsiCreateTracksOptions): { audio: MediaTrackConstraints | false; video: MediaTrackConstraints | false } {
  let video: MediaTrackConstraints | false = false;
  if (kinds.includes('video')) {
    const base = structuredClone(options.constraints?.video ?? {}) as MediaTrackConstraints;
    video = { ...base, height: base.height ?? DEFAULT_VIDEO.height, width: base.width ?? DEFAULT_VIDEO.width, frameRate: base.frameRate ?? DEFAULT_VIDEO.frameRate };
    if (options.cameraDeviceId) video.deviceId = { exact: options.cameraDeviceId };
  }
  let audio: MediaTrackConstraints | false = false;
  if (kinds.includes('audio')) {
    audio = { autoGainControl: true, echoCancellation: true, noiseSuppression: true };
    if (options.micDeviceId) audio.deviceId = { exact: options.micDeviceId };
  }
  return { audio, video };
}

function exactDevice(constraints: MediaTrackConstraints, fallback: string): string {
  const id = constraints.deviceId;
  return typeof id === 'object' && id !== null && !Array.isArray(id) && typeof id.exact === 'string' ? id.exact : fallback;
}

/** Starts a fake deployment (no network: the library is handed to the driver directly). */
export function createFakeJitsiDeployment(): FakeJitsiDeployment {
  const calls: RecordedJitsiCall[] = [];
  const rooms = new Map<string, Room>();
  const conferences = new Map<string, FakeConference>();
  let failing = 0;
  let autostart = true;
  let cancelScreen = false;
  let desktopAudio = false;
  let refuseZoom = false;
  let codec: JitsiVideoCodec = 'av1';
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
    refuseCameraZoom(on) { refuseZoom = on; },
    negotiateCodec(next) { codec = next; },
    sentVideo: (participant) => conferences.get(participant)?.sentVideo(codec) ?? null,
    library(libraryOptions: FakeLibraryOptions = {}): FakeJitsiLibrary {
      const pageId = deployment.nextId();
      const record = (method: string, ...args: unknown[]) => calls.push({ participant: pageId, method, args });
      /** The browser's getUserMedia for the library's request: one track per kind asked. */
      const getUserMedia = (kinds: ('audio' | 'video')[], options: JitsiCreateTracksOptions): Media[] => {
        const constraints = userMediaConstraints(kinds, options);
        record('getUserMedia', constraints);
        if (constraints.video && 'zoom' in constraints.video && refuseZoom) throw new FakeJitsiTrackError(TRACK_ERRORS.CONSTRAINT_FAILED);
        return kinds.map((kind) => {
          const asked = constraints[kind] || {};
          const track = kind === 'video'
            ? fakeMediaStreamTrack('video', { content: 'camera', constraints: asked, settings: { deviceId: exactDevice(asked, 'cam-1'), width: 1280, height: 720 } })
            : fakeMediaStreamTrack('audio', { content: 'sound', constraints: asked, settings: { deviceId: exactDevice(asked, 'mic-1') } });
          return { track, stream: fakeMediaStream([track]) };
        });
      };
      const desktop = (): Media => {
        const track = fakeMediaStreamTrack('video', { content: 'screen', settings: { width: 1920, height: 1080 } });
        return { track, stream: fakeMediaStream([track]) };
      };
      const page: LocalTrackPage = {
        record,
        reopen: (options) => (options.devices.includes('desktop') ? desktop() : getUserMedia(['video'], options)[0]!),
      };
      const wrap = (infos: JitsiTrackInfo[]): JitsiTrack[] => {
        record('createLocalTracksFromMediaStreams', infos.map((i) => ({ mediaType: i.mediaType, videoType: i.videoType, sourceType: i.sourceType })));
        return infos.map((info) => {
          const tracks = info.stream.getTracks().filter((t) => t.kind === info.mediaType);
          if (tracks.length === 0) throw new FakeJitsiTrackError(TRACK_ERRORS.TRACK_NO_STREAM_TRACKS_FOUND);
          if (tracks.length > 1) throw new FakeJitsiTrackError(TRACK_ERRORS.TRACK_TOO_MANY_TRACKS_IN_STREAM);
          return new FakeTrack(info.mediaType, true, pageId, info.videoType ?? 'camera', { track: tracks[0]!, stream: info.stream }, page);
        });
      };
      return {
        participant: pageId,
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
          initJitsiConference(name: string, options: JitsiConferenceOptions): JitsiConference {
            record('initJitsiConference', name, options);
            const conference = new FakeConference(pageId, roomOf(name), this.claims, record, options);
            conferences.set(pageId, conference);
            return conference;
          }
        },
        async createLocalTracks(options) {
          record('createLocalTracks', options);
          const tracks: JitsiTrack[] = [];
          if (options.devices.includes('desktop')) {
            if (cancelScreen) {
              cancelScreen = false;
              throw new FakeJitsiTrackError(TRACK_ERRORS.SCREENSHARING_USER_CANCELED);
            }
            if (desktopAudio) tracks.push(new FakeTrack('audio', true, pageId, 'desktop', undefined, page));
            tracks.push(new FakeTrack('video', true, pageId, 'desktop', desktop(), page));
          }
          const kinds = options.devices.filter((d): d is 'audio' | 'video' => d === 'audio' || d === 'video');
          if (kinds.length > 0) for (const [i, media] of getUserMedia(kinds, options).entries()) tracks.push(new FakeTrack(kinds[i]!, true, pageId, 'camera', media, page));
          return tracks;
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
  private readonly remoteCopies = new Map<FakeTrack, RemoteCopy>();
  private displayName = '';
  private inRoom = false;
  private approved = false;
  /** SendVideoController's preference: no limit until `setSenderVideoConstraint`. */
  private preferredSendHeight = NO_SEND_PREFERENCE;

  constructor(
    readonly id: string,
    private readonly room: Room,
    private readonly claims: Claims,
    private readonly record: (method: string, ...args: unknown[]) => void,
    private readonly options: JitsiConferenceOptions = {},
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
    const copy = remoteCopyOf(original);
    this.remoteCopies.set(original, copy);
    this.listeners.emit(CONFERENCE_EVENTS.TRACK_ADDED, copy.track);
  }

  private forget(original: FakeTrack): void {
    const copy = this.remoteCopies.get(original);
    if (!copy) return;
    this.remoteCopies.delete(original);
    this.listeners.emit(CONFERENCE_EVENTS.TRACK_REMOVED, copy.track);
  }

  /** The sender's track was replaced: the same remote track carries the new one (no event, as RTCRtpSender.replaceTrack). */
  private carry(oldTrack: FakeTrack, newTrack: FakeTrack): void {
    const copy = this.remoteCopies.get(oldTrack);
    if (!copy) return this.receive(newTrack);
    this.remoteCopies.delete(oldTrack);
    copy.origin = newTrack;
    this.remoteCopies.set(newTrack, copy);
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
    const old = oldTrack instanceof FakeTrack && oldTrack.conference === this ? oldTrack : null;
    // Both given: the new track keeps the old one's source and sender, so the others keep their remote track (JitsiConference._doReplaceTrack).
    const replacing = old !== null && newTrack !== null;
    if (old) this.detach(old, !replacing);
    if (newTrack) this.attach(newTrack, !replacing);
    if (replacing && this.inRoom) for (const other of this.others()) other.carry(old, newTrack);
    return Promise.resolve();
  }

  /** Adds a local track (the adder hears TRACK_ADDED of it, JitsiConference._setupNewTrack); `tellOthers`: they receive it. */
  private attach(track: FakeTrack, tellOthers = true): void {
    this.tracks.push(track);
    track.conference = this;
    this.listeners.emit(CONFERENCE_EVENTS.TRACK_ADDED, track);
    if (this.inRoom && tellOthers) for (const other of this.others()) other.receive(track);
  }

  /** Removes a local track (TRACK_REMOVED to the adder, onLocalTrackRemoved); `tellOthers`: their copy goes. */
  private detach(track: FakeTrack, tellOthers = true): void {
    this.tracks.splice(this.tracks.indexOf(track), 1);
    track.conference = null;
    this.listeners.emit(CONFERENCE_EVENTS.TRACK_REMOVED, track);
    if (this.inRoom && tellOthers) for (const other of this.others()) other.forget(track);
  }

  async setSenderVideoConstraint(maxFrameHeight: number): Promise<void> {
    this.record('setSenderVideoConstraint', maxFrameHeight);
    // SendVideoController keeps any number; a height that is not one >= 0 is then not applied (TraceablePeerConnection.setSenderVideoConstraints).
    this.preferredSendHeight = maxFrameHeight;
  }

  /**
   * The camera video sent, as TPCUtils.ts encodes a single stream: at the lower of the camera's
   * height and the preference, at the rate of that height's level, from the conference's
   * `videoQuality` (JingleSessionPC lower-cases its keys: the older `maxBitratesVideo.VP8` form is
   * read as `maxbitratesvideo`) or the library's defaults.
   */
  sentVideo(codec: JitsiVideoCodec): FakeSentVideo | null {
    const camera = this.tracks.find((t) => t.type === 'video' && t.videoType === 'camera' && t.sent() !== null);
    if (!camera) return null;
    const preference = Number.isFinite(this.preferredSendHeight) && this.preferredSendHeight >= 0 ? this.preferredSendHeight : NO_SEND_PREFERENCE;
    const height = Math.min(camera.captureHeight, preference);
    const level = QUALITY_LEVELS.find((l) => l.height <= height)?.level ?? 'none';
    const quality = Object.fromEntries(Object.entries(this.options.videoQuality ?? {}).map(([k, v]) => [k.toLowerCase(), v])) as Record<string, unknown>;
    const perCodec = (quality[codec] as { maxBitratesVideo?: Record<string, number> } | undefined)?.maxBitratesVideo;
    const legacy = (quality['maxbitratesvideo'] as Record<string, Record<string, number>> | undefined)?.[codec.toUpperCase()];
    const configured = (perCodec ?? legacy)?.[level];
    const maxBitrateBps = level === 'none' ? 0 : configured || (DEFAULT_BITRATES[codec][level] ?? 0);
    return { height, maxBitrateBps, codec };
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
