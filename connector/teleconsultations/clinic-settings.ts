/**
 * A clinic's settings: the configured defaults, overridden key by key by what the clinic
 * stored in `clinics.settings`. A stored value of the wrong shape is ignored (the default
 * stands), so one bad key never stops the messages of a whole clinic.
 */
import { eq } from 'drizzle-orm';
import { Type, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { ClinicSettings } from '../../config/schema.ts';
import type { Queryable } from '../db/client.ts';
import { clinics } from '../db/schema/index.ts';

const Minutes = Type.Integer({ minimum: 0, maximum: 60 * 24 * 30 });
const Cents = Type.Integer({ minimum: 0, maximum: 10_000_000 });

const KEY_SCHEMAS: { [K in keyof ClinicSettings]: TSchema } = {
  reminderOffsetsMinutes: Type.Array(Type.Integer({ minimum: 1, maximum: 60 * 24 * 30 }), { maxItems: 10 }),
  invitationMinutesBefore: Minutes,
  invoicePresetsCents: Type.Array(Cents, { maxItems: 20 }),
  invoiceMaxCents: Cents,
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  paymentReminderMinutes: Type.Integer({ minimum: 1, maximum: 60 * 24 * 30 }),
  senderName: Type.String({ minLength: 1, maxLength: 100 }),
  retentionDays: Type.Integer({ minimum: 1, maximum: 3650 }),
};

/** Merges stored overrides into the defaults, keeping only well-formed values. */
export function mergeClinicSettings(defaults: ClinicSettings, stored: unknown): ClinicSettings {
  const out: ClinicSettings = { ...defaults };
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return out;
  const record = stored as Record<string, unknown>;
  for (const key of Object.keys(KEY_SCHEMAS) as (keyof ClinicSettings)[]) {
    const value = record[key];
    if (value !== undefined && Value.Check(KEY_SCHEMAS[key], value)) (out as unknown as Record<string, unknown>)[key] = value;
  }
  return out;
}

/** The settings of one clinic (the defaults when it has no row or no overrides). */
export async function clinicSettings(q: Queryable, clinicId: string, defaults: ClinicSettings): Promise<ClinicSettings> {
  const [row] = await q.select({ settings: clinics.settings }).from(clinics).where(eq(clinics.id, clinicId));
  return mergeClinicSettings(defaults, row?.settings);
}
