/**
 * The patient's link and the practitioner's "Rejoindre" link.
 *
 * A link is `{PUBLIC_URL}/j/{id}.{mac}`: `id` is 128 random bits stored in `access_links`
 * (scope: one teleconsultation, one role; expiry; revocation), `mac` is an HMAC of the id
 * under LINK_SECRET. Links can be rebuilt for every message from the stored id, yet a
 * database dump alone does not yield a working link.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { accessLinks, type LinkRole } from '../db/schema/index.ts';
import { signId, verifySignedId } from '../http/signed-id.ts';

const PURPOSE = 'access-link:v1';
/** 128 random bits, base64url. */
const LINK_ID = /^[A-Za-z0-9_-]{22}$/;

/** The token that goes into the URL for a link id. */
export function linkToken(secret: string, id: string): string {
  return signId(secret, PURPOSE, id);
}

/** The full URL of a link. */
export function linkUrl(publicUrl: string, secret: string, id: string): string {
  return `${publicUrl}/j/${linkToken(secret, id)}`;
}

/** The link id inside a token, or null when the token was not made with our secret. */
export function verifyLinkToken(secret: string, token: string): string | null {
  return verifySignedId(secret, PURPOSE, token, LINK_ID);
}

/** A fresh link id: 128 random bits, base64url. */
export function newLinkId(): string {
  return randomBytes(16).toString('base64url');
}

/** Creates a link for one person of one teleconsultation. */
export async function createLink(q: Queryable, input: { clinicId: string; teleconsultationId: string; role: LinkRole; expiresAt: Date }): Promise<string> {
  const id = newLinkId();
  await q.insert(accessLinks).values({ id, ...input });
  return id;
}

/** The current (unrevoked) link ids of a teleconsultation, by role. */
export async function activeLinks(q: Queryable, teleconsultationId: string): Promise<Partial<Record<LinkRole, string>>> {
  const rows = await q.select({ id: accessLinks.id, role: accessLinks.role }).from(accessLinks)
    .where(and(eq(accessLinks.teleconsultationId, teleconsultationId), isNull(accessLinks.revokedAt)))
    .orderBy(accessLinks.createdAt);
  const out: Partial<Record<LinkRole, string>> = {};
  for (const r of rows) out[r.role] = r.id;
  return out;
}

/** `activeLinks` of several teleconsultations in one query, by teleconsultation id (absent: none). */
export async function activeLinksOf(q: Queryable, teleconsultationIds: string[]): Promise<Map<string, Partial<Record<LinkRole, string>>>> {
  const out = new Map<string, Partial<Record<LinkRole, string>>>();
  if (teleconsultationIds.length === 0) return out;
  const rows = await q.select({ teleconsultationId: accessLinks.teleconsultationId, id: accessLinks.id, role: accessLinks.role }).from(accessLinks)
    .where(and(inArray(accessLinks.teleconsultationId, teleconsultationIds), isNull(accessLinks.revokedAt)))
    .orderBy(accessLinks.createdAt);
  for (const r of rows) {
    const links = out.get(r.teleconsultationId) ?? {};
    links[r.role] = r.id;
    out.set(r.teleconsultationId, links);
  }
  return out;
}

/** The newest link ids by role, revoked or not (a cancelled teleconsultation keeps its URLs). */
export async function latestLinks(q: Queryable, teleconsultationId: string): Promise<Partial<Record<LinkRole, string>>> {
  const rows = await q.select({ id: accessLinks.id, role: accessLinks.role }).from(accessLinks)
    .where(eq(accessLinks.teleconsultationId, teleconsultationId))
    .orderBy(accessLinks.createdAt);
  const out: Partial<Record<LinkRole, string>> = {};
  for (const r of rows) out[r.role] = r.id;
  return out;
}

/** Revokes every link of a teleconsultation (cancellation, or on request). */
export async function revokeLinks(q: Queryable, teleconsultationId: string, at: Date): Promise<void> {
  await q.update(accessLinks).set({ revokedAt: at })
    .where(and(eq(accessLinks.teleconsultationId, teleconsultationId), isNull(accessLinks.revokedAt)));
}

/** Moves the expiry of a teleconsultation's live links (the appointment moved). */
export async function extendLinks(q: Queryable, teleconsultationId: string, expiresAt: Date): Promise<void> {
  await q.update(accessLinks).set({ expiresAt })
    .where(and(eq(accessLinks.teleconsultationId, teleconsultationId), isNull(accessLinks.revokedAt)));
}

/** When a teleconsultation's links stop working: the end of the appointment plus a grace period. */
export function linkExpiry(startsAt: Date, durationMinutes: number, graceHours: number): Date {
  return new Date(startsAt.getTime() + durationMinutes * 60_000 + graceHours * 3_600_000);
}
