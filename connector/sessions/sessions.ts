/**
 * Sessions: a link, once opened, is exchanged for a session scoped to one person (role) of
 * one teleconsultation, carried by a signed HttpOnly cookie. The cookie holds 128 random
 * bits; the database keeps only their SHA-256 hash. A session is valid while its link is
 * unrevoked and its teleconsultation is not cancelled; a practitioner's also only while its
 * link is unexpired. A patient's link outlives the call: past its expiry it opens the
 * consultation space (summary, payment, documents, conversation) until the retention period
 * deletes it with the patient's other data.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/client.ts';
import { accessLinks, sessions, teleconsultations, type LinkRole } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import type { Teleconsultation } from '../teleconsultations/model.ts';
import type { PurgeableData } from '../retention/purge.ts';

export const ROLES: readonly LinkRole[] = ['practitioner', 'patient'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a path parameter is a teleconsultation id (checked before it reaches SQL). */
export function isTeleconsultationId(value: string): boolean {
  return UUID.test(value);
}

/** Whether a path parameter is a role. */
export function isRole(value: string): value is LinkRole {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * The cookie of one participant. The role is in the name so that a practitioner and a
 * patient can both be tried in one browser (the demo).
 */
export function sessionCookieName(role: LinkRole, teleconsultationId: string): string {
  return `tc_${role}_${teleconsultationId}`;
}

/** The key that signs session cookies, derived from LINK_SECRET (never the secret itself). */
export function sessionCookieSecret(linkSecret: string): string {
  return createHmac('sha256', linkSecret).update('session-cookie:v1').digest('base64url');
}

/** What the database keeps of a session id. */
export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

/**
 * Whether a link of `role` no longer opens anything at `now`: a practitioner's past its expiry;
 * a patient's never by time (its consultation space stays until the retention purge deletes it).
 */
export function linkOver(role: LinkRole, expiresAt: Date, now: Date): boolean {
  return role === 'practitioner' && expiresAt.getTime() <= now.getTime();
}

/** How long a patient's session cookie lasts when it is made after the call's window (a visit to the space). */
export const SPACE_VISIT_MS = 24 * 3_600_000;

/** When the cookie of a session made at `now` for a link expiring at `linkExpiresAt` should expire. */
export function sessionCookieExpiry(role: LinkRole, linkExpiresAt: Date, now: Date): Date {
  if (role === 'practitioner') return linkExpiresAt;
  return new Date(Math.max(linkExpiresAt.getTime(), now.getTime() + SPACE_VISIT_MS));
}

/** Creates a session for an opened link; returns the raw id that goes (signed) into the cookie. */
export async function createSession(q: Queryable, input: { teleconsultationId: string; clinicId: string; role: LinkRole; linkId: string; expiresAt: Date; now: Date }): Promise<string> {
  const id = randomBytes(16).toString('base64url');
  await q.insert(sessions).values({
    idHash: hashSessionId(id),
    teleconsultationId: input.teleconsultationId,
    clinicId: input.clinicId,
    role: input.role,
    linkId: input.linkId,
    createdAt: input.now,
    expiresAt: input.expiresAt,
  });
  return id;
}

/** Revokes every session of a teleconsultation (its links were revoked). */
export async function revokeSessions(q: Queryable, teleconsultationId: string, at: Date): Promise<void> {
  await q.update(sessions).set({ revokedAt: at })
    .where(and(eq(sessions.teleconsultationId, teleconsultationId), isNull(sessions.revokedAt)));
}

/** A valid session, with its teleconsultation as it is now. */
export interface LiveSession {
  idHash: string;
  role: LinkRole;
  clinicId: string;
  teleconsultation: Teleconsultation;
}

export type SessionCheck =
  | { ok: true; session: LiveSession }
  | { ok: false; reason: 'missing' | 'invalid' | 'cancelled' };

/**
 * Checks a session id (already unsigned) for one teleconsultation and role: the session is
 * unrevoked, its link unrevoked and unexpired, its teleconsultation not cancelled.
 */
export async function checkSessionId(q: Queryable, id: string | undefined, teleconsultationId: string, role: LinkRole, now: Date): Promise<SessionCheck> {
  if (!id) return { ok: false, reason: 'missing' };
  const [row] = await q.select({ session: sessions, linkRevokedAt: accessLinks.revokedAt, linkExpiresAt: accessLinks.expiresAt, teleconsultation: teleconsultations })
    .from(sessions)
    .innerJoin(accessLinks, eq(accessLinks.id, sessions.linkId))
    .innerJoin(teleconsultations, eq(teleconsultations.id, sessions.teleconsultationId))
    .where(eq(sessions.idHash, hashSessionId(id)));
  if (!row || row.session.teleconsultationId !== teleconsultationId || row.session.role !== role) return { ok: false, reason: 'invalid' };
  if (row.teleconsultation.status === 'cancelled') return { ok: false, reason: 'cancelled' };
  // The link's current expiry is the truth: a moved appointment moves it.
  if (row.session.revokedAt || row.linkRevokedAt || linkOver(role, row.linkExpiresAt, now)) return { ok: false, reason: 'invalid' };
  return { ok: true, session: { idHash: row.session.idHash, role, clinicId: row.session.clinicId, teleconsultation: row.teleconsultation } };
}

/** The session id in a request's cookie for this teleconsultation and role, if signed by us. */
export function sessionIdFromCookie(request: FastifyRequest, teleconsultationId: string, role: LinkRole): string | undefined {
  const raw = request.cookies?.[sessionCookieName(role, teleconsultationId)];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

/** Checks the request's session for this teleconsultation and role. */
export async function checkRequestSession(request: FastifyRequest, teleconsultationId: string, role: string): Promise<SessionCheck> {
  if (!isTeleconsultationId(teleconsultationId) || !isRole(role)) return { ok: false, reason: 'invalid' };
  const services: Services = request.server.services;
  return checkSessionId(services.database.db, sessionIdFromCookie(request, teleconsultationId, role), teleconsultationId, role, services.now());
}

/**
 * The session of the participant making this request, for routes of one teleconsultation:
 * 401 SESSION_REQUIRED without a valid one, 410 TELECONSULTATION_CANCELLED once cancelled.
 */
export async function requireSession(request: FastifyRequest, teleconsultationId: string, role: string): Promise<LiveSession> {
  const check = await checkRequestSession(request, teleconsultationId, role);
  if (check.ok) return check.session;
  if (check.reason === 'cancelled') throw new AppError('TELECONSULTATION_CANCELLED', 'This teleconsultation was cancelled.');
  throw new AppError('SESSION_REQUIRED', 'Open your teleconsultation link again to continue.');
}

/** Sets the session cookie on a reply. */
export function setSessionCookie(reply: FastifyReply, input: { role: LinkRole; teleconsultationId: string; id: string; expiresAt: Date; secure: boolean }): void {
  void reply.setCookie(sessionCookieName(input.role, input.teleconsultationId), input.id, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: input.secure,
    path: '/',
    expires: input.expiresAt,
  });
}

/** For many live sessions at once (the heartbeat): the hashes that are no longer valid, with why. */
export async function invalidSessions(q: Queryable, idHashes: readonly string[], now: Date): Promise<Map<string, 'invalid' | 'cancelled'>> {
  const out = new Map<string, 'invalid' | 'cancelled'>();
  if (idHashes.length === 0) return out;
  const rows = await q.select({ idHash: sessions.idHash, role: sessions.role, revokedAt: sessions.revokedAt, linkRevokedAt: accessLinks.revokedAt, linkExpiresAt: accessLinks.expiresAt, status: teleconsultations.status })
    .from(sessions)
    .innerJoin(accessLinks, eq(accessLinks.id, sessions.linkId))
    .innerJoin(teleconsultations, eq(teleconsultations.id, sessions.teleconsultationId))
    .where(inArray(sessions.idHash, [...idHashes]));
  const found = new Set<string>();
  for (const r of rows) {
    found.add(r.idHash);
    if (r.status === 'cancelled') out.set(r.idHash, 'cancelled');
    else if (r.revokedAt || r.linkRevokedAt || linkOver(r.role, r.linkExpiresAt, now)) out.set(r.idHash, 'invalid');
  }
  for (const h of idHashes) if (!found.has(h)) out.set(h, 'invalid');
  return out;
}

/**
 * Sessions and links, deleted past the retention period. A purged link's token still bears
 * our signature: it is answered "expired" (410), never "unknown".
 */
export const sessionsAndLinksPurge: PurgeableData = {
  name: 'sessions-and-links',
  async purge(tx, ids) {
    const s = await tx.delete(sessions).where(inArray(sessions.teleconsultationId, ids)).returning({ id: sessions.idHash });
    const l = await tx.delete(accessLinks).where(inArray(accessLinks.teleconsultationId, ids)).returning({ id: accessLinks.id });
    return s.length + l.length;
  },
};
