/**
 * The live protocol between the connector and the two pages of a teleconsultation (the
 * practitioner's panel and the patient's page), over one WebSocket per participant:
 * `GET /live/{teleconsultationId}/{role}` with the participant's session cookie.
 *
 * The server checks every client message against these schemas. The sender of every
 * relayed message is the session's role, set by the server: a client never names itself.
 * This file has no server dependencies: the connector, meet/ and the UI all import it.
 */
import { Type, type Static } from 'typebox';
import type { ErrorCode } from './errors.ts';

export type Role = 'practitioner' | 'patient';

/** Where the patient stands: absent → waiting (knocked) → admitted; denied ends the knock. */
export type PatientPresence = 'absent' | 'waiting' | 'admitted' | 'denied';
export type PractitionerPresence = 'offline' | 'online';

/** Largest client message, in bytes of UTF-8 JSON. Bigger ones are refused. */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });

/** What a client may send. */
export const ClientMessageSchema = Type.Union([
  /** The patient asks to enter (the waiting room's knock). */
  Type.Object({ type: Type.Literal('knock') }, { additionalProperties: false }),
  /** The practitioner lets the patient in, or not. */
  Type.Object({ type: Type.Literal('admit') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('deny') }, { additionalProperties: false }),
  /** Media signalling for the p2p driver (SDP offers/answers, ICE candidates), relayed to the other side. */
  Type.Object({
    type: Type.Literal('signal'),
    data: Type.Object({
      kind: Type.Union([Type.Literal('offer'), Type.Literal('answer'), Type.Literal('candidate'), Type.Literal('bye')]),
      sdp: Type.Optional(Type.String({ maxLength: 48 * 1024 })),
      candidate: Type.Optional(Type.Union([Type.Null(), Type.Object({
        candidate: Type.String({ maxLength: 2048 }),
        sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
        sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 64 }), Type.Null()])),
        usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
      })])),
    }, { additionalProperties: false }),
  }, { additionalProperties: false }),
  /** Instant message. */
  Type.Object({ type: Type.Literal('chat'), text: Text(4000), clientId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
  /** Shared pointer position, as fractions of the shared surface. */
  Type.Object({ type: Type.Literal('pointer'), x: Type.Number({ minimum: 0, maximum: 1 }), y: Type.Number({ minimum: 0, maximum: 1 }), visible: Type.Boolean() }, { additionalProperties: false }),
  /** One drawing stroke (points as fractions), or clearing the drawing. */
  Type.Object({
    type: Type.Literal('draw'),
    action: Type.Union([Type.Literal('stroke'), Type.Literal('clear')]),
    color: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
    width: Type.Optional(Type.Number({ minimum: 0.5, maximum: 40 })),
    points: Type.Optional(Type.Array(Type.Tuple([Type.Number({ minimum: 0, maximum: 1 }), Type.Number({ minimum: 0, maximum: 1 })]), { maxItems: 2000 })),
  }, { additionalProperties: false }),
  /** A command to the patient's camera or microphone, from the practitioner only. */
  Type.Object({
    type: Type.Literal('camera'),
    command: Type.Union([Type.Literal('switch'), Type.Literal('zoom'), Type.Literal('mute-audio'), Type.Literal('unmute-audio'), Type.Literal('mute-video'), Type.Literal('unmute-video')]),
    value: Type.Optional(Type.Number({ minimum: 0, maximum: 10_000 })),
  }, { additionalProperties: false }),
  /** The practitioner ends the teleconsultation (end of call: payment and documents follow). */
  Type.Object({ type: Type.Literal('end') }, { additionalProperties: false }),
  /** Keep-alive; answered with `pong`. */
  Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false }),
]);
export type ClientMessage = Static<typeof ClientMessageSchema>;

export interface MediaSettings {
  driver: 'p2p' | 'jitsi';
  /** STUN/TURN for the p2p driver. */
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  /** For the jitsi driver: the clinic's deployment and this teleconsultation's room. */
  jitsi?: { domain: string; room: string; libraryUrl: string };
}

export interface TeleconsultationSummary {
  id: string;
  status: 'scheduled' | 'waiting' | 'in_progress' | 'ended' | 'cancelled';
  startsAt: string;
  durationMinutes: number;
  practitionerName: string;
  /** The patient's display name: first name and initial, for the practitioner's screen. */
  patientName: string;
  timezone: string;
}

export interface Presence {
  practitioner: PractitionerPresence;
  patient: PatientPresence;
  /** When the patient knocked (ISO), for "waiting since". */
  waitingSince: string | null;
}

/** `GET /api/live/{teleconsultationId}/{role}/session`: what a page needs before it connects. */
export interface SessionSummary {
  you: { role: Role };
  teleconsultation: TeleconsultationSummary;
  media: MediaSettings;
}

/** `GET /api/live/{teleconsultationId}/{role}/jitsi-token`: a token minted for this participant, never stored. */
export interface JitsiTokenResponse {
  token: string;
  domain: string;
  room: string;
}

/** The teleconsultation's payment request, as both pages show it. */
export interface PaymentSummary {
  id: string;
  status: 'creating' | 'requested' | 'paid' | 'failed' | 'expired' | 'refunded' | 'replaced';
  amount: { value: number; currency: string };
  /** The patient's payment link (ours: it opens the provider's current payment page). */
  url: string | null;
  /** True in sandbox mode (no real money). */
  sandbox: boolean;
  requestedAt: string;
  paidAt: string | null;
}

/** What the server sends. `from` is always set by the server from the sender's session. */
export type ServerMessage =
  | { type: 'state'; you: { role: Role }; teleconsultation: TeleconsultationSummary; presence: Presence; media: MediaSettings }
  | { type: 'presence'; presence: Presence }
  | { type: 'admitted' }
  | { type: 'denied' }
  | { type: 'signal'; from: Role; data: Extract<ClientMessage, { type: 'signal' }>['data'] }
  | { type: 'chat'; from: Role; id: string; text: string; at: string; clientId?: string }
  | { type: 'pointer'; from: Role; x: number; y: number; visible: boolean }
  | { type: 'draw'; from: Role; action: 'stroke' | 'clear'; color?: string; width?: number; points?: [number, number][] }
  | { type: 'camera'; from: Role; command: Extract<ClientMessage, { type: 'camera' }>['command']; value?: number }
  | { type: 'status'; status: TeleconsultationSummary['status'] }
  | { type: 'payment'; payment: PaymentSummary }
  | { type: 'pong' }
  | { type: 'error'; code: ErrorCode; message: string };

/** WebSocket close codes used by the server (4000–4999 are for applications). */
export const CLOSE_CODES = {
  /** No valid session for this teleconsultation and role. */
  unauthorized: 4401,
  /** The teleconsultation is cancelled or the link expired. */
  gone: 4410,
  /** The client broke the protocol badly (e.g. floods or oversize messages). */
  policy: 1008,
  /** Another tab of the same participant took over. */
  replaced: 4409,
} as const;
