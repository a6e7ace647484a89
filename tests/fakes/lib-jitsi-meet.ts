/**
 * A scripted fake of the `JitsiMeetJS` global (lib-jitsi-meet) and of the deployment behind it,
 * for the jitsi driver's specs in Node. It behaves per the library's documented events and its
 * lobby flow (github.com/jitsi/lib-jitsi-meet: JitsiConferenceEvents.ts, JitsiConferenceErrors.ts,
 * JitsiConnectionEvents.ts, JitsiConference.ts, modules/xmpp/Lobby.js):
 *   - the token's `context.user.affiliation: "owner"` makes a moderator (Prosody's token_affiliation);
 *     `lobby_bypass` skips the lobby (token_lobby_bypass);
 *   - with the lobby on, a member's `join()` fails with CONFERENCE_FAILED(MEMBERS_ONLY_ERROR);
 *     `joinLobby(name)` shows LOBBY_USER_JOINED(id, name) to moderators; `lobbyApproveAccess(id)`
 *     joins the knocker into the room (CONFERENCE_JOINED), `lobbyDenyAccess(id)` ends with
 *     CONFERENCE_FAILED(CONFERENCE_ACCESS_DENIED);
 *   - tracks added in the room reach the others as TRACK_ADDED, and TRACK_REMOVED/USER_LEFT on leave.
 * Events are delivered asynchronously, as over XMPP. Every call is recorded; failures on demand.
 */
import type {
  JitsiConference, JitsiConnection, JitsiConnectionOptions, JitsiDeviceInfo, JitsiMeetJSGlobal, JitsiParticipant, JitsiTrack,
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
  library(): JitsiMeetJSGlobal;
  /** The next `count` connections fail with CONNECTION_FAILED. */
  failNextConnections(count: number): void;
  /** Whether the room currently has its lobby on. */
  lobbyEnabled(room: string): boolean;
  /** Turns the lobby on from the start, as the deployment's lobby_autostart does. */
  autostartLobby(on: boolean): void;
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

let trackCounter = 0;

function fakeStream(id: string): MediaStream {
  return { id, getTracks: () => [] } as unknown as MediaStream;
}

class FakeTrack implements JitsiTrack {
  readonly id = `track-${++trackCounter}`;
  private muted = false;
  disposed = false;
  constructor(readonly type: 'audio' | 'video', readonly local: boolean, readonly participantId: string, readonly videoType = 'camera', readonly deviceId = 'default') {}
  getId(): string { return this.id; }
  getType(): 'audio' | 'video' { return this.type; }
  getVideoType(): string | undefined { return this.type === 'video' ? this.videoType : undefined; }
  isLocal(): boolean { return this.local; }
  isMuted(): boolean { return this.muted; }
  getParticipantId(): string { return this.participantId; }
  getOriginalStream(): MediaStream { return fakeStream(`stream-${this.id}`); }
  getTrack(): MediaStreamTrack { return { kind: this.type, addEventListener() {}, removeEventListener() {} } as unknown as MediaStreamTrack; }
  async mute(): Promise<void> { this.muted = true; }
  async unmute(): Promise<void> { this.muted = false; }
  async dispose(): Promise<void> { this.disposed = true; }
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
    library(): JitsiMeetJSGlobal {
      const pageId = deployment.nextId();
      const record = (method: string, ...args: unknown[]) => calls.push({ participant: pageId, method, args });
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
          return options.devices.map((d) => new FakeTrack(d === 'audio' ? 'audio' : 'video', true, pageId, d === 'desktop' ? 'desktop' : 'camera', (d === 'audio' ? options.micDeviceId : options.cameraDeviceId) ?? 'default'));
        },
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
        errors: { conference: { ...CONFERENCE_ERRORS } },
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
    this.listeners.emit(CONFERENCE_EVENTS.CONFERENCE_LEFT);
  }

  setDisplayName(name: string): void {
    this.record('setDisplayName', name);
    this.displayName = name;
  }

  async addTrack(track: JitsiTrack): Promise<void> {
    this.record('addTrack', track.getType());
    if (!(track instanceof FakeTrack)) throw new Error('not a track of this library');
    this.tracks.push(track);
    if (this.inRoom) for (const other of this.others()) other.receive(track);
  }

  async replaceTrack(oldTrack: JitsiTrack | null, newTrack: JitsiTrack | null): Promise<void> {
    this.record('replaceTrack', oldTrack?.getType() ?? null, newTrack?.getType() ?? null);
    if (oldTrack instanceof FakeTrack) {
      this.tracks.splice(this.tracks.indexOf(oldTrack), 1);
      for (const other of this.others()) if (this.inRoom) other.forget(oldTrack);
    }
    if (newTrack) await this.addTrack(newTrack);
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
