/**
 * What the shared conference-driver specs need of an environment (a practitioner's and a
 * patient's {@link DriverHandle}), and the helpers that read it: events, announced tracks, a
 * call entered through the lobby.
 */
import type { ConferenceEvents, ConferenceMessage, JoinOptions, MediaDevice, MediaKind, SendQuality, TrackSource } from './conference.ts';
import type { Json, LoggedEvent } from './event-log.ts';

/** The colour a test effect paints; `broken` is an effect whose start throws. */
export type TestEffect = 'magenta' | 'cyan' | 'broken';

/** What the other side's camera shows: its own picture, a test effect's colour, black (off at the source), or no frames at all. */
export type RemotePicture = 'camera' | 'black' | 'none' | `solid:${TestEffect}` | 'solid:other';

/** A track of `localStream()` as the page reads it. */
export interface LocalTrackState {
  kind: MediaKind;
  enabled: boolean;
  live: boolean;
  /** `getSettings().deviceId`; null when the track has none. */
  deviceId: string | null;
  /** Whether it was opened asking for the camera's zoom (`getConstraints().zoom`). */
  askedZoom: boolean;
}

/** The camera video as one side sends it. */
export interface SentVideo {
  /** Its height as encoded, pixels. */
  height: number;
  /** The cap on its encoding, bit/s; null: none. */
  maxBitrateBps: number | null;
}

/** One participant's driver, driven from the spec (directly, or inside a browser page). */
export interface DriverHandle {
  join(options: JoinOptions): Promise<void>;
  leave(): Promise<void>;
  knock(): Promise<void>;
  approve(id: string): Promise<void>;
  deny(id: string): Promise<void>;
  setMicrophoneMuted(muted: boolean): Promise<void>;
  setCameraMuted(muted: boolean): Promise<void>;
  muted(): Promise<{ microphone: boolean; camera: boolean }>;
  hasLocalStream(): Promise<boolean>;
  send(message: ConferenceMessage): Promise<void>;
  listDevices(): Promise<MediaDevice[]>;
  /** Every event since the handle was made, in order. */
  events(): Promise<LoggedEvent[]>;
  /**
   * Shares a screen: the browser's (its picker) without `testTrack`, or a video track of that
   * size made where the driver runs (a canvas capture in a browser). Resolves with null, or with
   * the code of the error the driver threw.
   */
  startScreenShare(testTrack?: { width: number; height: number }): Promise<string | null>;
  stopScreenShare(): Promise<void>;
  /** What the browser's own "Stop sharing" does: the shared track stops and fires `ended`. */
  endScreenTrack(): Promise<void>;
  /** Whether `screenStream()` gives our shared screen. */
  hasScreenStream(): Promise<boolean>;
  /** Real media only: the size of the other side's `source` video as displayed, once it plays. */
  remoteVideoSize?(source: TrackSource): Promise<{ width: number; height: number }>;
  switchCamera(deviceId: string): Promise<void>;
  /** The tracks of `localStream()` (none before join). */
  localTracks(): Promise<LocalTrackState[]>;
  /**
   * Sends the camera through a new test effect (null: none), made where the driver runs: it
   * paints its colour (or throws on start, `broken`). Resolves with null or the error's code.
   */
  setCameraEffect(effect: TestEffect | null): Promise<string | null>;
  /** What the test effects were asked, in order: `start:<colour>:<deviceId of the camera given>`, `stop:<colour>`. */
  effectCalls(): Promise<string[]>;
  setSendQuality(quality: SendQuality): Promise<void>;
  /** The camera video this side sends now; null when it sends none. */
  sentVideo(): Promise<SentVideo | null>;
  /** What the other side's camera shows here now. */
  remotePicture(): Promise<RemotePicture>;
  /** Whether sound of the other side's microphone arrives here (about a second's worth). */
  remoteSound(): Promise<boolean>;
  /** Real media only: the bit rate of the other side's camera video arriving here, kbit/s, over `ms`. */
  remoteVideoKbps?(ms: number): Promise<number>;
}

/** One call: a practitioner and a patient, neither joined yet. */
export interface ConferenceEnvironment {
  practitioner: DriverHandle;
  patient: DriverHandle;
  /** Where it can: the patient's page starts over (a reload: a fresh media connection) and is back in the call; its new handle. */
  reloadPatient?(): Promise<DriverHandle>;
  /** The patient's browser refuses to open a camera asked for zoom from now on (as some do); before the patient joins. */
  refuseCameraZoom?(): Promise<void>;
  /** Whether the other side gets frames of `camera` (Chromium's fake_device_1, a depth format, sends none); every camera when absent. */
  sendsFrames?(camera: MediaDevice): boolean;
  close(): Promise<void>;
}

/** Makes environments; `start`/`stop` run once around the suite (e.g. the browser). */
export interface ConferenceEnvironmentFactory {
  start?(): Promise<void>;
  create(): Promise<ConferenceEnvironment>;
  stop?(): Promise<void>;
}

export const WAIT_MS = 15_000;

/** Waits until `handle` has logged an event named `event` matching `accept`, and returns its payload. */
export async function waitForEvent<K extends keyof ConferenceEvents>(
  handle: DriverHandle, event: K, accept: (payload: Json) => boolean = () => true, timeoutMs = WAIT_MS,
): Promise<Json> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await handle.events()).find((e) => e.event === event && accept(e.payload));
    if (found) return found.payload;
    if (Date.now() > deadline) throw new Error(`no "${event}" event within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function isObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const isVideo = (payload: Json) => isObject(payload) && payload['kind'] === 'video';

/** The other side's tracks as the events announced them (added and not removed since), as `kind:source`, sorted. */
export async function announcedTracks(handle: DriverHandle): Promise<string[]> {
  const tracks = new Map<string, string>();
  for (const { event, payload } of await handle.events()) {
    if (!isObject(payload)) continue;
    const id = String(payload['id']);
    if (event === 'remote-track-added') tracks.set(id, `${String(payload['kind'])}:${String(payload['source'])}`);
    if (event === 'remote-track-removed') tracks.delete(id);
  }
  return [...tracks.values()].sort();
}

/** Waits until `handle` has announced exactly `expected` (`kind:source`, sorted). */
export async function waitForTracks(handle: DriverHandle, expected: string[]): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (JSON.stringify(await announcedTracks(handle)) !== JSON.stringify(expected)) {
    if (Date.now() > deadline) throw new Error(`remote tracks ${JSON.stringify(await announcedTracks(handle))}, expected ${JSON.stringify(expected)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Reads `read` until `accept` takes its value; fails with what it last read. */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const CAMERA_AND_SCREEN = ['audio:camera', 'video:camera', 'video:screen'];
export const CAMERA_ONLY = ['audio:camera', 'video:camera'];

/** Practitioner and patient in the call through the lobby; returns the knock that was approved. */
export async function enterCall(env: ConferenceEnvironment): Promise<{ id: string; name: string }> {
  await env.practitioner.join({ role: 'practitioner', displayName: 'Dr Claire Dubois' });
  await env.patient.join({ role: 'patient', displayName: 'Camille M.' });
  await env.patient.knock();
  const knock = await waitForEvent(env.practitioner, 'knocking');
  if (!isObject(knock) || typeof knock['id'] !== 'string') throw new Error('knocking without an id');
  await env.practitioner.approve(knock['id']);
  await waitForEvent(env.patient, 'approved');
  await waitForEvent(env.practitioner, 'remote-track-added', isVideo);
  await waitForEvent(env.patient, 'remote-track-added', isVideo);
  await waitForEvent(env.practitioner, 'connection', (s) => s === 'connected');
  await waitForEvent(env.patient, 'connection', (s) => s === 'connected');
  return { id: knock['id'], name: String(knock['name'] ?? '') };
}
