/**
 * The follow-up's sign-in links and sessions. A link is `{PUBLIC_URL}/f/{id}.{mac}`: `id` is
 * 128 random bits of which only the SHA-256 is stored (`sign_in_links`), `mac` an HMAC of the
 * id under LINK_SECRET (connector/http/signed-id.ts), so neither a database dump nor a guess
 * opens anything. An opened link gives a session on that device: a signed HttpOnly cookie
 * holding another 128 random bits, also stored as their hash (`follow_up_sessions`), scoped
 * to one practitioner of one clinic.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, count, eq, gt, isNull, sql } from 'drizzle-orm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Queryable } from '../db/client.ts';
import { followUpSessions, signInLinks, teleconsultations } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { signId, verifySignedId } from '../http/signed-id.ts';
import type { Services } from '../services.ts';
import type { Teleconsultation } from '../teleconsultations/model.ts';

const PURPOSE = 'sign-in-link:v1';
const RANDOM_ID = /^[A-Za-z0-9_-]{22}$/;
/** The follow-up session's cookie (one per browser: one practitioner at a time). */
export const FOLLOW_UP_COOKIE = 'tc_follow_up';

/** A practitioner as the agenda knows them: clinic and practitioner ids. */
export interface PractitionerRef {
  clinicId: string;
  practitionerId: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The full URL of a sign-in link. */
export function signInUrl(publicUrl: string, secret: string, id: string): string {
  return `${publicUrl}/f/${signId(secret, PURPOSE, id)}`;
}

/** The link id inside a token, or null when the token was not made with our secret. */
export function verifySignInToken(secret: string, token: string): string | null {
  return verifySignedId(secret, PURPOSE, token, RANDOM_ID);
}

/** Records a new sign-in link; returns its raw id (only its hash is kept). */
export async function createSignInLink(q: Queryable, who: PractitionerRef, now: Date, minutes: number): Promise<string> {
  const id = randomBytes(16).toString('base64url');
  await q.insert(signInLinks).values({ idHash: sha256(id), ...who, createdAt: now, expiresAt: new Date(now.getTime() + minutes * 60_000) });
  return id;
}

/** How many links were sent to a practitioner since `since` (to stop filling a mailbox). */
export async function linksSentSince(q: Queryable, who: PractitionerRef, since: Date): Promise<number> {
  const [row] = await q.select({ n: count() }).from(signInLinks)
    .where(and(eq(signInLinks.clinicId, who.clinicId), eq(signInLinks.practitionerId, who.practitionerId), gt(signInLinks.createdAt, since)));
  return row?.n ?? 0;
}

export type OpenOutcome =
  | { ok: true; sessionId: string; expiresAt: Date }
  | { ok: false; code: 'SIGN_IN_LINK_EXPIRED' };

/**
 * Opens a sign-in link: while it is unexpired and unrevoked, a new session (the link keeps
 * working until it expires, so that a mail client that opened it first leaves it usable).
 * Nothing is written otherwise.
 */
export async function openSignInLink(q: Queryable, linkId: string, now: Date, sessionHours: number): Promise<OpenOutcome> {
  const hash = sha256(linkId);
  const [link] = await q.select().from(signInLinks).where(eq(signInLinks.idHash, hash));
  if (!link || link.revokedAt || link.expiresAt.getTime() <= now.getTime()) return { ok: false, code: 'SIGN_IN_LINK_EXPIRED' };
  const sessionId = randomBytes(16).toString('base64url');
  const expiresAt = new Date(now.getTime() + sessionHours * 3_600_000);
  await q.insert(followUpSessions).values({
    idHash: sha256(sessionId), clinicId: link.clinicId, practitionerId: link.practitionerId, signInLinkHash: hash, createdAt: now, expiresAt,
  });
  if (!link.usedAt) await q.update(signInLinks).set({ usedAt: now }).where(and(eq(signInLinks.idHash, hash), isNull(signInLinks.usedAt)));
  return { ok: true, sessionId, expiresAt };
}

/** Sets the follow-up session cookie. */
export function setFollowUpCookie(reply: FastifyReply, id: string, expiresAt: Date, secure: boolean): void {
  void reply.setCookie(FOLLOW_UP_COOKIE, id, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/', expires: expiresAt });
}

/** Clears the follow-up session cookie. */
export function clearFollowUpCookie(reply: FastifyReply, secure: boolean): void {
  void reply.clearCookie(FOLLOW_UP_COOKIE, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/' });
}

/** A valid follow-up session. */
export interface FollowUpSession extends PractitionerRef {
  idHash: string;
  expiresAt: Date;
}

function sessionIdOf(request: FastifyRequest): string | undefined {
  const raw = request.cookies?.[FOLLOW_UP_COOKIE];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

/** The request's follow-up session if it is valid now (unrevoked, unexpired), else null. */
export async function followUpSessionOf(request: FastifyRequest): Promise<FollowUpSession | null> {
  const id = sessionIdOf(request);
  if (!id) return null;
  const services: Services = request.server.services;
  return checkFollowUpSession(services.database.db, sha256(id), services.now());
}

/** The session of this hash if it is valid now. */
export async function checkFollowUpSession(q: Queryable, idHash: string, now: Date): Promise<FollowUpSession | null> {
  const [row] = await q.select().from(followUpSessions).where(eq(followUpSessions.idHash, idHash));
  if (!row || row.revokedAt || row.expiresAt.getTime() <= now.getTime()) return null;
  return { idHash: row.idHash, clinicId: row.clinicId, practitionerId: row.practitionerId, expiresAt: row.expiresAt };
}

/** The request's follow-up session, or 401 FOLLOW_UP_SESSION_REQUIRED. */
export async function requireFollowUpSession(request: FastifyRequest): Promise<FollowUpSession> {
  const session = await followUpSessionOf(request);
  if (!session) throw new AppError('FOLLOW_UP_SESSION_REQUIRED', 'Sign in to "Suivi et paiement" with a link sent to your email.');
  return session;
}

/** Revokes a session (sign-out). */
export async function revokeFollowUpSession(q: Queryable, idHash: string, at: Date): Promise<void> {
  await q.update(followUpSessions).set({ revokedAt: at }).where(and(eq(followUpSessions.idHash, idHash), isNull(followUpSessions.revokedAt)));
}

/**
 * A teleconsultation of this practitioner, or 404 TELECONSULTATION_NOT_FOUND: another
 * practitioner's consultation is answered as if it did not exist.
 */
export async function ownTeleconsultation(q: Queryable, who: PractitionerRef, teleconsultationId: string): Promise<Teleconsultation> {
  const [t] = await q.select().from(teleconsultations).where(and(
    eq(teleconsultations.id, teleconsultationId), eq(teleconsultations.clinicId, who.clinicId),
    sql`${teleconsultations.practitioner}->>'id' = ${who.practitionerId}`,
  ));
  if (!t) throw new AppError('TELECONSULTATION_NOT_FOUND', 'No such teleconsultation.');
  return t;
}

/** Whether the request's follow-up session is that of this teleconsultation's practitioner (document downloads). */
export async function followUpMayRead(request: FastifyRequest, t: Pick<Teleconsultation, 'clinicId' | 'practitioner'>): Promise<boolean> {
  const session = await followUpSessionOf(request);
  return session !== null && session.clinicId === t.clinicId && session.practitionerId === t.practitioner.id;
}
