/**
 * Payloads of the jitsi-contrib Prosody `event_sync` component (`mod_event_sync_component.lua`,
 * https://github.com/jitsi-contrib/prosody-plugins/tree/main/event_sync), checked on arrival
 * and turned into our own `JitsiEvent`.
 *
 * The component POSTs JSON to `${api_prefix}/events/room/created`, `/events/room/destroyed`,
 * `/events/occupant/joined` and `/events/occupant/left`, with the headers of its `api_headers`
 * option (we configure `Authorization: Bearer <JITSI_EVENTS_TOKEN>`). Times are Prosody's
 * `os.time()`: whole seconds since the epoch. User fields come from the JWT's `context.user`
 * and are absent for an occupant without a token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

const Seconds = Type.Number({ minimum: 0 });

/** One occupant, as event_sync records it on join (and completes on leave). */
const occupantFields = {
  occupant_jid: Type.String({ minLength: 1 }),
  joined_at: Seconds,
  name: Type.Optional(Type.String()),
  email: Type.Optional(Type.String()),
  id: Type.Optional(Type.String()),
  total_dominant_speaker_time: Type.Optional(Type.Number()),
};
export const EventSyncOccupantSchema = Type.Object({ ...occupantFields, left_at: Type.Optional(Seconds) });
export type EventSyncOccupant = Static<typeof EventSyncOccupantSchema>;

/** Room fields event_sync adds to every event (`event_sync_extra_payload`). */
const roomFields = {
  room_name: Type.String({ minLength: 1 }),
  room_jid: Type.String({ minLength: 3 }),
  is_breakout: Type.Boolean(),
  breakout_room_id: Type.Optional(Type.String()),
};

export const RoomCreatedSchema = Type.Object({
  event_name: Type.Literal('muc-room-created'),
  ...roomFields,
  created_at: Seconds,
});

export const RoomDestroyedSchema = Type.Object({
  event_name: Type.Literal('muc-room-destroyed'),
  ...roomFields,
  created_at: Seconds,
  destroyed_at: Seconds,
  // Prosody's JSON encoder writes an empty Lua table as `{}`, so an empty list may arrive as an object.
  all_occupants: Type.Union([Type.Array(EventSyncOccupantSchema), Type.Object({}, { maxProperties: 0 })]),
});

export const OccupantJoinedSchema = Type.Object({
  event_name: Type.Literal('muc-occupant-joined'),
  ...roomFields,
  active_occupants_count: Type.Integer({ minimum: 0 }),
  occupant: EventSyncOccupantSchema,
});

export const OccupantLeftSchema = Type.Object({
  event_name: Type.Literal('muc-occupant-left'),
  ...roomFields,
  active_occupants_count: Type.Integer({ minimum: 0 }),
  occupant: Type.Object({ ...occupantFields, left_at: Seconds }),
});

export type RoomCreatedPayload = Static<typeof RoomCreatedSchema>;
export type RoomDestroyedPayload = Static<typeof RoomDestroyedSchema>;
export type OccupantJoinedPayload = Static<typeof OccupantJoinedSchema>;
export type OccupantLeftPayload = Static<typeof OccupantLeftSchema>;

const SCHEMAS = {
  'muc-room-created': RoomCreatedSchema,
  'muc-room-destroyed': RoomDestroyedSchema,
  'muc-occupant-joined': OccupantJoinedSchema,
  'muc-occupant-left': OccupantLeftSchema,
} as const;
type EventName = keyof typeof SCHEMAS;

export type JitsiEventKind = 'room_created' | 'room_destroyed' | 'occupant_joined' | 'occupant_left';

/** The path event_sync appends to its `api_prefix` for each kind (the route may check it matches `event_name`). */
export const EVENT_SYNC_PATHS: Readonly<Record<JitsiEventKind, string>> = {
  room_created: '/events/room/created',
  room_destroyed: '/events/room/destroyed',
  occupant_joined: '/events/occupant/joined',
  occupant_left: '/events/occupant/left',
};

/** A Jitsi event in our words. */
export interface JitsiEvent {
  kind: JitsiEventKind;
  /** The bare room name, lower case, without `[tenant]` or MUC domain. For a breakout room: its main room. */
  room: string;
  /** The tenant of a multi-tenant deployment (`[tenant]room@…`), if any. */
  tenant?: string;
  /** When it happened (Prosody's clock, whole seconds). */
  at: Date;
  /** True when the event concerns a breakout room of `room`, not `room` itself: never the end of the call. */
  breakout: boolean;
  /** Occupants in the room after the event (joined/left only). */
  activeOccupants?: number;
  /** Who joined or left. `id` and `name` come from the token's `context.user`; `name` is personal data: never log it. */
  occupant?: { jid: string; id?: string; name?: string };
}

export type ParsedJitsiEvent = { ok: true; event: JitsiEvent } | { ok: false; problems: string[] };

const KINDS: Record<EventName, JitsiEventKind> = {
  'muc-room-created': 'room_created',
  'muc-room-destroyed': 'room_destroyed',
  'muc-occupant-joined': 'occupant_joined',
  'muc-occupant-left': 'occupant_left',
};

/**
 * Checks an event_sync body and normalizes it. Unknown `event_name`s, missing or mistyped
 * fields, and room names that do not match their `room_jid` come back as a list of problems
 * (which never quote personal data).
 */
export function parseJitsiEvent(body: unknown): ParsedJitsiEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, problems: ['body: expected a JSON object'] };
  const name = (body as Record<string, unknown>)['event_name'];
  if (typeof name !== 'string' || !Object.hasOwn(SCHEMAS, name)) {
    return { ok: false, problems: [`event_name: expected one of ${Object.keys(SCHEMAS).join(', ')}`] };
  }
  const eventName = name as EventName;
  const schema = SCHEMAS[eventName];
  if (!Value.Check(schema, body)) {
    return { ok: false, problems: Value.Errors(schema, body).map((e) => `${e.instancePath || '/'} ${e.message}`) };
  }
  const payload = body as RoomCreatedPayload | RoomDestroyedPayload | OccupantJoinedPayload | OccupantLeftPayload;

  const parsedRoom = parseRoomName(payload.room_name);
  if (!parsedRoom) return { ok: false, problems: ['/room_name not a Jitsi room name'] };
  const jidNode = payload.room_jid.split('@')[0] ?? '';
  if (jidNode.toLowerCase() !== payload.room_name.toLowerCase()) return { ok: false, problems: ['/room_jid does not name the same room as /room_name'] };

  const event: JitsiEvent = { kind: KINDS[eventName], room: parsedRoom.room, at: new Date(0), breakout: payload.is_breakout };
  if (parsedRoom.tenant !== undefined) event.tenant = parsedRoom.tenant;
  switch (payload.event_name) {
    case 'muc-room-created':
      event.at = fromSeconds(payload.created_at);
      break;
    case 'muc-room-destroyed':
      event.at = fromSeconds(payload.destroyed_at);
      break;
    case 'muc-occupant-joined':
      event.at = fromSeconds(payload.occupant.joined_at);
      event.activeOccupants = payload.active_occupants_count;
      event.occupant = occupantOf(payload.occupant);
      break;
    case 'muc-occupant-left':
      event.at = fromSeconds(payload.occupant.left_at);
      event.activeOccupants = payload.active_occupants_count;
      event.occupant = occupantOf(payload.occupant);
      break;
  }
  return { ok: true, event };
}

/**
 * A stable key for one event, for idempotency: event_sync retries (on 5xx or timeout) resend the
 * same payload, so the same kind, room, time and occupant mean the same event.
 */
export function jitsiEventKey(event: JitsiEvent): string {
  return [event.kind, event.tenant ?? '', event.room, event.breakout ? 'breakout' : 'main', Math.floor(event.at.getTime() / 1000), event.occupant?.jid ?? ''].join('|');
}

/**
 * Whether an `Authorization` header carries the shared events token (`Bearer <token>`, as we
 * configure event_sync's `api_headers`). Constant-time; false when `expected` is empty.
 */
export function verifyEventsToken(header: string | undefined, expected: string): boolean {
  if (!header || !expected) return false;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  if (!match) return false;
  // Hashing first gives equal lengths, so timingSafeEqual never throws or leaks the length.
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(match[1]!), digest(expected));
}

/** `[tenant]room` → { tenant, room }; both lower-cased (Jitsi lower-cases room names). */
function parseRoomName(raw: string): { room: string; tenant?: string } | undefined {
  const lower = raw.toLowerCase();
  const tenantMatch = /^\[([^\]]+)\](.+)$/.exec(lower);
  const room = tenantMatch ? tenantMatch[2]! : lower;
  if (!/^[^\s@/[\]]+$/.test(room)) return undefined;
  return tenantMatch ? { room, tenant: tenantMatch[1]! } : { room };
}

function occupantOf(o: EventSyncOccupant): NonNullable<JitsiEvent['occupant']> {
  const occupant: NonNullable<JitsiEvent['occupant']> = { jid: o.occupant_jid };
  if (o.id !== undefined) occupant.id = o.id;
  if (o.name !== undefined) occupant.name = o.name;
  return occupant;
}

function fromSeconds(s: number): Date {
  return new Date(Math.floor(s) * 1000);
}
