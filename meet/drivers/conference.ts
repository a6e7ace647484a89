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
 */

/** Who is at this end of the call. The practitioner owns the call; the patient is polite. */
export type ConferenceRole = 'practitioner' | 'patient';

/** Which driver implements the call. */
export type ConferenceDriverName = 'p2p' | 'jitsi';

/** The kind of a media track. */
export type MediaKind = 'audio' | 'video';

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
  /** A stream holding this track, ready for `video.srcObject`. */
  stream: MediaStream;
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
  /** The local camera/microphone stream changed (join, camera or microphone switch, screen share). */
  'local-stream': MediaStream | null;
  'remote-track-added': RemoteTrack;
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
  /** Our own screen share started or stopped (also when the browser's "stop sharing" is used). */
  'screen-share': boolean;
}

/** A conference driver: one instance per page and call. */
export interface ConferenceDriver {
  readonly name: ConferenceDriverName;
  /** Takes the camera and microphone and enters the media side of the call. */
  join(options: JoinOptions): Promise<void>;
  /** Leaves the call, stops every local track, removes no listener. Safe to call twice. */
  leave(): Promise<void>;

  /** The local camera/microphone stream (for the self view), null before `join()`. */
  localStream(): MediaStream | null;
  /** Cameras, microphones and speakers. */
  listDevices(): Promise<MediaDevice[]>;
  switchCamera(deviceId: string): Promise<void>;
  switchMicrophone(deviceId: string): Promise<void>;

  setMicrophoneMuted(muted: boolean): Promise<void>;
  setCameraMuted(muted: boolean): Promise<void>;
  isMicrophoneMuted(): boolean;
  isCameraMuted(): boolean;

  startScreenShare(): Promise<void>;
  stopScreenShare(): Promise<void>;

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
