/**
 * JWTs for the clinic's self-hosted Jitsi, built from the token spec that Prosody checks
 * (lib-jitsi-meet `doc/tokens.md`, jitsi-meet `resources/prosody-plugins/token/util.lib.lua`).
 * Minted on demand for one authenticated participant, never stored, never logged.
 */
import { SignJWT } from 'jose';
import { DateTime } from 'luxon';
import type { JitsiConfig } from '../config/schema.ts';

export type JitsiRole = 'practitioner' | 'patient';

/** What one token is for: who, in which room, for which appointment. */
export interface JitsiTokenInput {
  room: string;
  /** The clinic's tenant in a multi-tenant Jitsi (`https://domain/tenant/room`); otherwise the domain is the `sub`. */
  tenant?: string;
  user: { id: string; name: string; email: string };
  role: JitsiRole;
  startsAt: Date;
  durationMinutes: number;
  /** IANA zone of the practice, e.g. `Europe/Paris`: the token never outlives the appointment's local day. */
  timezone: string;
  now?: Date;
}

/** How long before the start a token is already valid. */
export const TOKEN_OPENS_BEFORE_START_MINUTES = 30;
/** How long after the planned end a token stays valid (overruns), capped at the end of the local day. */
export const TOKEN_CLOSES_AFTER_END_MINUTES = 120;
/**
 * Prosody compares `nbf` with its own clock and has no leeway (luajwtjitsi: `os.time() < nbf`
 * rejects), so a token minted "now" is back-dated a little against clock skew.
 */
export const CLOCK_SKEW_SECONDS = 60;

/** Why a token cannot be minted. `window_closed` means the appointment's token window is over. */
export class JitsiTokenError extends Error {
  constructor(
    readonly code: 'JITSI_ROOM_INVALID' | 'JITSI_TOKEN_INPUT_INVALID' | 'JITSI_TOKEN_WINDOW_CLOSED',
    message: string,
  ) {
    super(message);
    this.name = 'JitsiTokenError';
  }
}

/** The claims we put in every token (exported for tests and for the browser driver's types). */
export interface JitsiTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  room: string;
  iat: number;
  nbf: number;
  exp: number;
  context: {
    user: {
      id: string;
      name: string;
      email: string;
      affiliation: 'owner' | 'member';
      moderator: boolean;
      /** Only on practitioner tokens (jitsi-contrib `token_lobby_bypass`), so a practitioner who drops is never locked out. */
      lobby_bypass?: true;
    };
    features: {
      recording: false;
      livestreaming: false;
      transcription: false;
      'outbound-call': false;
      'sip-outbound-call': false;
    };
  };
}

/** A room claim we accept: the plain lower-case names `newRoomName()` makes, never `*` or a pattern. */
const SAFE_ROOM = /^[a-z0-9][a-z0-9_-]{0,127}$/;
const SAFE_TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/**
 * The `nbf`/`exp` window of a token, in seconds since the epoch: from 30 minutes before the
 * start (or a minute before `now`, if later) to 2 hours after the end, never past midnight
 * ending the appointment's day in `timezone` (computed with the zone's rules, so a 23 h or
 * 25 h DST day ends at its real midnight).
 */
export function tokenWindow(input: Pick<JitsiTokenInput, 'startsAt' | 'durationMinutes' | 'timezone' | 'now'>): { nbf: number; exp: number } {
  const { startsAt, durationMinutes, timezone } = input;
  const now = input.now ?? new Date();
  if (Number.isNaN(startsAt.getTime()) || Number.isNaN(now.getTime())) throw new JitsiTokenError('JITSI_TOKEN_INPUT_INVALID', 'startsAt and now must be valid dates');
  if (!Number.isFinite(durationMinutes) || durationMinutes <= 0) throw new JitsiTokenError('JITSI_TOKEN_INPUT_INVALID', 'durationMinutes must be a positive number');
  const start = DateTime.fromJSDate(startsAt, { zone: timezone });
  if (!start.isValid) throw new JitsiTokenError('JITSI_TOKEN_INPUT_INVALID', `unknown time zone: ${timezone}`);

  const seconds = (ms: number) => Math.floor(ms / 1000);
  const opens = seconds(startsAt.getTime()) - TOKEN_OPENS_BEFORE_START_MINUTES * 60;
  const nbf = Math.max(opens, seconds(now.getTime()) - CLOCK_SKEW_SECONDS);
  const closes = seconds(startsAt.getTime() + durationMinutes * 60_000) + TOKEN_CLOSES_AFTER_END_MINUTES * 60;
  const endOfDay = seconds(start.startOf('day').plus({ days: 1 }).toMillis());
  const exp = Math.min(closes, endOfDay);
  if (exp <= seconds(now.getTime()) || exp <= nbf) {
    throw new JitsiTokenError('JITSI_TOKEN_WINDOW_CLOSED', 'the appointment is over: no token can be issued any more');
  }
  return { nbf, exp };
}

/**
 * Mints the HS256 JWT that lets one participant into one room of the clinic's Jitsi.
 * The practitioner is `owner` and moderator and bypasses the lobby; the patient is a plain
 * `member` and waits in the lobby. Recording, live streaming, transcription and dial-out are
 * off for both. Throws `JitsiTokenError` for a wildcard or malformed room, bad input, or an
 * appointment whose window is over.
 */
export async function mintJitsiToken(jitsi: JitsiConfig, input: JitsiTokenInput): Promise<string> {
  if (input.room === '*' || !SAFE_ROOM.test(input.room)) {
    throw new JitsiTokenError('JITSI_ROOM_INVALID', 'a token is only ever issued for one named room (never "*")');
  }
  if (input.tenant !== undefined && !SAFE_TENANT.test(input.tenant)) {
    throw new JitsiTokenError('JITSI_TOKEN_INPUT_INVALID', 'tenant must be a lower-case name (never "*")');
  }
  if (input.role !== 'practitioner' && input.role !== 'patient') throw new JitsiTokenError('JITSI_TOKEN_INPUT_INVALID', 'unknown role');
  if (!jitsi.appSecret) throw new JitsiTokenError('JITSI_TOKEN_INPUT_INVALID', 'JITSI_APP_SECRET is empty');

  const now = input.now ?? new Date();
  const { nbf, exp } = tokenWindow({ ...input, now });
  const practitioner = input.role === 'practitioner';
  const claims: JitsiTokenClaims = {
    iss: jitsi.appId,
    aud: jitsi.audience,
    // Domain verification compares `sub` with the XMPP domain, which has no port.
    sub: input.tenant ?? jitsi.domain.toLowerCase().replace(/:\d+$/, ''),
    room: input.room,
    iat: Math.floor(now.getTime() / 1000),
    nbf,
    exp,
    context: {
      user: {
        id: String(input.user.id),
        name: String(input.user.name),
        email: String(input.user.email),
        affiliation: practitioner ? 'owner' : 'member',
        moderator: practitioner,
        ...(practitioner ? { lobby_bypass: true as const } : {}),
      },
      features: {
        recording: false,
        livestreaming: false,
        transcription: false,
        'outbound-call': false,
        'sip-outbound-call': false,
      },
    },
  };
  // luajwtjitsi rejects a header without `typ: "JWT"`, which jose does not add by itself.
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(jitsi.appSecret));
}

/** A JWT as it appears in text: base64url JSON header and payload (`ey…`), then a signature. */
const JWT_IN_TEXT = /\bey[A-Za-z0-9_-]{8,}\.ey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
/** `jwt=` in a query string or fragment, whatever its value looks like. */
const JWT_PARAM = /(\bjwt=)[^&#\s"'<>]*/gi;
export const REDACTED = '[redacted]';

/**
 * Masks every JWT-looking string and every `jwt=` parameter in `text`, for log lines, error
 * messages and URLs: `https://meet/x?jwt=eyJ…` → `https://meet/x?jwt=[redacted]`.
 */
export function redactToken(text: string): string {
  return text.replace(JWT_PARAM, `$1${REDACTED}`).replace(JWT_IN_TEXT, REDACTED);
}
