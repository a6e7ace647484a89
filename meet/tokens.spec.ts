import { SignJWT } from 'jose';
import type { JitsiConfig } from '../config/schema.ts';
import {
  decodeJwtUnverified,
  prosodyGrants,
  prosodyTokenProblems,
  type ProsodyTokenSettings,
} from '../tests/support/prosody-token-check.ts';
import { newRoomName } from './rooms.ts';
import { JitsiTokenError, mintJitsiToken, redactToken, tokenWindow, type JitsiTokenInput } from './tokens.ts';

const jitsi: JitsiConfig = {
  domain: 'meet.clinic.example',
  appId: 'teleconsult',
  appSecret: 'test-secret-of-at-least-thirty-two-characters',
  audience: 'teleconsult',
  eventsToken: 'events-token-of-twenty-four-chars',
};

/** Prosody as `meet/deploy/` configures it (docker-jitsi-meet: MUC prefix `muc`, XMPP domain = JITSI_DOMAIN). */
const prosody: ProsodyTokenSettings = {
  appId: 'teleconsult',
  appSecret: jitsi.appSecret,
  acceptedIssuers: ['teleconsult'],
  acceptedAudiences: ['teleconsult'],
  allowEmptyToken: false,
  enableDomainVerification: true,
  mucDomainBase: 'meet.clinic.example',
  mucDomainPrefix: 'muc',
  noWildcard: true,
};

const startsAt = new Date('2026-06-15T08:00:00Z'); // 10:00 in Paris
const room = newRoomName();
const base: JitsiTokenInput = {
  room,
  user: { id: 'prac-1', name: 'Dr Test', email: 'dr@example.org' },
  role: 'practitioner',
  startsAt,
  durationMinutes: 30,
  timezone: 'Europe/Paris',
  now: new Date('2026-06-15T07:55:00Z'),
};
const patientInput: JitsiTokenInput = { ...base, role: 'patient', user: { id: 'pat-1', name: 'Patient Test', email: 'patient@example.org' } };
const atStart = { roomAddress: `${room}@muc.meet.clinic.example/nick`, now: startsAt };
const codes = (token: string, settings = prosody, join = atStart) => prosodyTokenProblems(token, settings, join).map((p) => p.code);
const claimsOf = (token: string) => decodeJwtUnverified(token)!.payload;

describe('mintJitsiToken', () => {
  it('gives the practitioner a token Prosody accepts, as owner and moderator who bypasses the lobby', async () => {
    const token = await mintJitsiToken(jitsi, base);
    expect(prosodyTokenProblems(token, prosody, atStart)).toEqual([]);
    expect(prosodyGrants(token)).toEqual({ affiliation: 'owner', lobbyBypass: true });
    const { header, payload } = decodeJwtUnverified(token)!;
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(payload).toEqual({
      iss: 'teleconsult',
      aud: 'teleconsult',
      sub: 'meet.clinic.example',
      room,
      iat: Date.parse('2026-06-15T07:55:00Z') / 1000,
      nbf: Date.parse('2026-06-15T07:54:00Z') / 1000,
      exp: Date.parse('2026-06-15T10:30:00Z') / 1000,
      context: {
        user: { id: 'prac-1', name: 'Dr Test', email: 'dr@example.org', affiliation: 'owner', moderator: true, lobby_bypass: true },
        features: { recording: false, livestreaming: false, transcription: false, 'outbound-call': false, 'sip-outbound-call': false },
      },
    });
  });

  it('gives the patient a token Prosody accepts, as a plain member who waits in the lobby', async () => {
    const token = await mintJitsiToken(jitsi, patientInput);
    expect(prosodyTokenProblems(token, prosody, atStart)).toEqual([]);
    expect(prosodyGrants(token)).toEqual({ affiliation: 'member', lobbyBypass: false });
    const payload = claimsOf(token);
    expect(payload['room']).toBe(room);
    expect(payload['context']).toEqual({
      user: { id: 'pat-1', name: 'Patient Test', email: 'patient@example.org', affiliation: 'member', moderator: false },
      features: { recording: false, livestreaming: false, transcription: false, 'outbound-call': false, 'sip-outbound-call': false },
    });
  });

  it('never gives a patient owner, moderator, lobby bypass or a wildcard, whatever the appointment', async () => {
    for (let i = 0; i < 20; i++) {
      const token = await mintJitsiToken(jitsi, { ...patientInput, room: newRoomName(), startsAt: new Date(startsAt.getTime() + i * 3_600_000), now: new Date(startsAt.getTime() + i * 3_600_000) });
      const json = Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8');
      expect(json).not.toContain('owner');
      expect(json).not.toContain('lobby_bypass');
      expect(json).not.toContain('"moderator":true');
      expect(json).not.toContain('"*"');
      expect(prosodyGrants(token).affiliation).toBe('member');
    }
  });

  it('puts the tenant in sub and passes Prosody on a multi-tenant deployment', async () => {
    const token = await mintJitsiToken(jitsi, { ...patientInput, tenant: 'clinic42' });
    expect(claimsOf(token)['sub']).toBe('clinic42');
    const multi = { ...prosody, mucDomainBase: 'meet.jitsi' };
    expect(codes(token, multi, { roomAddress: `[clinic42]${room}@muc.meet.jitsi`, now: startsAt })).toEqual([]);
    expect(codes(token, multi, { roomAddress: `[other]${room}@muc.meet.jitsi`, now: startsAt })).toEqual(['sub_mismatch']);
  });

  it('refuses a wildcard, empty or malformed room, and a wildcard tenant', async () => {
    for (const bad of ['*', '', 'Room', 'a b', 'a@b', '[t]room']) {
      await expectAsync(mintJitsiToken(jitsi, { ...base, room: bad })).withContext(bad).toBeRejectedWith(jasmine.objectContaining({ code: 'JITSI_ROOM_INVALID' }));
    }
    await expectAsync(mintJitsiToken(jitsi, { ...base, tenant: '*' })).toBeRejectedWith(jasmine.objectContaining({ code: 'JITSI_TOKEN_INPUT_INVALID' }));
  });

  it('refuses an appointment whose window is over, and nonsense input', async () => {
    await expectAsync(mintJitsiToken(jitsi, { ...base, now: new Date('2026-06-15T10:30:00Z') })).toBeRejectedWith(jasmine.objectContaining({ code: 'JITSI_TOKEN_WINDOW_CLOSED' }));
    await expectAsync(mintJitsiToken(jitsi, { ...base, timezone: 'Mars/Olympus' })).toBeRejectedWith(jasmine.objectContaining({ code: 'JITSI_TOKEN_INPUT_INVALID' }));
    await expectAsync(mintJitsiToken(jitsi, { ...base, durationMinutes: 0 })).toBeRejectedWith(jasmine.any(JitsiTokenError));
    await expectAsync(mintJitsiToken(jitsi, { ...base, startsAt: new Date('nope') })).toBeRejectedWith(jasmine.any(JitsiTokenError));
  });
});

describe('Prosody token verification (each check on its own)', () => {
  let token: string;
  beforeAll(async () => {
    token = await mintJitsiToken(jitsi, patientInput);
  });

  it('accepts the token over its whole window, and refuses it at exp and before nbf', () => {
    const { nbf, exp } = claimsOf(token) as { nbf: number; exp: number };
    const at = (s: number) => ({ ...atStart, now: new Date(s * 1000) });
    expect(codes(token, prosody, at(nbf))).toEqual([]);
    expect(codes(token, prosody, at(exp - 1))).toEqual([]);
    expect(codes(token, prosody, at(exp))).toEqual(['expired']);
    expect(codes(token, prosody, at(exp + 86_400))).toEqual(['expired']);
    expect(codes(token, prosody, at(nbf - 1))).toEqual(['not_yet_valid']);
  });

  it('refuses it for another room', () => {
    expect(codes(token, prosody, { ...atStart, roomAddress: `${newRoomName()}@muc.meet.clinic.example` })).toEqual(['room_mismatch']);
    expect(codes(token, { ...prosody, enableDomainVerification: false }, { ...atStart, roomAddress: `${newRoomName()}@muc.meet.clinic.example` })).toEqual(['room_mismatch']);
  });

  it('refuses it on another domain when domain verification is on', () => {
    expect(codes(token, prosody, { ...atStart, roomAddress: `${room}@muc.meet.other.example` })).toEqual(['sub_mismatch']);
  });

  it('refuses a wrong audience, a wrong issuer, a wrong secret', () => {
    expect(codes(token, { ...prosody, acceptedAudiences: ['someone-else'] })).toEqual(['aud_invalid']);
    expect(codes(token, { ...prosody, acceptedIssuers: ['someone-else'] })).toEqual(['iss_invalid']);
    expect(codes(token, { ...prosody, appSecret: 'another-secret-of-at-least-thirty-two-chars' })).toEqual(['signature_invalid']);
  });

  it('refuses no token at all, and garbage', () => {
    expect(codes('', prosody)).toEqual(['token_missing']);
    expect(codes('not.a.token', prosody)).toEqual(['token_malformed']);
  });

  it('refuses tokens we would never mint: no typ, another alg, wildcard room, missing claims, odd user fields', async () => {
    const secret = new TextEncoder().encode(jitsi.appSecret);
    const payload = claimsOf(token);
    const noTyp = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).sign(secret);
    expect(codes(noTyp)).toEqual(['typ_invalid']);
    const hs512 = await new SignJWT(payload).setProtectedHeader({ alg: 'HS512', typ: 'JWT' }).sign(secret);
    expect(codes(hs512)).toEqual(['alg_invalid', 'signature_invalid']);
    const wildcard = await new SignJWT({ ...payload, room: '*', sub: '*' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret);
    expect(codes(wildcard)).toEqual(['room_wildcard', 'sub_wildcard']);
    // Without token_no_wildcard, Prosody itself would accept '*': the reason we never issue it.
    expect(codes(wildcard, { ...prosody, noWildcard: false })).toEqual([]);
    const { iss: _iss, aud: _aud, room: _room, ...bare } = payload;
    const missing = await new SignJWT(bare).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret);
    expect(codes(missing)).toEqual(['iss_missing', 'room_missing', 'aud_missing', 'room_mismatch']);
    const odd = await new SignJWT({ ...payload, context: { user: { id: 7, name: ['x'] } } }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secret);
    expect(codes(odd)).toEqual(['context_user_invalid', 'context_user_invalid', 'context_user_invalid']);
  });
});

describe('tokenWindow', () => {
  const seconds = (iso: string) => Date.parse(iso) / 1000;

  it('opens 30 minutes before the start and closes 2 hours after the end', () => {
    expect(tokenWindow({ startsAt, durationMinutes: 30, timezone: 'Europe/Paris', now: new Date('2026-06-14T12:00:00Z') })).toEqual({
      nbf: seconds('2026-06-15T07:30:00Z'),
      exp: seconds('2026-06-15T10:30:00Z'),
    });
  });

  it('opens a minute before now when minted after the opening (clock skew against Prosody)', () => {
    expect(tokenWindow({ startsAt, durationMinutes: 30, timezone: 'Europe/Paris', now: new Date('2026-06-15T08:10:00Z') }).nbf).toBe(seconds('2026-06-15T08:09:00Z'));
  });

  it('never goes past midnight of the local day', () => {
    // 22:00 in Paris (CEST): end 22:30, +2 h would be 00:30 the next day; capped at 24:00 local = 22:00Z.
    const late = tokenWindow({ startsAt: new Date('2026-06-15T20:00:00Z'), durationMinutes: 30, timezone: 'Europe/Paris', now: new Date('2026-06-15T19:00:00Z') });
    expect(late.exp).toBe(seconds('2026-06-15T22:00:00Z'));
    // Same instant, New York: its local day ends later, so the 2 h grace applies in full.
    const ny = tokenWindow({ startsAt: new Date('2026-06-15T19:30:00Z'), durationMinutes: 30, timezone: 'America/New_York', now: new Date('2026-06-15T19:00:00Z') });
    expect(ny.exp).toBe(seconds('2026-06-15T22:00:00Z'));
    const nyLater = tokenWindow({ startsAt: new Date('2026-06-16T02:30:00Z'), durationMinutes: 30, timezone: 'America/New_York', now: new Date('2026-06-16T02:00:00Z') });
    expect(nyLater.exp).toBe(seconds('2026-06-16T04:00:00Z')); // 24:00 EDT
  });

  it('ends the 25-hour day of 2026-10-25 in Paris at its real midnight (01:00 → 00:00 CET)', () => {
    // 22:30 CET = 21:30Z; end 23:00 CET; +2 h = 01:00 on the 26th → capped at 00:00 CET = 23:00Z.
    const w = tokenWindow({ startsAt: new Date('2026-10-25T21:30:00Z'), durationMinutes: 30, timezone: 'Europe/Paris', now: new Date('2026-10-25T21:00:00Z') });
    expect(w.exp).toBe(seconds('2026-10-25T23:00:00Z'));
  });

  it('ends the 23-hour day of 2026-03-29 in Paris at its real midnight (CEST)', () => {
    // 22:30 CEST = 20:30Z; +2 h after the end would be 01:00 on the 30th → capped at 00:00 CEST = 22:00Z.
    const w = tokenWindow({ startsAt: new Date('2026-03-29T20:30:00Z'), durationMinutes: 30, timezone: 'Europe/Paris', now: new Date('2026-03-29T20:00:00Z') });
    expect(w.exp).toBe(seconds('2026-03-29T22:00:00Z'));
  });

  it('mints DST-day tokens whose exp Prosody enforces at local midnight', async () => {
    const token = await mintJitsiToken(jitsi, { ...patientInput, startsAt: new Date('2026-10-25T21:30:00Z'), now: new Date('2026-10-25T21:00:00Z') });
    const join = (iso: string) => ({ roomAddress: `${room}@muc.meet.clinic.example`, now: new Date(iso) });
    expect(codes(token, prosody, join('2026-10-25T22:59:59Z'))).toEqual([]);
    expect(codes(token, prosody, join('2026-10-25T23:00:00Z'))).toEqual(['expired']);
  });
});

describe('redactToken', () => {
  it('masks JWTs and jwt= parameters, and nothing else', async () => {
    const token = await mintJitsiToken(jitsi, patientInput);
    const url = `https://meet.clinic.example/${room}?jwt=${token}#config.prejoinConfig.enabled=false`;
    const redactedUrl = redactToken(url);
    expect(redactedUrl).toBe(`https://meet.clinic.example/${room}?jwt=[redacted]#config.prejoinConfig.enabled=false`);
    const line = `joining with token ${token} for connector.teleconsult.example.org`;
    expect(redactToken(line)).toBe('joining with token [redacted] for connector.teleconsult.example.org');
    expect(redactToken('GET /x?a=1&JWT=abc.def&b=2')).toBe('GET /x?a=1&JWT=[redacted]&b=2');
    expect(redactToken(JSON.stringify({ t: token }))).not.toContain(token.split('.')[2]!);
    const plain = 'meet.clinic.example abc.def.ghi v1.2.3 user@example.org';
    expect(redactToken(plain)).toBe(plain);
  });
});
