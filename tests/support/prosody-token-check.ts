/**
 * What Prosody checks when a Jitsi participant presents a token and joins a room, written
 * from jitsi-meet's `resources/prosody-plugins/luajwtjitsi.lib.lua` (signature and times),
 * `token/util.lib.lua` (`verify_token`, `verify_room`), `mod_token_verification.lua` (the
 * join-time room check), jitsi-contrib `mod_token_no_wildcard.lua`, and how
 * `mod_token_affiliation.lua` / `mod_token_lobby_bypass.lua` read `context.user`.
 *
 * Prosody stops at the first failure; this returns every problem, each with its own code, so
 * that each check can be tested on its own. No problem means Prosody would let the token in.
 * Test support only: the connector never verifies its own Jitsi tokens.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The Prosody settings that matter (names as in the Prosody config, see `meet/deploy/`). */
export interface ProsodyTokenSettings {
  /** `app_id`. */
  appId: string;
  /** `app_secret` (HS256 key). */
  appSecret: string;
  /** `asap_accepted_issuers`; Prosody's default is `{ app_id }`. */
  acceptedIssuers?: string[];
  /** `asap_accepted_audiences`; Prosody's default is `{ '*' }` (any audience). */
  acceptedAudiences?: string[];
  /** `asap_require_room_claim`, default true. */
  requireRoomClaim?: boolean;
  /** `allow_empty_token`, default false. */
  allowEmptyToken?: boolean;
  /** `enable_domain_verification`, default false. */
  enableDomainVerification?: boolean;
  /** `muc_mapper_domain_base`: the XMPP domain (docker-jitsi-meet `XMPP_DOMAIN`). */
  mucDomainBase?: string;
  /** `muc_mapper_domain_prefix`, default `conference` (docker-jitsi-meet: the first label of `XMPP_MUC_DOMAIN`, `muc`). */
  mucDomainPrefix?: string;
  /** `muc_mapper_domain`, default `<prefix>.<base>`. */
  mucDomain?: string;
  /** Whether jitsi-contrib `token_no_wildcard` is loaded on the MUC (it is in our deployment). */
  noWildcard?: boolean;
}

/** One join: the MUC room address the client sent presence to, and Prosody's clock. */
export interface ProsodyJoin {
  /** e.g. `abc…@muc.meet.example.org` or, multi-tenant, `[tenant]abc…@muc.meet.jitsi`; a `/nick` resource is ignored. */
  roomAddress: string;
  now: Date;
}

export type ProsodyProblemCode =
  | 'token_missing'
  | 'token_malformed'
  | 'typ_invalid'
  | 'alg_invalid'
  | 'signature_invalid'
  | 'exp_not_number'
  | 'nbf_not_number'
  | 'expired'
  | 'not_yet_valid'
  | 'iss_missing'
  | 'iss_invalid'
  | 'room_missing'
  | 'aud_missing'
  | 'aud_invalid'
  | 'room_mismatch'
  | 'sub_missing'
  | 'sub_mismatch'
  | 'room_wildcard'
  | 'sub_wildcard'
  | 'context_user_invalid';

export interface ProsodyProblem {
  code: ProsodyProblemCode;
  message: string;
}

type Json = Record<string, unknown>;

/** The token's header and payload without checking anything (for tests that inspect claims). */
export function decodeJwtUnverified(token: string): { header: Json; payload: Json } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => p === '' || !/^[A-Za-z0-9_-]+$/.test(p))) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    const payload: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    if (!isObject(header) || !isObject(payload)) return undefined;
    return { header, payload };
  } catch {
    return undefined;
  }
}

/** Every reason Prosody would refuse `token` for this join; empty when it would accept it. */
export function prosodyTokenProblems(token: string | undefined, settings: ProsodyTokenSettings, join: ProsodyJoin): ProsodyProblem[] {
  const problems: ProsodyProblem[] = [];
  const add = (code: ProsodyProblemCode, message: string) => problems.push({ code, message });

  if (token === undefined || token === '') {
    // util.lib.lua process_and_verify_token: "token required" unless allow_empty_token.
    if (!settings.allowEmptyToken) add('token_missing', 'token required');
    return problems;
  }
  const decoded = decodeJwtUnverified(token);
  if (!decoded) {
    add('token_malformed', 'Invalid token');
    return problems;
  }
  const { header, payload } = decoded;

  // luajwtjitsi: header checks, then the signature.
  if (header['typ'] !== 'JWT') add('typ_invalid', 'Invalid typ');
  if (header['alg'] !== 'HS256') add('alg_invalid', 'Invalid or incorrect alg');
  const [head, body, signature] = token.split('.') as [string, string, string];
  const expected = createHmac('sha256', settings.appSecret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) add('signature_invalid', 'Invalid signature');

  // luajwtjitsi: exp/nbf are numbers; `now >= exp` and `now < nbf` refuse, with no leeway.
  const now = Math.floor(join.now.getTime() / 1000);
  const exp = payload['exp'];
  const nbf = payload['nbf'];
  if (exp !== undefined && typeof exp !== 'number') add('exp_not_number', 'exp must be number');
  if (nbf !== undefined && typeof nbf !== 'number') add('nbf_not_number', 'nbf must be number');
  if (typeof exp === 'number' && now >= exp) add('expired', `Not acceptable by exp (${now - exp} sec since expired)`);
  if (typeof nbf === 'number' && now < nbf) add('not_yet_valid', 'Not acceptable by nbf');

  // util.lib.lua verify_token: iss, room presence, aud.
  if (payload['alg'] === 'none' || payload['alg'] === '') add('alg_invalid', "'alg' claim must not be empty");
  const issuers = settings.acceptedIssuers ?? [settings.appId];
  const iss = payload['iss'];
  if (iss === undefined || iss === null) add('iss_missing', "'iss' claim is missing");
  else if (!issuers.some((accepted) => accepted === '*' || accepted === iss)) add('iss_invalid', "Invalid issuer ('iss' claim)");
  const room = payload['room'];
  if ((settings.requireRoomClaim ?? true) && (room === undefined || room === null)) add('room_missing', "'room' claim is missing");
  const audiences = settings.acceptedAudiences ?? ['*'];
  const aud = payload['aud'];
  if (aud === undefined || aud === null) add('aud_missing', "'aud' claim is missing");
  else if (!audiences.some((accepted) => accepted === '*' || accepted === aud)) add('aud_invalid', "Invalid audience ('aud' claim)");

  // mod_token_no_wildcard (priority 100, before mod_token_verification).
  if (settings.noWildcard) {
    if (room === '*') add('room_wildcard', 'Wildcard room in token not allowed');
    if (payload['sub'] === '*') add('sub_wildcard', 'Wildcard sub in token not allowed');
  }

  // mod_token_verification → util.lib.lua verify_room, at room creation and at every join.
  problems.push(...verifyRoom(typeof room === 'string' ? room : undefined, payload['sub'], settings, join.roomAddress));

  problems.push(...contextUserProblems(payload['context']));
  return problems;
}

/** `Util:verify_room`: the room (and, with domain verification, the tenant or domain) the token names. */
function verifyRoom(authRoom: string | undefined, sub: unknown, settings: ProsodyTokenSettings, roomAddress: string): ProsodyProblem[] {
  const address = splitJid(roomAddress);
  if (!address.node) return [];
  if (!settings.enableDomainVerification) {
    if (authRoom !== undefined && address.node !== authRoom.toLowerCase() && authRoom !== '*') {
      return [{ code: 'room_mismatch', message: 'Room and token mismatched' }];
    }
    return [];
  }
  if (authRoom === undefined) return [{ code: 'room_mismatch', message: 'Room and token mismatched' }];
  if (typeof sub !== 'string') return [{ code: 'sub_missing', message: "'sub' claim is missing (domain verification)" }];

  const bare = `${address.node}@${address.host}`;
  const tenantMatch = /^\[([^\]]+)\](.+)$/.exec(address.node);
  const roomToCheck = authRoom === '*' ? (tenantMatch ? tenantMatch[2]! : address.node) : authRoom;
  const prefix = settings.mucDomainPrefix ?? 'conference';
  const mucDomain = settings.mucDomainBase ? (settings.mucDomain ?? `${prefix}.${settings.mucDomainBase}`) : undefined;

  let expected: string | undefined;
  if (tenantMatch) {
    if (!mucDomain) return [{ code: 'sub_mismatch', message: "No 'muc_domain_base' option set, denying access" }];
    const tenant = sub === '*' ? tenantMatch[1]! : sub;
    expected = `[${tenant.toLowerCase()}]${roomToCheck.toLowerCase()}@${mucDomain}`;
  } else {
    const domain = sub === '*' ? mucDomain : `${prefix}.${sub}`;
    expected = domain === undefined ? undefined : `${roomToCheck.toLowerCase()}@${domain.toLowerCase()}`;
  }
  if (bare === expected) return [];
  // Tell the two causes apart for the tests: same room name, other domain/tenant → sub.
  const joinedRoom = tenantMatch ? tenantMatch[2]! : address.node;
  return joinedRoom === roomToCheck.toLowerCase()
    ? [{ code: 'sub_mismatch', message: `token sub does not match ${bare}` }]
    : [{ code: 'room_mismatch', message: 'Room and token mismatched' }];
}

/**
 * `context.user` as Jitsi uses it: an object whose `id`, `name`, `email` and `affiliation` are
 * strings when present (lib-jitsi-meet `doc/tokens.md`: user fields are strings, numbers or null;
 * booleans are read by `token_affiliation` and `token_lobby_bypass`).
 */
function contextUserProblems(context: unknown): ProsodyProblem[] {
  if (context === undefined) return [];
  if (!isObject(context)) return [{ code: 'context_user_invalid', message: 'context must be an object' }];
  const user = context['user'];
  if (user === undefined) return [];
  if (!isObject(user)) return [{ code: 'context_user_invalid', message: 'context.user must be an object' }];
  const problems: ProsodyProblem[] = [];
  for (const key of ['id', 'name', 'email', 'affiliation']) {
    if (user[key] !== undefined && typeof user[key] !== 'string') problems.push({ code: 'context_user_invalid', message: `context.user.${key} must be a string` });
  }
  for (const [key, value] of Object.entries(user)) {
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) problems.push({ code: 'context_user_invalid', message: `context.user.${key} must be a scalar` });
  }
  return problems;
}

/**
 * What the MUC modules grant a verified token: `mod_token_affiliation` makes `owner` of
 * `affiliation` owner/moderator/teacher or `moderator` true/"true", `member` otherwise;
 * `mod_token_lobby_bypass` lets `context.user.lobby_bypass === true` skip the lobby.
 */
export function prosodyGrants(token: string): { affiliation: 'owner' | 'member'; lobbyBypass: boolean } {
  const decoded = decodeJwtUnverified(token);
  const context = decoded?.payload['context'];
  const user = isObject(context) && isObject(context['user']) ? context['user'] : {};
  const owner = ['owner', 'moderator', 'teacher'].includes(String(user['affiliation'])) || user['moderator'] === true || user['moderator'] === 'true';
  return { affiliation: owner ? 'owner' : 'member', lobbyBypass: user['lobby_bypass'] === true };
}

/** Prosody's `jid.split` for the parts we need: node, host (resource dropped). */
function splitJid(jid: string): { node: string | undefined; host: string } {
  const withoutResource = jid.split('/')[0] ?? '';
  const at = withoutResource.indexOf('@');
  return at < 0 ? { node: undefined, host: withoutResource } : { node: withoutResource.slice(0, at), host: withoutResource.slice(at + 1) };
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
