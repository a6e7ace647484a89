import { TestBed } from '@angular/core/testing';
import { CLOSE_CODES } from '#protocol/live';
import type { ServerMessage } from '#protocol/live';
import { LIVE_WEB_SOCKET, LiveSocket, liveUrl, parseServerMessage, reconnectDelay } from './live-socket';
import { FakeWebSocket } from './testing';

describe('LiveSocket', () => {
  let sockets: FakeWebSocket[];
  let live: LiveSocket;
  const latest = () => sockets[sockets.length - 1]!;

  beforeEach(() => {
    sockets = [];
    jasmine.clock().install();
    TestBed.configureTestingModule({
      providers: [LiveSocket, { provide: LIVE_WEB_SOCKET, useValue: (url: string) => { const s = new FakeWebSocket(url); sockets.push(s); return s; } }],
    });
    live = TestBed.inject(LiveSocket);
  });
  afterEach(() => {
    live.close();
    jasmine.clock().uninstall();
  });

  it('connects, reports its status and passes on valid server messages', () => {
    const received: ServerMessage[] = [];
    live.messages$.subscribe((m) => received.push(m));
    live.connect('ws://host/live/tc_1/patient');
    expect(latest().url).toBe('ws://host/live/tc_1/patient');
    expect(live.status()).toBe('connecting');
    latest().serverOpens();
    expect(live.status()).toBe('open');
    latest().serverSends(JSON.stringify({ type: 'admitted' }));
    expect(received).toEqual([{ type: 'admitted' }]);
  });

  it('drops frames that are not server messages', () => {
    const received: ServerMessage[] = [];
    live.messages$.subscribe((m) => received.push(m));
    live.connect('ws://host/live/tc_1/patient');
    latest().serverOpens();
    for (const frame of ['not json', '[]', '{"no":"type"}', '{"type":"unknown-kind"}', '42']) latest().serverSends(frame);
    expect(received).toEqual([]);
  });

  it('sends typed client messages as JSON when open, and refuses while not', () => {
    live.connect('ws://host/live/tc_1/patient');
    expect(live.send({ type: 'knock' })).toBeFalse();
    latest().serverOpens();
    expect(live.send({ type: 'knock' })).toBeTrue();
    expect(latest().sent).toEqual(['{"type":"knock"}']);
  });

  it('reconnects with growing delays after a drop, and resets the delay once open', () => {
    live.connect('ws://host/live/tc_1/patient');
    latest().serverOpens();
    latest().serverCloses(1006);
    expect(live.status()).toBe('reconnecting');
    expect(sockets.length).toBe(1);
    jasmine.clock().tick(reconnectDelay(0) - 1);
    expect(sockets.length).toBe(1);
    jasmine.clock().tick(1);
    expect(sockets.length).toBe(2);
    latest().serverCloses(1006);
    jasmine.clock().tick(reconnectDelay(1));
    expect(sockets.length).toBe(3);
    latest().serverOpens();
    expect(live.status()).toBe('open');
    latest().serverCloses(1001);
    jasmine.clock().tick(reconnectDelay(0));
    expect(sockets.length).toBe(4);
  });

  for (const [code, reason] of [[4401, 'unauthorized'], [4410, 'gone'], [4409, 'replaced'], [1008, 'policy']] as const) {
    it(`stops for good when the server closes with ${code} (${reason})`, () => {
      live.connect('ws://host/live/tc_1/patient');
      latest().serverOpens();
      latest().serverCloses(code);
      expect(live.status()).toBe('ended');
      expect(live.endReason()).toBe(reason);
      jasmine.clock().tick(60_000);
      expect(sockets.length).toBe(1);
    });
  }

  it('knows every final close code of the contract (CLOSE_CODES of protocol/live.ts)', () => {
    for (const [reason, code] of Object.entries(CLOSE_CODES)) {
      live.connect('ws://host/live/tc_1/patient');
      latest().serverOpens();
      latest().serverCloses(code);
      expect([code, live.endReason()]).toEqual([code, reason as never]);
    }
  });

  it('does not reconnect after close()', () => {
    live.connect('ws://host/live/tc_1/patient');
    latest().serverOpens();
    live.close();
    expect(latest().closedWith).toBe(1000);
    jasmine.clock().tick(60_000);
    expect(sockets.length).toBe(1);
    expect(live.status()).toBe('idle');
  });

  it('serves as the drivers\' live channel (onMessage / unsubscribe)', () => {
    const received: string[] = [];
    live.connect('ws://host/live/tc_1/practitioner');
    latest().serverOpens();
    const off = live.onMessage((m) => received.push(m.type));
    latest().serverSends('{"type":"pong"}');
    off();
    latest().serverSends('{"type":"pong"}');
    expect(received).toEqual(['pong']);
  });
});

describe('live socket helpers', () => {
  it('builds the live URL on the page host, wss under https', () => {
    expect(liveUrl({ protocol: 'https:', host: 'tc.example' }, 'tc 1', 'patient')).toBe('wss://tc.example/live/tc%201/patient');
    expect(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, 'tc_1', 'practitioner')).toBe('ws://127.0.0.1:8080/live/tc_1/practitioner');
  });

  it('caps the reconnection delay at 10 s', () => {
    expect([0, 1, 2, 3, 10].map(reconnectDelay)).toEqual([500, 1000, 2000, 4000, 10_000]);
  });

  it('parses only known server message types', () => {
    expect(parseServerMessage('{"type":"denied"}')).toEqual({ type: 'denied' });
    expect(parseServerMessage('{"type":"evil"}')).toBeNull();
    expect(parseServerMessage(new ArrayBuffer(2))).toBeNull();
  });
});
