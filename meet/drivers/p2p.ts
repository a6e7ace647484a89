/**
 * The `p2p` conference driver: a direct WebRTC call between the two browsers, signalled
 * through the connector's live socket, with the connector's waiting room as the lobby.
 *
 * Only the practitioner makes offers; the patient answers. With one offerer there is no
 * offer collision to resolve, which made reloads racy when both sides offered at once (the
 * "perfect negotiation" guards, https://developer.mozilla.org/docs/Web/API/WebRTC_API/Perfect_negotiation,
 * stay in place for safety). A `bye` signal means "my side starts over": the patient sends it
 * whenever it (re)starts its peer connection (after a reload, a reconnect or a failure), the
 * practitioner sends it when it comes back to a call already admitted; the practitioner
 * answers a `bye` with a fresh peer connection and an offer, the patient with a full restart.
 * So reloads on either side renegotiate, and nothing loops.
 *
 * Screen sharing (practitioner only: the patient never offers, so it could not add a track
 * without a second offerer) adds the screen as a second video track in a stream of its own and
 * keeps the camera; removing it renegotiates. Every offer names the screen's stream it carries
 * (`screenStreamId`, read off the offer's own SDP, so that an offer made while a share was being
 * replaced names the screen it holds), which the patient uses to mark the tracks of that stream
 * `source: 'screen'`; a track it has already announced is not announced again.
 * When the practitioner removes the screen, Chromium fires `removetrack` on the patient's stream
 * while it applies the offer (measured on Chromium 156), which becomes `remote-track-removed`.
 * A peer connection opened while sharing (a reconnection) adds the screen again.
 *
 * The camera is sent as p2p-camera.ts keeps it: through the camera effect if one is set, with
 * the send limits on its sender; a new peer connection (a reconnection, the other side's reload)
 * gets the same effect and limits.
 */
import { Emitter } from './emitter.ts';
import {
  ConferenceError,
  type CameraEffect, type ConferenceDriver, type ConferenceEvents, type ConferenceMessage, type ConferenceRole, type IceServerSettings, type JoinOptions,
  type MediaDevice, type RemoteTrack, type SendQuality,
} from './conference.ts';
import { deviceConstraint, openCamera, SentCamera } from './p2p-camera.ts';
import type { LobbyPort, LobbyState, SignalData, SignalingPort } from './ports.ts';
import { displayCaptureError, shareableTrack, whenEnded } from './screen-share.ts';

/** Options of {@link createP2pDriver}. */
export interface P2pDriverOptions {
  signaling: SignalingPort;
  lobby: LobbyPort;
  /** STUN/TURN servers (`MediaSettings.iceServers`); empty works on one machine or a LAN. */
  iceServers?: IceServerSettings[];
  /** The other participant's display name, for the practitioner's `knocking` event. */
  peerName?: string;
  /** Device access; `navigator.mediaDevices` by default. */
  mediaDevices?: MediaDevices;
}

/** The id of the patient's knock in p2p: there is one patient per teleconsultation. */
export const P2P_KNOCK_ID = 'patient';

const DATA_CHANNEL_ID = 0;

/** Creates a p2p driver; nothing happens until `join()`. */
export function createP2pDriver(options: P2pDriverOptions): ConferenceDriver {
  return new P2pDriver(options);
}

class P2pDriver implements ConferenceDriver {
  readonly name = 'p2p' as const;
  private readonly events = new Emitter<ConferenceEvents>();
  private readonly devices: MediaDevices;
  private role: ConferenceRole = 'patient';
  private displayName = '';
  private joined = false;
  /** The microphone and the camera as sent (the self view): rebuilt when either changes. */
  private local: MediaStream | null = null;
  private microphone: MediaStreamTrack | null = null;
  private readonly camera = new SentCamera();
  /** Camera changes (join, switch, effect), one at a time. */
  private cameraSteps: Promise<unknown> = Promise.resolve();
  /** The microphone's sender on the current peer connection. */
  private microphoneSender: RTCRtpSender | null = null;
  /** Our shared screen, in a stream of its own (its id goes with every offer). */
  private screen: { track: MediaStreamTrack; stream: MediaStream; stopListening: () => void } | null = null;
  /** The sender of the screen on the current peer connection. */
  private screenSender: RTCRtpSender | null = null;
  /** The streams of the latest screens sent on the current peer connection, oldest first. */
  private screensSent: string[] = [];
  /** Patient: the practitioner's screen stream, as its latest offer named it. */
  private remoteScreenStreamId: string | null = null;
  private microphoneMuted = false;
  private cameraMuted = false;
  private pc: RTCPeerConnection | null = null;
  private channel: RTCDataChannel | null = null;
  private remote = new Map<string, RemoteTrack>();
  private makingOffer = false;
  private ignoreOffer = false;
  private settingAnswer = false;
  private lobbyState: LobbyState = 'absent';
  private approvedSent = false;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly options: P2pDriverOptions) {
    this.devices = options.mediaDevices ?? navigator.mediaDevices;
  }

  on<K extends keyof ConferenceEvents>(event: K, listener: (payload: ConferenceEvents[K]) => void): () => void {
    return this.events.on(event, listener);
  }

  async join(options: JoinOptions): Promise<void> {
    if (this.joined) return;
    this.role = options.role;
    this.displayName = options.displayName;
    this.microphoneMuted = options.microphoneMuted ?? false;
    this.cameraMuted = options.cameraMuted ?? false;
    const stream = await openCamera(this.devices, this.role, { audio: deviceConstraint(options.microphoneId), video: deviceConstraint(options.cameraId) });
    this.microphone = stream.getAudioTracks()[0] ?? null;
    const video = stream.getVideoTracks()[0];
    await this.cameraStep(async () => {
      // An effect that fails here leaves the camera as it is; the call goes on.
      if (video) await this.camera.useCamera(video).catch((error: unknown) => console.warn('camera effect failed at join', error instanceof Error ? error.message : 'error'));
    });
    this.applyMute();
    this.joined = true;
    this.refreshLocal();
    this.events.emit('connection', 'idle');
    this.unsubscribe.push(
      this.options.signaling.onSignal((data) => void this.handleSignal(data)),
      this.options.lobby.onChange((state) => this.handleLobby(state)),
    );
    const state = this.options.lobby.state();
    if (state === 'admitted' && this.role === 'practitioner') {
      // Back in a call already admitted (reload): ask the patient to start over with us.
      this.lobbyState = state;
      this.options.signaling.send({ kind: 'bye' });
      return;
    }
    this.handleLobby(state);
  }

  async leave(): Promise<void> {
    if (!this.joined) return;
    this.joined = false;
    this.options.signaling.send({ kind: 'bye' });
    for (const off of this.unsubscribe.splice(0)) off();
    this.closePeer();
    this.endScreenShare();
    this.camera.stop();
    this.microphone?.stop();
    this.microphone = null;
    this.local = null;
    this.approvedSent = false;
    this.events.emit('local-stream', null);
    this.events.emit('connection', 'disconnected');
  }

  localStream(): MediaStream | null {
    return this.local;
  }

  async listDevices(): Promise<MediaDevice[]> {
    const kinds: Record<string, MediaDevice['kind']> = { videoinput: 'camera', audioinput: 'microphone', audiooutput: 'speaker' };
    return (await this.devices.enumerateDevices()).flatMap((d) => {
      const kind = kinds[d.kind];
      return kind ? [{ id: d.deviceId, kind, label: d.label }] : [];
    });
  }

  async switchCamera(deviceId: string): Promise<void> {
    await this.cameraStep(async () => {
      const stream = await openCamera(this.devices, this.role, { video: { deviceId: { exact: deviceId } } });
      const track = stream.getVideoTracks()[0];
      if (!track || !this.joined) {
        for (const t of stream.getTracks()) t.stop();
        return;
      }
      try {
        await this.camera.useCamera(track);
      } finally {
        this.refreshLocal();
      }
    });
  }

  async switchMicrophone(deviceId: string): Promise<void> {
    const stream = await this.devices.getUserMedia({ audio: { deviceId: { exact: deviceId } } });
    const track = stream.getAudioTracks()[0];
    if (!track || !this.joined) {
      for (const t of stream.getTracks()) t.stop();
      return;
    }
    const old = this.microphone;
    this.microphone = track;
    this.applyMute();
    if (this.microphoneSender) await this.microphoneSender.replaceTrack(track);
    old?.stop();
    this.refreshLocal();
  }

  async setCameraEffect(effect: CameraEffect | null): Promise<void> {
    await this.cameraStep(async () => {
      try {
        await this.camera.setEffect(effect);
      } finally {
        if (this.joined) this.refreshLocal();
      }
    });
  }

  async setSendQuality(quality: SendQuality): Promise<void> {
    await this.camera.setQuality(quality);
  }

  async setMicrophoneMuted(muted: boolean): Promise<void> {
    this.microphoneMuted = muted;
    this.applyMute();
  }

  async setCameraMuted(muted: boolean): Promise<void> {
    this.cameraMuted = muted;
    this.applyMute();
  }

  isMicrophoneMuted(): boolean {
    return this.microphoneMuted;
  }

  isCameraMuted(): boolean {
    return this.cameraMuted;
  }

  async startScreenShare(given?: MediaStreamTrack): Promise<void> {
    if (!this.joined) throw new ConferenceError('NOT_JOINED', 'join() before sharing the screen');
    if (this.role !== 'practitioner') throw new ConferenceError('SCREEN_SHARE_PRACTITIONER_ONLY', 'Only the practitioner shares a screen');
    const track = given ? shareableTrack(given) : await this.captureScreen();
    if (!this.joined) {
      track.stop(); // left while the picker was open
      return;
    }
    this.endScreenShare();
    const stream = new MediaStream([track]);
    this.screen = { track, stream, stopListening: whenEnded(track, () => this.endScreenShare()) };
    // A second sender beside the camera's; `negotiationneeded` sends the offer.
    if (this.pc) this.addScreen(this.pc, track, stream);
    this.events.emit('screen-share', true);
  }

  async stopScreenShare(): Promise<void> {
    this.endScreenShare();
  }

  screenStream(): MediaStream | null {
    return this.screen?.stream ?? null;
  }

  send(message: ConferenceMessage): void {
    if (this.channel?.readyState === 'open') this.channel.send(JSON.stringify(message));
  }

  async knock(): Promise<void> {
    const state = this.options.lobby.state();
    if (state === 'admitted') this.handleLobby(state);
    else if (state !== 'waiting') this.options.lobby.knock();
  }

  async approve(id: string): Promise<void> {
    if (id === P2P_KNOCK_ID && this.options.lobby.state() === 'waiting') this.options.lobby.admit();
  }

  async deny(id: string): Promise<void> {
    if (id === P2P_KNOCK_ID && this.options.lobby.state() === 'waiting') this.options.lobby.deny();
  }

  private handleLobby(state: LobbyState): void {
    if (!this.joined) return;
    const previous = this.lobbyState;
    this.lobbyState = state;
    if (this.role === 'practitioner') {
      const knock = { id: P2P_KNOCK_ID, name: this.options.peerName ?? '' };
      if (state === 'waiting' && previous !== 'waiting') this.events.emit('knocking', knock);
      if (previous === 'waiting' && state === 'absent') this.events.emit('knock-withdrawn', knock);
      // Admitted: wait for the patient's `bye`, which opens the peer connection.
      if (previous === 'admitted' && state !== 'admitted') this.dropPeer();
      return;
    }
    if (state === 'admitted' && !this.approvedSent) {
      this.approvedSent = true;
      this.events.emit('approved', undefined);
      this.restart();
    } else if (state === 'denied' && previous !== 'denied') {
      this.events.emit('denied', undefined);
    }
  }

  /** Patient: a fresh peer connection, announced by `bye` so the practitioner starts over too. */
  private restart(): void {
    this.closePeer();
    this.options.signaling.send({ kind: 'bye' });
    this.openPeer();
  }

  /** Closes the current peer connection and tells the page the other side's media is gone. */
  private dropPeer(): void {
    const had = this.pc !== null;
    this.closePeer();
    if (had) this.events.emit('remote-left', undefined);
  }

  private async handleSignal(data: SignalData): Promise<void> {
    if (!this.joined) return;
    if (data.kind === 'bye') {
      if (this.role === 'practitioner') {
        // The connector relays the patient's signals only once the patient is admitted, so
        // a signal is proof enough even if our presence update is still on its way.
        this.dropPeer();
        this.openPeer();
      } else if (this.lobbyState === 'admitted') {
        if (this.pc) this.events.emit('remote-left', undefined);
        this.restart();
      }
      return;
    }
    if (this.role === 'patient' && this.lobbyState !== 'admitted') return;
    const pc = this.pc ?? this.openPeer();
    try {
      if (data.kind === 'offer' || data.kind === 'answer') {
        const description: RTCSessionDescriptionInit = { type: data.kind, sdp: data.sdp ?? '' };
        const polite = this.role === 'patient';
        const readyForOffer = !this.makingOffer && (pc.signalingState === 'stable' || this.settingAnswer);
        const collision = data.kind === 'offer' && !readyForOffer;
        this.ignoreOffer = !polite && collision;
        if (this.ignoreOffer) return;
        this.settingAnswer = data.kind === 'answer';
        // Before applying the offer: its `track` events read which stream is the screen.
        if (data.kind === 'offer') this.remoteScreenStreamId = data.screenStreamId ?? null;
        await pc.setRemoteDescription(description); // rolls back our own offer on a collision (polite side)
        this.settingAnswer = false;
        if (data.kind === 'offer') {
          await pc.setLocalDescription();
          this.options.signaling.send({ kind: 'answer', sdp: pc.localDescription?.sdp ?? '' });
        }
      } else if (data.kind === 'candidate') {
        try {
          await pc.addIceCandidate(data.candidate ?? undefined);
        } catch (error) {
          // Candidates of an offer we ignored, or of a peer connection since replaced, are expected to fail.
          if (!this.ignoreOffer && pc === this.pc && pc.remoteDescription) throw error;
        }
      }
    } catch (error) {
      this.settingAnswer = false;
      console.warn('p2p signalling failed', error instanceof Error ? error.name : 'error');
    }
  }

  private openPeer(): RTCPeerConnection {
    const pc = new RTCPeerConnection({ iceServers: this.options.iceServers ?? [] });
    this.pc = pc;
    this.remoteScreenStreamId = null;
    this.makingOffer = false;
    this.ignoreOffer = false;
    this.settingAnswer = false;
    // A pre-negotiated channel: both sides open it with the same id, no extra offer round.
    const channel = pc.createDataChannel('tc', { negotiated: true, id: DATA_CHANNEL_ID });
    channel.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
    this.channel = channel;
    const local = this.local ?? new MediaStream();
    if (this.microphone) this.microphoneSender = pc.addTrack(this.microphone, local);
    const cameraTrack = this.camera.track();
    this.camera.attach(cameraTrack ? pc.addTrack(cameraTrack, local) : null);
    this.screensSent = [];
    if (this.screen) this.addScreen(pc, this.screen.track, this.screen.stream);
    pc.addEventListener('signalingstatechange', () => {
      if (pc === this.pc && pc.signalingState === 'stable') this.camera.reapply();
    });
    pc.addEventListener('track', ({ track, streams }) => {
      if (pc !== this.pc) return;
      const stream = streams[0] ?? new MediaStream([track]);
      const kind = track.kind === 'audio' ? 'audio' : 'video';
      const source = kind === 'video' && streams[0] !== undefined && streams[0].id === this.remoteScreenStreamId ? 'screen' : 'camera';
      // Named by track and stream: a receiver reused for a later share keeps its track but comes in a new stream,
      // and is a new arrival for the page.
      const id = `${track.id}/${stream.id}`;
      // The same track in the same stream again (a later offer): already announced, with its source.
      if (this.remote.has(id)) return;
      const remote: RemoteTrack = { id, kind, source, stream };
      this.remote.set(id, remote);
      this.events.emit('remote-track-added', remote);
      remote.stream.addEventListener('removetrack', (event) => {
        if (event.track.id === track.id && this.remote.delete(id)) this.events.emit('remote-track-removed', remote);
      });
    });
    pc.addEventListener('negotiationneeded', async () => {
      // The patient answers the practitioner's offers and never offers itself.
      if (this.role === 'patient') return;
      try {
        this.makingOffer = true;
        await pc.setLocalDescription();
        const sdp = pc.localDescription?.sdp ?? '';
        const offer: SignalData = { kind: 'offer', sdp };
        // Read off the offer itself: the operations before it may have run while a share was
        // replaced, so the screen it carries can be an earlier one than the current share.
        const screenStreamId = this.screensSent.findLast((streamId) => sdp.includes(`a=msid:${streamId} `));
        if (screenStreamId) offer.screenStreamId = screenStreamId;
        if (pc === this.pc) this.options.signaling.send(offer);
      } catch (error) {
        console.warn('p2p offer failed', error instanceof Error ? error.name : 'error');
      } finally {
        this.makingOffer = false;
      }
    });
    pc.addEventListener('icecandidate', ({ candidate }) => {
      if (pc !== this.pc) return;
      this.options.signaling.send({ kind: 'candidate', candidate: candidate ? candidateJson(candidate) : null });
    });
    pc.addEventListener('iceconnectionstatechange', () => {
      // The offerer restarts ICE (a new offer); the patient restarts on 'failed' below.
      if (pc === this.pc && pc.iceConnectionState === 'failed' && this.role === 'practitioner') pc.restartIce();
    });
    pc.addEventListener('connectionstatechange', () => {
      if (pc !== this.pc) return;
      switch (pc.connectionState) {
        case 'connected':
          this.events.emit('connection', 'connected');
          break;
        case 'disconnected':
          this.events.emit('connection', 'reconnecting');
          break;
        case 'failed':
          this.events.emit('connection', 'failed');
          // The patient starts over; the practitioner follows on the patient's `bye`.
          if (this.role === 'patient') this.restart();
          break;
        default:
          break;
      }
    });
    this.events.emit('connection', 'connecting');
    return pc;
  }

  private closePeer(): void {
    const pc = this.pc;
    if (!pc) return;
    this.pc = null;
    this.channel = null;
    this.screenSender = null;
    this.microphoneSender = null;
    this.camera.attach(null);
    pc.close();
    for (const remote of [...this.remote.values()]) this.events.emit('remote-track-removed', remote);
    this.remote.clear();
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string' || data.length > 64 * 1024) return;
    try {
      const message: unknown = JSON.parse(data);
      if (typeof message === 'object' && message !== null && !Array.isArray(message)) this.events.emit('message', message as ConferenceMessage);
    } catch {
      // Not JSON: not ours, ignored.
    }
  }

  /** Mute acts at the source: the microphone's track, the camera's own track and the effect's output. */
  private applyMute(): void {
    if (this.microphone) this.microphone.enabled = !this.microphoneMuted;
    this.camera.setMuted(this.cameraMuted);
  }

  /** Runs a camera change after the ones before it (a switch and an effect change must not interleave). */
  private cameraStep<T>(step: () => Promise<T>): Promise<T> {
    const next = this.cameraSteps.then(step);
    this.cameraSteps = next.catch(() => undefined);
    return next;
  }

  /** The local stream again if its tracks changed (the microphone, the camera as sent); `local-stream` with it. */
  private refreshLocal(): void {
    const tracks = [this.microphone, this.camera.track()].filter((t): t is MediaStreamTrack => t !== null);
    const current = this.local?.getTracks() ?? [];
    if (this.local && current.length === tracks.length && tracks.every((t) => current.includes(t))) return;
    this.local = new MediaStream(tracks);
    this.events.emit('local-stream', this.local);
  }

  /** Sends a screen's stream on `pc` beside the camera; its stream id names it as the screen in the offers. */
  private addScreen(pc: RTCPeerConnection, track: MediaStreamTrack, stream: MediaStream): void {
    this.screenSender = pc.addTrack(track, stream);
    this.screensSent = [...this.screensSent.slice(-3), stream.id];
  }

  /** The screen from `getDisplayMedia()`, video only. */
  private async captureScreen(): Promise<MediaStreamTrack> {
    let stream: MediaStream;
    try {
      stream = await this.devices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      throw displayCaptureError(error);
    }
    const [track] = stream.getVideoTracks();
    for (const other of stream.getTracks()) if (other !== track) other.stop();
    if (!track) throw new ConferenceError('SCREEN_CAPTURE_FAILED', 'The browser gave no screen track');
    return track;
  }

  /** Stops the share, if any: the screen sender leaves the peer connection (a new offer follows). */
  private endScreenShare(): void {
    const screen = this.screen;
    if (!screen) return;
    this.screen = null;
    screen.stopListening();
    screen.track.stop();
    if (this.pc && this.screenSender) this.pc.removeTrack(this.screenSender);
    this.screenSender = null;
    this.events.emit('screen-share', false);
  }
}

type CandidateJson = NonNullable<SignalData['candidate']>;

/** The protocol's candidate shape from a browser candidate. */
function candidateJson(candidate: RTCIceCandidate): CandidateJson {
  return { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex, usernameFragment: candidate.usernameFragment };
}
