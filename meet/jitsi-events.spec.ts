import { EVENT_SYNC_PATHS, jitsiEventKey, parseJitsiEvent, verifyEventsToken, type JitsiEvent } from './jitsi-events.ts';

// Shapes as mod_event_sync_component.lua sends them (see its README), for a room of ours.
const room = 'k7qv2xw4mzt3hy5rbn6dlc2aep';
const roomJid = `${room}@muc.meet.clinic.example`;
const occupantJid = `${room}@muc.meet.clinic.example/8f2c1a0b`;

const roomCreated = { event_name: 'muc-room-created', room_name: room, room_jid: roomJid, is_breakout: false, created_at: 1781510400 };
const occupantJoined = {
  event_name: 'muc-occupant-joined',
  room_name: room,
  room_jid: roomJid,
  is_breakout: false,
  active_occupants_count: 1,
  occupant: { name: 'Dr Test', email: 'dr@example.org', id: 'prac-1', occupant_jid: occupantJid, joined_at: 1781510405 },
};
const occupantLeft = {
  event_name: 'muc-occupant-left',
  room_name: room,
  room_jid: roomJid,
  is_breakout: false,
  active_occupants_count: 0,
  occupant: { name: 'Dr Test', email: 'dr@example.org', id: 'prac-1', occupant_jid: occupantJid, joined_at: 1781510405, left_at: 1781512200 },
};
const roomDestroyed = {
  event_name: 'muc-room-destroyed',
  room_name: room,
  room_jid: roomJid,
  is_breakout: false,
  created_at: 1781510400,
  destroyed_at: 1781512230,
  all_occupants: [{ name: 'Dr Test', email: 'dr@example.org', id: 'prac-1', occupant_jid: occupantJid, joined_at: 1781510405, left_at: 1781512200 }],
};

function parsed(body: unknown): JitsiEvent {
  const result = parseJitsiEvent(body);
  if (!result.ok) throw new Error(`unexpected problems: ${result.problems.join('; ')}`);
  return result.event;
}

describe('parseJitsiEvent', () => {
  it('turns room created into room_created at created_at', () => {
    expect(parsed(roomCreated)).toEqual({ kind: 'room_created', room, at: new Date(1781510400_000), breakout: false });
  });

  it('turns occupant joined into occupant_joined at joined_at, with who and how many', () => {
    expect(parsed(occupantJoined)).toEqual({
      kind: 'occupant_joined',
      room,
      at: new Date(1781510405_000),
      breakout: false,
      activeOccupants: 1,
      occupant: { jid: occupantJid, id: 'prac-1', name: 'Dr Test' },
    });
  });

  it('turns occupant left into occupant_left at left_at', () => {
    const event = parsed(occupantLeft);
    expect(event.kind).toBe('occupant_left');
    expect(event.at).toEqual(new Date(1781512200_000));
    expect(event.activeOccupants).toBe(0);
    expect(event.occupant).toEqual({ jid: occupantJid, id: 'prac-1', name: 'Dr Test' });
  });

  it('turns room destroyed into room_destroyed at destroyed_at, also when Prosody encodes no occupants as {}', () => {
    expect(parsed(roomDestroyed)).toEqual({ kind: 'room_destroyed', room, at: new Date(1781512230_000), breakout: false });
    expect(parsed({ ...roomDestroyed, all_occupants: {} }).kind).toBe('room_destroyed');
  });

  it('accepts an occupant without a token (no id, name, email) and extra fields from include_user_info', () => {
    const anonymous = { ...occupantJoined, occupant: { occupant_jid: occupantJid, joined_at: 1781510405 } };
    expect(parsed(anonymous).occupant).toEqual({ jid: occupantJid });
    const withInfo = { ...occupantJoined, occupant: { ...occupantJoined.occupant, affiliation: 'owner', moderator: true, lobby_bypass: true } };
    expect(parsed(withInfo).occupant?.id).toBe('prac-1');
  });

  it('strips the tenant and lower-cases the room of a multi-tenant deployment', () => {
    const event = parsed({ ...roomCreated, room_name: `[Clinic42]${room.toUpperCase()}`, room_jid: `[clinic42]${room}@muc.meet.jitsi` });
    expect(event.room).toBe(room);
    expect(event.tenant).toBe('clinic42');
  });

  it('flags breakout-room events, which name their main room', () => {
    const event = parsed({ ...roomDestroyed, is_breakout: true, breakout_room_id: 'b1f0c2d8-0b6a-4b8e-9d7c-3f1e2a4b5c6d' });
    expect(event.room).toBe(room);
    expect(event.breakout).toBeTrue();
  });

  it('lists problems for unknown events and broken payloads, without quoting personal data', () => {
    const cases: unknown[] = [
      null,
      'muc-room-created',
      [roomCreated],
      { ...roomCreated, event_name: 'muc-room-renamed' },
      { ...roomCreated, created_at: 'yesterday' },
      { ...roomCreated, is_breakout: 'no' },
      { ...roomCreated, room_name: undefined },
      { ...occupantJoined, occupant: { ...occupantJoined.occupant, occupant_jid: undefined } },
      { ...occupantLeft, occupant: { ...occupantLeft.occupant, left_at: undefined } },
      { ...occupantJoined, active_occupants_count: -1 },
      { ...roomDestroyed, destroyed_at: undefined },
      { ...roomDestroyed, all_occupants: { a: 1 } },
      { ...roomCreated, room_name: 'a@b' },
      { ...roomCreated, room_jid: `another@muc.meet.clinic.example` },
    ];
    for (const body of cases) {
      const result = parseJitsiEvent(body);
      expect(result.ok).withContext(JSON.stringify(body) ?? String(body)).toBeFalse();
      if (!result.ok) {
        expect(result.problems.length).toBeGreaterThan(0);
        expect(result.problems.join(' ')).not.toContain('Dr Test');
        expect(result.problems.join(' ')).not.toContain('dr@example.org');
      }
    }
  });
});

describe('jitsiEventKey', () => {
  it('is the same for a retried delivery and differs between events', () => {
    expect(jitsiEventKey(parsed(occupantJoined))).toBe(jitsiEventKey(parsed(structuredClone(occupantJoined))));
    const keys = new Set([roomCreated, occupantJoined, occupantLeft, roomDestroyed].map((b) => jitsiEventKey(parsed(b))));
    expect(keys.size).toBe(4);
    const other = { ...occupantJoined, occupant: { ...occupantJoined.occupant, occupant_jid: `${roomJid}/other` } };
    expect(jitsiEventKey(parsed(other))).not.toBe(jitsiEventKey(parsed(occupantJoined)));
  });
});

describe('EVENT_SYNC_PATHS', () => {
  it('are the paths event_sync appends to api_prefix', () => {
    expect(Object.values(EVENT_SYNC_PATHS).sort()).toEqual(['/events/occupant/joined', '/events/occupant/left', '/events/room/created', '/events/room/destroyed']);
  });
});

describe('verifyEventsToken', () => {
  const token = 'events-token-of-twenty-four-chars';

  it('accepts the shared token as a Bearer credential', () => {
    expect(verifyEventsToken(`Bearer ${token}`, token)).toBeTrue();
    expect(verifyEventsToken(`bearer ${token}`, token)).toBeTrue();
  });

  it('refuses anything else', () => {
    for (const header of [undefined, '', token, `Bearer`, `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, `Bearer ${token} extra`]) {
      expect(verifyEventsToken(header, token)).withContext(String(header)).toBeFalse();
    }
    expect(verifyEventsToken('Bearer ', '')).toBeFalse();
    expect(verifyEventsToken(`Bearer ${token}`, '')).toBeFalse();
  });
});
