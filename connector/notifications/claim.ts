/**
 * Claiming messages before they are sent: under row locks, each message of a batch of jobs
 * is checked again and either dropped (no longer right) or marked `sending` (attempts + 1),
 * and the transaction commits BEFORE any provider is called. One transaction serves the
 * whole batch: a fixed number of statements whatever its size.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ClinicSettings } from '../../config/schema.ts';
import { clinics, messages, teleconsultations, type MessageExtraVars } from '../db/schema/index.ts';
import type { Teleconsultation } from '../teleconsultations/model.ts';
import { mergeClinicSettings } from '../teleconsultations/clinic-settings.ts';
import { activeLinksOf, linkUrl } from '../teleconsultations/links.ts';
import { channelProblem, SCHEDULE_KINDS } from './plan.ts';
import type { SendDeps } from './send.ts';
import type { MessageVars } from './templates/types.ts';

export type Message = typeof messages.$inferSelect;

/** What claiming needs. */
export type ClaimDeps = Pick<SendDeps, 'db' | 'log' | 'publicUrl' | 'linkSecret' | 'clinicDefaults' | 'providers' | 'links' | 'now'>;

/** Why a message is no longer to be sent, or null when it still is. */
export function staleness(m: Pick<Message, 'kind' | 'appointmentVersion'>, t: Teleconsultation, now: Date): { status: 'cancelled' | 'skipped'; reason: string } | null {
  const end = t.startsAt.getTime() + t.durationMinutes * 60_000;
  if ((SCHEDULE_KINDS as readonly string[]).includes(m.kind)) {
    if (t.status === 'cancelled') return { status: 'cancelled', reason: 'appointment_cancelled' };
    if (m.appointmentVersion !== t.appointmentVersion) return { status: 'cancelled', reason: 'superseded' };
    if (t.status === 'in_progress' || t.status === 'ended' || t.startedAt || t.endedAt) return { status: 'skipped', reason: 'already_started' };
    if ((m.kind === 'reminder' || m.kind === 'invitation') && t.status === 'waiting') return { status: 'skipped', reason: 'already_waiting' };
    if (m.kind === 'reminder' && now.getTime() >= t.startsAt.getTime()) return { status: 'skipped', reason: 'too_late' };
    if (now.getTime() >= end) return { status: 'skipped', reason: 'too_late' };
    return null;
  }
  if (m.kind === 'cancellation') {
    if (t.status !== 'cancelled') return { status: 'cancelled', reason: 'no_longer_cancelled' };
    if (m.appointmentVersion !== t.appointmentVersion) return { status: 'cancelled', reason: 'superseded' };
  }
  if (m.kind === 'ended' && t.status !== 'ended') return { status: 'cancelled', reason: 'not_ended' };
  return null;
}

/** A claimed message, ready to render and send. */
export interface Prepared {
  m: Message;
  t: Teleconsultation;
  /** It was already `sending`: a previous attempt stopped after claiming it. */
  resumed: boolean;
  vars: MessageVars;
  fromName: string;
}

/** The messages one job asks for, and the teleconsultation they belong to (when the job says). */
export interface ClaimRequest {
  ids: string[];
  teleconsultationId?: string;
}

/**
 * Claims the messages of several jobs in one transaction: teleconsultations first (`for
 * share`), then messages (`for update`), each set in id order: the lock order of the agenda
 * changes, and the same order in every batch, so neither deadlocks with the other. Messages
 * no longer right are marked and left out; the others are marked `sending`. Returns what to
 * send, one list per request (a message asked for twice is claimed for the first only).
 */
export async function claimMessages(deps: ClaimDeps, requests: ClaimRequest[]): Promise<Prepared[][]> {
  const allIds = [...new Set(requests.flatMap((r) => r.ids))];
  if (allIds.length === 0) return requests.map(() => []);
  return deps.db.transaction(async (tx) => {
    const heads = new Set(requests.flatMap((r) => (r.teleconsultationId ? [r.teleconsultationId] : [])));
    const unheaded = requests.filter((r) => !r.teleconsultationId).flatMap((r) => r.ids);
    if (unheaded.length > 0) {
      for (const h of await tx.selectDistinct({ id: messages.teleconsultationId }).from(messages).where(inArray(messages.id, unheaded))) heads.add(h.id);
    }
    if (heads.size === 0) return requests.map(() => []);
    const tcRows = await tx.select({ t: teleconsultations, clinicName: clinics.name, clinicSettings: clinics.settings }).from(teleconsultations)
      .leftJoin(clinics, eq(clinics.id, teleconsultations.clinicId))
      .where(inArray(teleconsultations.id, [...heads])).orderBy(teleconsultations.id).for('share', { of: teleconsultations });
    const locked = await tx.select().from(messages)
      .where(and(inArray(messages.id, allIds), inArray(messages.teleconsultationId, [...heads]))).orderBy(messages.id).for('update');
    const byTc = new Map(tcRows.map((r) => [r.t.id, r]));
    const byId = new Map(locked.map((m) => [m.id, m]));
    const now = deps.now();

    const taken = new Set<string>();
    const skips = new Map<string, { status: 'cancelled' | 'skipped'; reason: string; ids: string[] }>();
    const toSend: { request: number; m: Message }[] = [];
    requests.forEach((r, request) => {
      for (const id of r.ids) {
        const m = byId.get(id);
        if (!m || taken.has(id) || (r.teleconsultationId && m.teleconsultationId !== r.teleconsultationId)) continue;
        taken.add(id);
        const t = byTc.get(m.teleconsultationId)?.t;
        if (!t || (m.status !== 'planned' && m.status !== 'sending')) continue;
        const stale = staleness(m, t, now);
        const problem = stale ? null : deps.providers[m.channel].off ? 'channel_off' : channelProblem(t, m.channel);
        if (stale || problem) {
          const status = stale?.status ?? 'skipped';
          const reason = stale?.reason ?? problem!;
          const group = skips.get(`${status}:${reason}`) ?? { status, reason, ids: [] };
          group.ids.push(m.id);
          skips.set(`${status}:${reason}`, group);
          deps.log.info({ messageId: m.id, kind: m.kind, channel: m.channel, teleconsultationId: t.id, status, reason }, 'message not sent');
        } else toSend.push({ request, m });
      }
    });
    for (const s of skips.values()) {
      await tx.update(messages).set({ status: s.status, skipReason: s.reason, updatedAt: now }).where(inArray(messages.id, s.ids));
    }
    const out: Prepared[][] = requests.map(() => []);
    if (toSend.length === 0) return out;
    await tx.update(messages).set({
      status: 'sending',
      attempts: sql`${messages.attempts} + 1`,
      provider: sql`case when ${messages.channel} = 'email' then ${deps.providers.email.name} else ${deps.providers.sms.name} end`,
      updatedAt: now,
    }).where(inArray(messages.id, toSend.map((x) => x.m.id)));

    const links = await activeLinksOf(tx, [...new Set(toSend.map((x) => x.m.teleconsultationId))]);
    const settingsOf = new Map<string, ClinicSettings>();
    for (const { request, m } of toSend) {
      const row = byTc.get(m.teleconsultationId)!;
      const t = row.t;
      let settings = settingsOf.get(t.id);
      if (!settings) settingsOf.set(t.id, settings = mergeClinicSettings(deps.clinicDefaults, row.clinicSettings));
      const extra: MessageExtraVars = { ...m.vars };
      if (m.kind === 'ended' || m.kind === 'payment_request' || m.kind === 'payment_reminder') {
        if (!extra.paymentUrl && deps.links.payment) {
          const pay = await deps.links.payment(tx, t.id);
          if (pay) { extra.paymentUrl = pay.url; if (pay.amount && !extra.amount) extra.amount = pay.amount; }
        }
        if (!extra.documentsUrl && deps.links.documentsUrl) extra.documentsUrl = await deps.links.documentsUrl(tx, t.id);
      }
      const patientLink = links.get(t.id)?.patient;
      const vars: MessageVars = {
        patientFirstName: t.patient.firstName,
        practitionerName: t.practitioner.name,
        clinicName: row.clinicName ?? settings.senderName,
        startsAt: t.startsAt,
        timezone: t.practitioner.timezone,
        ...(patientLink ? { patientUrl: linkUrl(deps.publicUrl, deps.linkSecret, patientLink) } : {}),
        ...(extra.previousStartsAt ? { previousStartsAt: new Date(extra.previousStartsAt) } : {}),
        ...(extra.paymentUrl ? { paymentUrl: extra.paymentUrl } : {}),
        ...(extra.documentsUrl ? { documentsUrl: extra.documentsUrl } : {}),
        ...(extra.amount ? { amount: extra.amount } : {}),
      };
      out[request]!.push({ m, t, resumed: m.status === 'sending', vars, fromName: settings.senderName });
    }
    return out;
  });
}
