/**
 * The two ports the p2p driver plugs into: signalling (SDP and ICE candidates to the other
 * browser) and the lobby (the connector's waiting room). `livePorts()` maps both onto the
 * connector's live socket (protocol/live.ts); tests can plug anything else.
 */
import type { ClientMessage, PatientPresence, ServerMessage } from '#protocol/live';

/** One signalling payload, exactly as the live protocol carries it. */
export type SignalData = Extract<ClientMessage, { type: 'signal' }>['data'];

/** Carries signalling to the other browser and back. */
export interface SignalingPort {
  send(data: SignalData): void;
  /** Subscribes to the other side's signals; returns the unsubscribe function. */
  onSignal(handler: (data: SignalData) => void): () => void;
}

/** Where the patient stands in the connector's waiting room. */
export type LobbyState = PatientPresence;

/** The connector's waiting room, as the p2p driver sees it. */
export interface LobbyPort {
  /** Patient: announce arrival. */
  knock(): void;
  /** Practitioner: let the patient in / refuse. */
  admit(): void;
  deny(): void;
  /** The last known state ('absent' before the server said anything). */
  state(): LobbyState;
  /** Subscribes to state changes; returns the unsubscribe function. */
  onChange(handler: (state: LobbyState) => void): () => void;
}

/** The part of a live-socket client the ports need: send a client message, hear server messages. */
export interface LiveChannel {
  send(message: ClientMessage): void;
  /** Subscribes to server messages; returns the unsubscribe function. */
  onMessage(handler: (message: ServerMessage) => void): () => void;
}

/** The waiting-room state a server message implies, or null when it says nothing about it. */
export function lobbyStateOf(message: ServerMessage): LobbyState | null {
  switch (message.type) {
    case 'state':
    case 'presence':
      return message.presence.patient;
    case 'admitted':
      return 'admitted';
    case 'denied':
      return 'denied';
    default:
      return null;
  }
}

/**
 * Signalling and lobby ports over the connector's live socket. The lobby state follows the
 * server's `state`, `presence`, `admitted` and `denied` messages; handlers hear changes only.
 * `initial` seeds the state when the channel's `state` message was consumed earlier.
 */
export function livePorts(channel: LiveChannel, initial: LobbyState = 'absent'): { signaling: SignalingPort; lobby: LobbyPort; close(): void } {
  let current: LobbyState = initial;
  const lobbyHandlers = new Set<(state: LobbyState) => void>();
  const signalHandlers = new Set<(data: SignalData) => void>();
  const unsubscribe = channel.onMessage((message) => {
    if (message.type === 'signal') {
      for (const handler of [...signalHandlers]) handler(message.data);
      return;
    }
    const next = lobbyStateOf(message);
    if (next === null || next === current) return;
    current = next;
    for (const handler of [...lobbyHandlers]) handler(next);
  });
  return {
    signaling: {
      send: (data) => channel.send({ type: 'signal', data }),
      onSignal(handler) {
        signalHandlers.add(handler);
        return () => signalHandlers.delete(handler);
      },
    },
    lobby: {
      knock: () => channel.send({ type: 'knock' }),
      admit: () => channel.send({ type: 'admit' }),
      deny: () => channel.send({ type: 'deny' }),
      state: () => current,
      onChange(handler) {
        lobbyHandlers.add(handler);
        return () => lobbyHandlers.delete(handler);
      },
    },
    close() {
      unsubscribe();
      lobbyHandlers.clear();
      signalHandlers.clear();
    },
  };
}
