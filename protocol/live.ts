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
import type { DocumentSummary } from './documents.ts';

export type Role = 'practitioner' | 'patient';

/** Where the patient stands: absent → waiting (knocked) → admitted; denied ends the knock. */
export type PatientPresence = 'absent' | 'waiting' | 'admitted' | 'denied';
export type PractitionerPresence = 'offline' | 'online';

/** The delays the practitioner can announce, in minutes (0 withdraws the announcement). */
export const DELAY_MINUTES = [0, 5, 10, 15] as const;
export type DelayMinutes = (typeof DELAY_MINUTES)[number];
/** Longest "Refuser" message to the patient, in characters. */
export const MAX_DENIAL_MESSAGE_CHARS = 300;

/** Largest client message, in bytes of UTF-8 JSON. Bigger ones are refused. */
export const MAX_CLIENT_MESSAGE_BYTES = 64 * 1024;

const Text = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const Point = Type.Tuple([Fraction, Fraction]);
const Colour = Type.String({ pattern: '^#[0-9a-fA-F]{6}$' });
/** An id chosen by the drawing page (a stroke sent in pieces keeps its id). */
const OperationId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** Most points in one stroke piece; a long stroke is sent in pieces as it is drawn. */
export const MAX_STROKE_POINTS = 500;
/** Most operations a consultation's drawing keeps; past it, "effacer tout" makes room. */
export const MAX_DRAWING_OPERATIONS = 5000;

/**
 * One operation of the shared drawing. Positions are fractions of the drawing surface
 * (0..1 on each axis, whatever its size in pixels on either screen); `width` and `size` are
 * in thousandths of the surface's width, so a stroke keeps its look on a phone and a
 * computer alike.
 * - `stroke`: a pen (or eraser) stroke, or one piece of it: pieces of a stroke share its
 *   `id`, and each piece starts at the previous piece's last point.
 * - `text`: a line of text whose top-left corner is at `x`, `y`.
 * - `clear`: "effacer tout".
 * - `board`: the drawing layer is opened on a blank page or over what is shared, or closed.
 */
export const DrawOperationSchema = Type.Union([
  Type.Object({
    action: Type.Literal('stroke'),
    id: OperationId,
    tool: Type.Union([Type.Literal('pen'), Type.Literal('eraser')]),
    color: Colour,
    width: Type.Number({ minimum: 1, maximum: 100 }),
    points: Type.Array(Point, { minItems: 1, maxItems: MAX_STROKE_POINTS }),
  }, { additionalProperties: false }),
  Type.Object({
    action: Type.Literal('text'),
    id: OperationId,
    color: Colour,
    size: Type.Number({ minimum: 10, maximum: 200 }),
    x: Fraction,
    y: Fraction,
    text: Text(500),
  }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('clear') }, { additionalProperties: false }),
  Type.Object({ action: Type.Literal('board'), surface: Type.Union([Type.Literal('blank'), Type.Literal('shared'), Type.Literal('off')]) }, { additionalProperties: false }),
]);
export type DrawOperation = Static<typeof DrawOperationSchema>;
/** Where the drawing layer is: on a blank page, over the shared screen or document, or closed. */
export type DrawingSurface = Extract<DrawOperation, { action: 'board' }>['surface'];
/** An operation as kept and replayed: who made it. */
export type DrawnOperation = Exclude<DrawOperation, { action: 'board' | 'clear' }> & { from: Role };

/** Why a command to the patient's camera could not be carried out, for the panel to say. */
export type CameraRefusal = NonNullable<PatientMediaState['refused']>;

/**
 * The patient's camera and microphone as the patient's device reports them. `zoom.mode`:
 * `camera` when the camera's own zoom is used (real detail, `getCapabilities().zoom`),
 * `digital` when the practitioner's side enlarges the picture instead; `level` is the
 * enlargement (1 = none), `max` the most it can go.
 */
export const PatientMediaStateSchema = Type.Object({
  microphone: Type.Boolean(),
  video: Type.Boolean(),
  cameras: Type.Integer({ minimum: 0, maximum: 32 }),
  facing: Type.Union([Type.Literal('user'), Type.Literal('environment'), Type.Null()]),
  zoom: Type.Object({
    mode: Type.Union([Type.Literal('camera'), Type.Literal('digital')]),
    level: Type.Number({ minimum: 1, maximum: 100 }),
    max: Type.Number({ minimum: 1, maximum: 100 }),
  }, { additionalProperties: false }),
  /** The last command that could not be carried out, and why. */
  refused: Type.Optional(Type.Union([Type.Literal('single-camera'), Type.Literal('switch-failed'), Type.Literal('zoom-limit'), Type.Literal('not-in-call'), Type.Literal('photo-failed')])),
}, { additionalProperties: false });
export type PatientMediaState = Static<typeof PatientMediaStateSchema>;

/** What a client may send. */
export const ClientMessageSchema = Type.Union([
  /** The patient asks to enter (the waiting room's knock). */
  Type.Object({ type: Type.Literal('knock') }, { additionalProperties: false }),
  /** The practitioner lets the patient in, or not. */
  Type.Object({ type: Type.Literal('admit') }, { additionalProperties: false }),
  /** "Refuser", with a short message for the patient (chosen from presets or typed by the practitioner). */
  Type.Object({ type: Type.Literal('deny'), message: Type.Optional(Text(MAX_DENIAL_MESSAGE_CHARS)) }, { additionalProperties: false }),
  /** The practitioner's "retard 5 / 10 / 15 min" from now, shown to the waiting patient; 0 withdraws it. */
  // Each literal written out: a mapped array gives the union a static type of `never` (DELAY_MINUTES lists the same).
  Type.Object({ type: Type.Literal('delay'), minutes: Type.Union([Type.Literal(0), Type.Literal(5), Type.Literal(10), Type.Literal(15)]) }, { additionalProperties: false }),
  /** "Revenir dans la consultation": a patient who hung up comes back while the practitioner is still there. */
  Type.Object({ type: Type.Literal('return') }, { additionalProperties: false }),
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
      /** On an offer: the id of the offerer's stream that carries its shared screen (absent: none). */
      screenStreamId: Type.Optional(Type.String({ maxLength: 128 })),
    }, { additionalProperties: false }),
  }, { additionalProperties: false }),
  /** Instant message. */
  Type.Object({ type: Type.Literal('chat'), text: Text(4000), clientId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
  /** The practitioner's shared pointer, as fractions of the shared surface; `visible: false` when it left it. */
  Type.Object({ type: Type.Literal('pointer'), x: Fraction, y: Fraction, visible: Type.Boolean() }, { additionalProperties: false }),
  /** A drawing operation (see {@link DrawOperation}), or the drawing layer opened, closed or cleared. */
  Type.Object({ type: Type.Literal('draw'), op: DrawOperationSchema }, { additionalProperties: false }),
  /**
   * A command to the patient's camera or microphone, from the practitioner only; the
   * patient's device carries it out and answers with its `camera-state`. Zoom goes by steps
   * (in, out, back to none), since each camera has its own range.
   */
  Type.Object({
    type: Type.Literal('camera'),
    command: Type.Union([
      Type.Literal('switch'), Type.Literal('zoom-in'), Type.Literal('zoom-out'), Type.Literal('zoom-reset'),
      Type.Literal('mute-audio'), Type.Literal('unmute-audio'), Type.Literal('mute-video'), Type.Literal('unmute-video'),
      /** "Prendre une photo": a full-resolution still taken on the patient's device, filed into the consultation's documents. */
      Type.Literal('photo'),
    ]),
    /** With `photo`: the tallest photo wanted, pixels (the practitioner's "résolution photo"); the camera's full resolution when absent. */
    photoHeight: Type.Optional(Type.Integer({ minimum: 240, maximum: 4320 })),
  }, { additionalProperties: false }),
  /** The practitioner's browser records the call, or stopped ("Enregistrer la vidéo / l'audio"): the patient is shown it. */
  Type.Object({ type: Type.Literal('recording'), active: Type.Boolean(), kind: Type.Optional(Type.Union([Type.Literal('video'), Type.Literal('audio')])) }, { additionalProperties: false }),
  /** The patient's device says what its camera and microphone do now (after a command, or its own buttons). */
  Type.Object({ type: Type.Literal('camera-state'), state: PatientMediaStateSchema }, { additionalProperties: false }),
  /** Either participant's red phone ("Raccrocher") ends the teleconsultation for both (payment and documents follow). */
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
  /** Once ended: who ended it (a patient who hung up may come back while the practitioner is there). */
  endedBy: EndedBy | null;
  /** When the call actually started and ended (ISO), when known. */
  startedAt: string | null;
  endedAt: string | null;
  /**
   * Until when the call can be joined (ISO): the end of the appointment plus the link's grace
   * period. Past it, the patient's link opens the consultation space only (summary, payment,
   * documents, conversation) until the clinic's retention period ends.
   */
  callClosesAt: string;
}

export interface Presence {
  practitioner: PractitionerPresence;
  patient: PatientPresence;
  /** When the patient knocked (ISO), for "waiting since". */
  waitingSince: string | null;
}

/**
 * What the waiting patient is told beside the presence: the practitioner's announced delay,
 * whether the practitioner is still in another of their consultations (from our data), and
 * the message of a refusal.
 */
export interface WaitingInfo {
  /** The announced delay ("retard 10 min"), or null; counted from `delayedAt`. */
  delayMinutes: Exclude<DelayMinutes, 0> | null;
  /** When the delay was announced (ISO), or null. */
  delayedAt: string | null;
  /** The practitioner is in another of their teleconsultations right now. */
  practitionerBusy: boolean;
  /** The practitioner's message with "Refuser", while the patient stands refused. */
  deniedMessage: string | null;
}

/** Who ended a teleconsultation: a participant's red phone, or the agenda / conference server / an integrator. */
export type EndedBy = Role | 'agenda' | 'conference' | 'integrator' | 'system';

/** `GET /api/live/{teleconsultationId}/{role}/session`: what a page needs before it connects. */
export interface SessionSummary {
  you: { role: Role };
  teleconsultation: TeleconsultationSummary;
  media: MediaSettings;
  /**
   * `call`: the waiting room and the call are open (from the link's opening to
   * `callClosesAt`); `space`: only the consultation space (summary, payment, documents,
   * conversation), until the clinic's retention period ends.
   */
  access: 'call' | 'space';
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

// Documents and the conversation: in their own file, without schemas, so that a page can
// import its paths without the schema library.
export type { ConversationEntry, ConversationResponse, DocumentLimits, DocumentSummary } from './documents.ts';
export { documentPaths } from './documents.ts';

/** What the server sends. `from` is always set by the server from the sender's session. */
export type ServerMessage =
  | { type: 'state'; you: { role: Role }; teleconsultation: TeleconsultationSummary; presence: Presence; waiting: WaitingInfo; media: MediaSettings }
  | { type: 'presence'; presence: Presence }
  /** The waiting room's information changed (delay announced, practitioner busy elsewhere or free). */
  | { type: 'waiting'; waiting: WaitingInfo }
  /** The appointment changed in the agenda (moved, lengthened): the page shows the new summary. */
  | { type: 'teleconsultation'; teleconsultation: TeleconsultationSummary }
  | { type: 'admitted' }
  | { type: 'denied'; message?: string }
  | { type: 'signal'; from: Role; data: Extract<ClientMessage, { type: 'signal' }>['data'] }
  | { type: 'chat'; from: Role; id: string; text: string; at: string; clientId?: string }
  | { type: 'pointer'; from: Role; x: number; y: number; visible: boolean }
  | { type: 'draw'; from: Role; op: DrawOperation }
  /** The drawing so far, sent after `state` to a participant in the call (reload, rejoin). */
  | { type: 'drawing'; surface: DrawingSurface; operations: DrawnOperation[] }
  /** A document was shared into the conversation. */
  | { type: 'document'; document: DocumentSummary }
  | (Extract<ClientMessage, { type: 'camera' }> & { from: Role })
  /** The practitioner records the call in their browser (or stopped). */
  | { type: 'recording'; from: Role; active: boolean; kind?: 'video' | 'audio' }
  /** The patient's camera and microphone now (to the practitioner). */
  | { type: 'camera-state'; from: Role; state: PatientMediaState }
  | { type: 'status'; status: TeleconsultationSummary['status']; endedBy?: EndedBy | null }
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
