/**
 * Our own types for the subset of lib-jitsi-meet the `jitsi` driver uses. The library is
 * loaded at run time from the clinic's deployment, so these describe that global, checked
 * against github.com/jitsi/lib-jitsi-meet (JitsiMeetJS.ts, JitsiConnection.ts,
 * JitsiConference.ts, JitsiConferenceEvents.ts, JitsiConferenceErrors.ts,
 * JitsiConnectionEvents.ts, JitsiTrackErrors.ts, modules/RTC/JitsiTrack.ts, modules/RTC/RTC.js,
 * service/RTC/VideoType.ts, modules/xmpp/Lobby.js).
 */

/** Event names used (JitsiConferenceEvents.ts; the values are the library's strings). */
export interface JitsiConferenceEventNames {
  CONFERENCE_JOINED: string;
  CONFERENCE_FAILED: string;
  CONFERENCE_LEFT: string;
  TRACK_ADDED: string;
  TRACK_REMOVED: string;
  USER_JOINED: string;
  USER_LEFT: string;
  LOBBY_USER_JOINED: string;
  LOBBY_USER_LEFT: string;
  MEMBERS_ONLY_CHANGED: string;
  ENDPOINT_MESSAGE_RECEIVED: string;
}

/** Connection events used (JitsiConnectionEvents.ts). */
export interface JitsiConnectionEventNames {
  CONNECTION_ESTABLISHED: string;
  CONNECTION_FAILED: string;
  CONNECTION_DISCONNECTED: string;
}

/** Conference errors used (JitsiConferenceErrors.ts): the second argument of CONFERENCE_FAILED. */
export interface JitsiConferenceErrorNames {
  /** The room is members-only (lobby on): the join must go through `joinLobby`. */
  MEMBERS_ONLY_ERROR: string;
  /** A moderator denied the lobby knock (Lobby.js emits MUC_DENIED_ACCESS when kicked from the lobby). */
  CONFERENCE_ACCESS_DENIED: string;
}

/** Track errors used (JitsiTrackErrors.ts): the `name` of a JitsiTrackError. */
export interface JitsiTrackErrorNames {
  /** The user closed the screen picker (ScreenObtainer.ts maps getDisplayMedia's refusals to it). */
  SCREENSHARING_USER_CANCELED: string;
}

/** A video track's type (service/RTC/VideoType.ts): a camera, or a shared screen (`desktop`, `desktop_high_fps`). */
export type JitsiVideoType = 'camera' | 'desktop' | 'desktop_high_fps';

/** What `createLocalTracksFromMediaStreams` takes per track (JitsiMeetJS.ts ICreateLocalTrackFromMediaStreamOptions). */
export interface JitsiTrackInfo {
  /** A stream holding exactly one track of `mediaType`. */
  stream: MediaStream;
  /** That track. */
  track: MediaStreamTrack;
  mediaType: 'audio' | 'video';
  videoType?: JitsiVideoType;
  /** A free label of where the track comes from (JitsiLocalTrack.sourceType). */
  sourceType: string;
}

/** A track (modules/RTC/JitsiTrack.ts, JitsiLocalTrack.ts, JitsiRemoteTrack.ts). */
export interface JitsiTrack {
  getId(): string | null;
  getType(): 'audio' | 'video';
  /** `camera` or `desktop` for video tracks (undefined for audio). */
  getVideoType?(): string | undefined;
  isLocal(): boolean;
  isMuted(): boolean;
  getParticipantId(): string;
  getOriginalStream(): MediaStream;
  getTrack(): MediaStreamTrack;
  /** Local tracks only. */
  mute?(): Promise<void>;
  unmute?(): Promise<void>;
  dispose(): Promise<void>;
}

/** A conference participant (JitsiParticipant.ts), as far as events carry it. */
export interface JitsiParticipant {
  getId(): string;
  getDisplayName(): string | undefined;
}

/** A conference (JitsiConference.ts). */
export interface JitsiConference {
  on(event: string, listener: (...args: never[]) => void): void;
  off(event: string, listener: (...args: never[]) => void): void;
  join(password?: string): void;
  leave(): Promise<unknown>;
  setDisplayName(name: string): void;
  /** Adds a local track; a second video track is accepted only of another video type (a desktop beside the camera). */
  addTrack(track: JitsiTrack): Promise<void>;
  /** Removes a local track (a new offer/answer follows; the others get TRACK_REMOVED). */
  removeTrack(track: JitsiTrack): Promise<void>;
  /** Throws when both tracks are given with different video types. */
  replaceTrack(oldTrack: JitsiTrack | null, newTrack: JitsiTrack | null): Promise<void>;
  isModerator(): boolean;
  isMembersOnly(): boolean;
  /** Moderators: turn the lobby on (resolves when the lobby room is joined). */
  enableLobby(): Promise<void>;
  /** Knock: join the lobby room; the main room is joined when a moderator approves. */
  joinLobby(displayName: string, email?: string): Promise<void>;
  lobbyApproveAccess(id: string | string[]): void;
  lobbyDenyAccess(id: string): void;
  broadcastEndpointMessage(payload: object): void;
}

/** Options of `new JitsiConnection(...)` used here (JitsiConnection.ts IConnectionOptions). */
export interface JitsiConnectionOptions {
  hosts: { domain: string; muc: string };
  serviceUrl: string;
}

/** A connection (JitsiConnection.ts). */
export interface JitsiConnection {
  connect(options?: object): void;
  disconnect(): unknown;
  addEventListener(event: string, listener: (...args: never[]) => void): void;
  removeEventListener(event: string, listener: (...args: never[]) => void): void;
  initJitsiConference(name: string, options: object): JitsiConference;
}

/** Device info as `mediaDevices.enumerateDevices` gives it. */
export interface JitsiDeviceInfo {
  deviceId: string;
  kind: string;
  label: string;
}

/** The `JitsiMeetJS` global (JitsiMeetJS.ts). */
export interface JitsiMeetJSGlobal {
  init(options?: object): void;
  setLogLevel?(level: unknown): void;
  logLevels?: { ERROR: unknown };
  JitsiConnection: new (appId: string | null, token: string | null, options: JitsiConnectionOptions) => JitsiConnection;
  /** `desktop` may give a desktop audio track too (the user shared the tab's audio), before the video. */
  createLocalTracks(options: { devices: ('audio' | 'video' | 'desktop')[]; cameraDeviceId?: string; micDeviceId?: string }): Promise<JitsiTrack[]>;
  /** Wraps tracks the page made itself; throws a JitsiTrackError. Absent before lib-jitsi-meet #2409 (December 2023). */
  createLocalTracksFromMediaStreams?(tracksInfo: JitsiTrackInfo[]): JitsiTrack[];
  mediaDevices: { enumerateDevices(callback: (devices: JitsiDeviceInfo[]) => void): void };
  events: { conference: JitsiConferenceEventNames; connection: JitsiConnectionEventNames };
  errors: { conference: JitsiConferenceErrorNames; track: JitsiTrackErrorNames };
}
