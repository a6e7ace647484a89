/**
 * Integrator API keys: `tck_` + 256 random bits, shown once, stored as a SHA-256 hash and
 * scoped to one clinic; optionally expiring, revocable. Every creation and revocation is
 * in the clinic's audit trail, with who did it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { apiKeys, clinicAudit, clinics, type Actor } from '../db/schema/index.ts';

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A key as it is listed: never its value or hash. */
export interface ApiKeyInfo {
  id: string;
  clinicId: string;
  label: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** A key's caller: its clinic, and the key's id (the actor of what it does). */
export interface ApiKeyCaller { clinicId: string; keyId: string }

/** Records a change of the clinic's set-up, in the caller's transaction. */
export async function recordClinicChange(q: Queryable, input: { clinicId: string; action: string; subject: string; by: Actor; data?: Record<string, unknown>; at: Date }): Promise<void> {
  await q.insert(clinicAudit).values({ clinicId: input.clinicId, action: input.action, subject: input.subject, actor: input.by, data: input.data ?? {}, at: input.at });
}

/** Creates a key for a clinic and returns it (the only time it is visible). */
export async function createApiKey(q: Queryable, input: { clinicId: string; label: string; expiresAt?: Date | null; by: Actor; now: Date }): Promise<{ id: string; key: string }> {
  const key = `tck_${randomBytes(32).toString('base64url')}`;
  const id = `key_${randomBytes(8).toString('hex')}`;
  await q.insert(clinics).values({ id: input.clinicId }).onConflictDoNothing();
  await q.insert(apiKeys).values({ id, clinicId: input.clinicId, keyHash: hashKey(key), label: input.label, expiresAt: input.expiresAt ?? null, createdAt: input.now });
  await recordClinicChange(q, { clinicId: input.clinicId, action: 'api_key.created', subject: id, by: input.by, data: { label: input.label, expiresAt: input.expiresAt?.toISOString() ?? null }, at: input.now });
  return { id, key };
}

/** The caller of a key, or null for an unknown, revoked or expired key. */
export async function callerForApiKey(q: Queryable, key: string, now: Date): Promise<ApiKeyCaller | null> {
  if (!/^tck_[A-Za-z0-9_-]{43}$/.test(key)) return null;
  const [row] = await q.select({ clinicId: apiKeys.clinicId, keyId: apiKeys.id }).from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashKey(key)), isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now))));
  return row ?? null;
}

/** The clinic's keys, oldest first. */
export async function listApiKeys(q: Queryable, clinicId: string): Promise<ApiKeyInfo[]> {
  return q.select({ id: apiKeys.id, clinicId: apiKeys.clinicId, label: apiKeys.label, createdAt: apiKeys.createdAt, expiresAt: apiKeys.expiresAt, revokedAt: apiKeys.revokedAt })
    .from(apiKeys).where(eq(apiKeys.clinicId, clinicId)).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

/**
 * Revokes a key by id (of `clinicId` only, when given: an integrator revokes its own clinic's
 * keys). Returns the key, or null when there is no such key; revoking twice changes nothing.
 */
export async function revokeApiKey(q: Queryable, input: { id: string; clinicId?: string; by: Actor; now: Date }): Promise<ApiKeyInfo | null> {
  const where = input.clinicId ? and(eq(apiKeys.id, input.id), eq(apiKeys.clinicId, input.clinicId)) : eq(apiKeys.id, input.id);
  const [revoked] = await q.update(apiKeys).set({ revokedAt: input.now }).where(and(where, isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, clinicId: apiKeys.clinicId, label: apiKeys.label, createdAt: apiKeys.createdAt, expiresAt: apiKeys.expiresAt, revokedAt: apiKeys.revokedAt });
  if (revoked) {
    await recordClinicChange(q, { clinicId: revoked.clinicId, action: 'api_key.revoked', subject: revoked.id, by: input.by, at: input.now });
    return revoked;
  }
  const [existing] = await q.select({ id: apiKeys.id, clinicId: apiKeys.clinicId, label: apiKeys.label, createdAt: apiKeys.createdAt, expiresAt: apiKeys.expiresAt, revokedAt: apiKeys.revokedAt })
    .from(apiKeys).where(where);
  return existing ?? null;
}
