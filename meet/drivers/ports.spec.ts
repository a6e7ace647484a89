import type { ClientMessage, Presence, ServerMessage } from '#protocol/live';
import { livePorts, lobbyStateOf, type LiveChannel, type SignalData } from './ports.ts';

function channel(): LiveChannel & { sent: ClientMessage[]; deliver(message: ServerMessage): void; listeners(): number } {
  const handlers = new Set<(message: ServerMessage) => void>();
  const sent: ClientMessage[] = [];
  return {
    sent,
    send: (message) => sent.push(message),
    onMessage(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    deliver: (message) => handlers.forEach((h) => h(message)),
    listeners: () => handlers.size,
  };
}

const presence = (patient: Presence['patient']): Presence => ({ practitioner: 'online', patient, waitingSince: null });

describe('livePorts', () => {
  it('sends knock, admit, deny and signals as live client messages', () => {
    const live = channel();
    const { lobby, signaling } = livePorts(live);
    lobby.knock();
    lobby.admit();
    lobby.deny();
    signaling.send({ kind: 'offer', sdp: 'v=0' });
    expect(live.sent).toEqual([{ type: 'knock' }, { type: 'admit' }, { type: 'deny' }, { type: 'signal', data: { kind: 'offer', sdp: 'v=0' } }]);
  });

  it('follows the waiting room from presence, admitted and denied messages, telling changes only', () => {
    const live = channel();
    const { lobby } = livePorts(live);
    const changes: string[] = [];
    lobby.onChange((s) => changes.push(s));
    expect(lobby.state()).toBe('absent');
    live.deliver({ type: 'presence', presence: presence('waiting') });
    live.deliver({ type: 'presence', presence: presence('waiting') });
    live.deliver({ type: 'admitted' });
    live.deliver({ type: 'pong' });
    live.deliver({ type: 'presence', presence: presence('absent') });
    live.deliver({ type: 'denied' });
    expect(changes).toEqual(['waiting', 'admitted', 'absent', 'denied']);
    expect(lobby.state()).toBe('denied');
  });

  it('starts from the state the page already knows', () => {
    expect(livePorts(channel(), 'admitted').lobby.state()).toBe('admitted');
  });

  it('hands relayed signals to the signalling port and stops after close()', () => {
    const live = channel();
    const ports = livePorts(live);
    const got: SignalData[] = [];
    ports.signaling.onSignal((d) => got.push(d));
    live.deliver({ type: 'signal', from: 'practitioner', data: { kind: 'bye' } });
    ports.close();
    live.deliver({ type: 'signal', from: 'practitioner', data: { kind: 'answer', sdp: 'x' } });
    expect(got).toEqual([{ kind: 'bye' }]);
    expect(live.listeners()).toBe(0);
  });
});

describe('lobbyStateOf', () => {
  it('reads the patient presence from state messages and ignores unrelated ones', () => {
    expect(lobbyStateOf({ type: 'status', status: 'in_progress' })).toBeNull();
    expect(lobbyStateOf({ type: 'presence', presence: presence('waiting') })).toBe('waiting');
  });
});
