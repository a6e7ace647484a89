/**
 * Our own types for the subset of lib-jitsi-meet the `jitsi` driver uses. The library is
 * loaded at run time from the clinic's deployment, so these describe that global, checked
 * against github.com/jitsi/lib-jitsi-meet (JitsiMeetJS.ts, JitsiConnection.ts,
 * JitsiConference.ts, JitsiConferenceEvents.ts, JitsiConferenceErrors.ts,
 * JitsiConnectionEvents.ts, JitsiTrackErrors.ts, JitsiTrackError.ts, modules/RTC/JitsiTrack.ts,
 * modules/RTC/JitsiLocalTrack.ts, modules/RTC/RTC.js, modules/RTC/RTCUtils.js, modules/RTC/TPCUtils.ts,
 * modules/qualitycontrol/SendVideoController.ts, service/RTC/VideoType.ts, modules/xmpp/Lobby.js).
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
  /** getUserMedia's OverconstrainedError on a constraint other than a size or device (JitsiTrackError.ts). */
  CONSTRAINT_FAILED: string;
  /** getUserMedia's NotAllowedError, PermissionDeniedError or SecurityError. */
  PERMISSION_DENIED: string;
  /** Any other getUserMedia failure (NotReadableError, TypeError…). */
  GENERAL: string;
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

/**
 * A stream effect (JitsiLocalTrack.ts IStreamEffect): `setEffect` asks `isEnabled(track)`, then
 * `startEffect` gets the track's stream and the first track of the stream it returns is what the
 * track holds and sends from then on; `stopEffect` when the effect is replaced or removed, when
 * the track is disposed, and when a camera muted by closing it (Chromium, Firefox, Safari:
 * BrowserCapabilities.doesVideoMuteByStreamRemove) is closed; unmuting starts it again on the new stream.
 */
export interface JitsiStreamEffect {
  isEnabled(track: JitsiTrack): boolean;
  startEffect(stream: MediaStream): MediaStream;
  stopEffect(): void;
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
  /** The stream the track holds (an effect's output while one runs); null while a local camera is muted (the library closes it). */
  getOriginalStream(): MediaStream | null;
  /** The MediaStreamTrack the track holds and sends (an effect's output while one runs); ended while a local camera is muted. */
  getTrack(): MediaStreamTrack | null;
  /** Local tracks only. A local camera mutes by closing the camera (its stream goes), a microphone by disabling its track. */
  mute?(): Promise<void>;
  /** Local tracks only. A muted camera is opened again with the constraints it was opened with, and its effect started again. */
  unmute?(): Promise<void>;
  /** Local tracks only: runs `effect` on the track (undefined: none); rejects 'Incompatible effect instance!' when `isEnabled` says no. */
  setEffect?(effect?: JitsiStreamEffect): Promise<void>;
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
  /**
   * The highest video height we want to send (qualitycontrol/SendVideoController.ts): the library
   * sends the lower of it and what the receiver asks for, on every media session of the
   * conference and over track replacements, as the encoding's scaleResolutionDownBy (TPCUtils.ts).
   * 2160 is its "no preference".
   */
  setSenderVideoConstraint(maxFrameHeight: number): Promise<void>;
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

/** Bit rates per quality level, bit/s (service/RTC/StandardVideoQualitySettings.ts: low, standard, high, fullHd, ultraHd, ssHigh). */
export type JitsiLevelBitrates = Partial<Record<'low' | 'standard' | 'high' | 'fullHd' | 'ultraHd' | 'ssHigh', number>>;

/** The video codecs whose settings `videoQuality` takes (service/RTC/CodecMimeType.ts). */
export type JitsiVideoCodec = 'av1' | 'h264' | 'vp8' | 'vp9';

/**
 * The conference option `videoQuality` as far as used: the cap of each quality level per codec
 * (TPCUtils.ts reads it when it makes a peer connection), and, for libraries before per-codec
 * settings (lib-jitsi-meet #2350, October 2023), the same under `maxBitratesVideo.VP8` etc.
 */
export type JitsiVideoQualityOptions = Partial<Record<JitsiVideoCodec, { maxBitratesVideo: JitsiLevelBitrates }>> & {
  maxBitratesVideo?: Partial<Record<Uppercase<JitsiVideoCodec>, JitsiLevelBitrates>>;
};

/** Options of `initJitsiConference` used here (JitsiConference.ts IConferenceOptions.config). */
export interface JitsiConferenceOptions {
  videoQuality?: JitsiVideoQualityOptions;
}

/** Options of `createLocalTracks` used here (JitsiMeetJS.ts, RTCUtils.js obtainAudioAndVideoPermissions). */
export interface JitsiCreateTracksOptions {
  devices: ('audio' | 'video' | 'desktop')[];
  cameraDeviceId?: string;
  micDeviceId?: string;
  /**
   * The base of the getUserMedia constraints (RTCUtils.js getConstraints): the library adds its
   * default size and frame rate to `video` where they are missing, and the device ids.
   */
  constraints?: { video?: MediaTrackConstraints };
}

/** A connection (JitsiConnection.ts). */
export interface JitsiConnection {
  connect(options?: object): void;
  disconnect(): unknown;
  addEventListener(event: string, listener: (...args: never[]) => void): void;
  removeEventListener(event: string, listener: (...args: never[]) => void): void;
  initJitsiConference(name: string, options: JitsiConferenceOptions): JitsiConference;
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
  createLocalTracks(options: JitsiCreateTracksOptions): Promise<JitsiTrack[]>;
  /** Wraps tracks the page made itself; throws a JitsiTrackError. Absent before lib-jitsi-meet #2409 (December 2023). */
  createLocalTracksFromMediaStreams?(tracksInfo: JitsiTrackInfo[]): JitsiTrack[];
  mediaDevices: { enumerateDevices(callback: (devices: JitsiDeviceInfo[]) => void): void };
  events: { conference: JitsiConferenceEventNames; connection: JitsiConnectionEventNames };
  errors: { conference: JitsiConferenceErrorNames; track: JitsiTrackErrorNames };
}
