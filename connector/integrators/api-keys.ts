/**
 * Integrator API keys: `tck_` + 256 random bits, shown once, stored as a SHA-256 hash and
 * scoped to one clinic.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Queryable } from '../db/client.ts';
import { apiKeys, clinics } from '../db/schema/index.ts';

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates a key for a clinic and returns it (the only time it is visible). */
export async function createApiKey(q: Queryable, clinicId: string, label: string): Promise<{ id: string; key: string }> {
  const key = `tck_${randomBytes(32).toString('base64url')}`;
  const id = randomBytes(8).toString('hex');
  await q.insert(clinics).values({ id: clinicId }).onConflictDoNothing();
  await q.insert(apiKeys).values({ id, clinicId, keyHash: hashKey(key), label });
  return { id, key };
}

/** The clinic a key belongs to, or null for an unknown or revoked key. */
export async function clinicForApiKey(q: Queryable, key: string): Promise<string | null> {
  if (!/^tck_[A-Za-z0-9_-]{43}$/.test(key)) return null;
  const [row] = await q.select({ clinicId: apiKeys.clinicId }).from(apiKeys)
    .where(and(eq(apiKeys.keyHash, hashKey(key)), isNull(apiKeys.revokedAt)));
  return row?.clinicId ?? null;
}

/** Revokes a key by id. */
export async function revokeApiKey(q: Queryable, id: string, at: Date): Promise<void> {
  await q.update(apiKeys).set({ revokedAt: at }).where(eq(apiKeys.id, id));
}
