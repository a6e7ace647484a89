/**
 * What the call pages need of the media, in our words. Two drivers implement it: `p2p`
 * (direct WebRTC between the two browsers, signalled through the connector's live socket)
 * and `jitsi` (lib-jitsi-meet against the clinic's deployment). Framework-free: used by the
 * Angular pages and by plain test pages alike. Vendor types stay inside each driver.
 *
 * The lifecycle: `join()` takes the camera and microphone and enters the media side of the
 * call; the patient then `knock()`s and is in the call on `approved`; the practitioner sees
 * `knocking` and calls `approve()` or `deny()`. The connector's waiting room stays the
 * authority on who may enter (see protocol/live.ts); the driver's lobby is the
 * media side of it.
 *
 * Screen sharing keeps the camera: the practitioner's `startScreenShare()` sends the screen as a
 * second video track beside the camera, and the patient receives both, told apart by
 * {@link RemoteTrack.source} (show the `screen` large, the `camera` small). Only the practitioner
 * shares (the patient's call is refused with `SCREEN_SHARE_PRACTITIONER_ONLY`, on both drivers).
 */

/** Who is at this end of the call. The practitioner owns the call; the patient is polite. */
export type ConferenceRole = 'practitioner' | 'patient';

/** Which driver implements the call. */
export type ConferenceDriverName = 'p2p' | 'jitsi';

/** The kind of a media track. */
export type MediaKind = 'audio' | 'video';

/** What a remote track shows: the participant's camera (and microphone), or a shared screen. */
export type TrackSource = 'camera' | 'screen';

/** A camera, microphone or speaker the browser offers. */
export interface MediaDevice {
  id: string;
  kind: 'camera' | 'microphone' | 'speaker';
  /** Empty until the page was granted media access (browser privacy rule). */
  label: string;
}

/** A track from the other side of the call. */
export interface RemoteTrack {
  /** Stable for the life of the track (to match `remote-track-removed` with `remote-track-added`). */
  id: string;
  kind: MediaKind;
  /** `screen` for the other side's shared screen (video only); `camera` for its camera and microphone. */
  source: TrackSource;
  /** A stream holding this track, ready for `video.srcObject` (the screen has a stream of its own). */
  stream: MediaStream;
}

/** Why a driver call failed, for the page to switch on (e.g. stay quiet on `SCREEN_SHARE_CANCELLED`). */
export type ConferenceErrorCode =
  /** A call that needs `join()` first. */
  | 'NOT_JOINED'
  /** The patient asked to share its screen: only the practitioner shares. */
  | 'SCREEN_SHARE_PRACTITIONER_ONLY'
  /** The user closed the browser's screen picker without choosing (or refused the permission). */
  | 'SCREEN_SHARE_CANCELLED'
  /** The browser could not capture the screen; `cause` says why. */
  | 'SCREEN_CAPTURE_FAILED'
  /** The track given to `startScreenShare(track)` is not a live video track. */
  | 'SCREEN_TRACK_INVALID'
  /** The driver cannot send a given track (the jitsi deployment's library is too old); share the screen instead. */
  | 'SCREEN_TRACK_UNSUPPORTED'
  /** The camera effect failed to start (it threw, or gave no live video track); the camera is sent as it is, `cause` says why. */
  | 'CAMERA_EFFECT_FAILED';

/** An error of a conference driver, with a code and the original error as `cause`. */
export class ConferenceError extends Error {
  override readonly name = 'ConferenceError';

  constructor(readonly code: ConferenceErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Where the media connection stands. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'disconnected' | 'failed';

/** Someone asking to enter (what the practitioner sees). `id` is what `approve()`/`deny()` take. */
export interface Knock {
  id: string;
  name: string;
}

/** A small JSON message to the other side (not chat: chat goes through the connector). */
export type ConferenceMessage = Readonly<Record<string, unknown>>;

/**
 * Something that remakes the camera's picture before it leaves (a blurred or replaced
 * background): lib-jitsi-meet's stream effect, in our words. The driver gives it the camera's
 * stream and sends what it returns instead; the self view shows the same, so the practitioner
 * sees what the patient sees.
 *
 * The driver starts it again after a `stop()` when the camera changes (a camera switch; on
 * jitsi also turning the camera back on, since lib-jitsi-meet closes a muted camera), never twice
 * without a `stop()` between. Turning the camera off still acts at the source: the effect then
 * gets (and sends) a black picture, or is stopped until the camera is back.
 */
export interface CameraEffect {
  /** Takes a stream holding the camera's video track; returns a stream with the one video track to send instead. */
  start(camera: MediaStream): MediaStream;
  /** Stops the effect's work and its output track (the camera's own track is the driver's). */
  stop(): void;
}

/**
 * Limits on the camera video we send (the practitioner's "Avancé" settings); null: none (the
 * browser's own adaptation). The shared screen is not limited. Each driver's module says how
 * its library applies them (p2p: the camera's RTCRtpSender; jitsi: lib-jitsi-meet's own knobs).
 */
export interface SendQuality {
  /** Cap on the camera video we send, kbit/s. */
  maxVideoKbps: number | null;
  /**
   * The highest height of the camera video we send, pixels: the picture is scaled down on its
   * way out; the camera itself (the self view, photos, its zoom) keeps its resolution.
   */
  maxVideoHeight: number | null;
}

/** Options of {@link ConferenceDriver.join}. */
export interface JoinOptions {
  role: ConferenceRole;
  /** Shown to the other side (e.g. in the Jitsi lobby). */
  displayName: string;
  /** Device ids chosen on the device check; the browser's default when absent. */
  cameraId?: string;
  microphoneId?: string;
  /** Start with the microphone / camera muted. */
  microphoneMuted?: boolean;
  cameraMuted?: boolean;
}

/** Events of a driver, by name, with their payload. */
export interface ConferenceEvents {
  /** The media connection changed state. */
  connection: ConnectionState;
  /**
   * The local camera/microphone stream changed (join, camera or microphone switch, camera
   * effect; on jitsi also the camera turned off and on, as lib-jitsi-meet closes a muted camera); never the screen.
   */
  'local-stream': MediaStream | null;
  /** A track of the other side arrived (its `source` says camera or screen). */
  'remote-track-added': RemoteTrack;
  /** A track of the other side left: the same object as its `remote-track-added` (e.g. the screen share stopped). */
  'remote-track-removed': RemoteTrack;
  /** The other participant's media left (hung up, reloaded, dropped). */
  'remote-left': void;
  /** Practitioner: someone is waiting to enter. */
  knocking: Knock;
  /** Practitioner: a knock was withdrawn (the patient left the waiting room). */
  'knock-withdrawn': Knock;
  /** Patient: the practitioner let us in; media flows next. */
  approved: void;
  /** Patient: the practitioner refused. */
  denied: void;
  /** A message from the other side. */
  message: ConferenceMessage;
  /** Our own screen share started (`true`) or stopped (`false`, also after the browser's own "Stop sharing"). */
  'screen-share': boolean;
}

/** A conference driver: one instance per page and call. */
export interface ConferenceDriver {
  readonly name: ConferenceDriverName;
  /** Takes the camera and microphone and enters the media side of the call. */
  join(options: JoinOptions): Promise<void>;
  /** Leaves the call, stops every local track, removes no listener. Safe to call twice. */
  leave(): Promise<void>;

  /** The local camera/microphone stream (for the self view): the microphone and the camera as sent (an effect's picture while one runs); null before `join()`. */
  localStream(): MediaStream | null;
  /** Cameras, microphones and speakers. */
  listDevices(): Promise<MediaDevice[]>;
  switchCamera(deviceId: string): Promise<void>;
  switchMicrophone(deviceId: string): Promise<void>;

  /**
   * Sends the camera through `effect` from now on (null: the camera as it is), over camera
   * switches and reconnections; the effect replaced is stopped, and so is the effect on
   * `leave()` (a later `join()` starts it again). `localStream()` holds the effect's video track
   * beside the microphone. Resolves once the new picture is on its way, after `local-stream`
   * with it. Before `join()`: kept for the join. Rejects with a {@link ConferenceError}
   * `CAMERA_EFFECT_FAILED` when the effect fails to start (the camera is then sent as it is).
   */
  setCameraEffect(effect: CameraEffect | null): Promise<void>;
  /**
   * Applies limits to the camera video we send, now and for the rest of the call (over camera
   * switches and reconnections); before `join()`, kept for it. See {@link SendQuality}.
   */
  setSendQuality(quality: SendQuality): Promise<void>;

  setMicrophoneMuted(muted: boolean): Promise<void>;
  setCameraMuted(muted: boolean): Promise<void>;
  isMicrophoneMuted(): boolean;
  isCameraMuted(): boolean;

  /**
   * Practitioner: shares a screen beside the camera (the camera keeps going). Without `track` the
   * browser asks which screen, window or tab (`getDisplayMedia`, video only); with `track` (e.g.
   * a `canvas.captureStream()` track showing a local image) that track is shared instead, and
   * the driver owns it from then on (it is stopped when the share stops; after a rejection it is
   * still the caller's). Resolves once the track is on its way, with `screen-share: true`.
   * Already sharing: the new share replaces the old one once it is obtained (a cancelled picker
   * keeps the old one): `screen-share` false then true here, and the other side sees the old
   * screen track leave and the new one arrive. The track's `ended` (the browser's own "Stop
   * sharing") stops the share. Rejects with a {@link ConferenceError}: `NOT_JOINED`,
   * `SCREEN_SHARE_PRACTITIONER_ONLY`, `SCREEN_SHARE_CANCELLED`, `SCREEN_CAPTURE_FAILED`,
   * `SCREEN_TRACK_INVALID`, `SCREEN_TRACK_UNSUPPORTED`.
   */
  startScreenShare(track?: MediaStreamTrack): Promise<void>;
  /** Stops sharing (the other side gets `remote-track-removed` for the screen); `screen-share: false` follows. Not sharing: nothing. */
  stopScreenShare(): Promise<void>;
  /** Our own shared screen (for a local preview), null when not sharing. */
  screenStream(): MediaStream | null;

  /** Sends a message to the other side; dropped when nobody is there yet. */
  send(message: ConferenceMessage): void;

  /** Patient: asks to enter. `approved` or `denied` follows. */
  knock(): Promise<void>;
  /** Practitioner: lets the knock `id` in. */
  approve(id: string): Promise<void>;
  /** Practitioner: refuses the knock `id`. */
  deny(id: string): Promise<void>;

  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof ConferenceEvents>(event: K, listener: (payload: ConferenceEvents[K]) => void): () => void;
}

/** What a p2p or jitsi driver needs from the media settings the connector sends (protocol `MediaSettings`). */
export interface IceServerSettings {
  urls: string | string[];
  username?: string;
  credential?: string;
}
