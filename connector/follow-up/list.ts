/**
 * What the follow-up shows of a practitioner's teleconsultations: the list of a period (with
 * payment, counts of documents and messages, and whether "Rejoindre" still opens the call),
 * one consultation's detail, and the period's payment requests for the CSV export. Always
 * scoped to one practitioner of one clinic; a purged consultation shows without patient data.
 */
import { and, asc, count, eq, gte, inArray, lt } from 'drizzle-orm';
import { DateTime } from 'luxon';
import type { FollowUpDetail, FollowUpItem } from '#protocol/follow-up';
import { decimalAmount } from '#protocol/money';
import type { Config } from '../../config/schema.ts';
import { currentPaymentRequest, practitionerPayments, type PaymentRequest } from '../billing/payments.ts';
import type { Billing } from '../billing/service.ts';
import type { Queryable } from '../db/client.ts';
import { chatMessages, documents, paymentRequests, teleconsultations } from '../db/schema/index.ts';
import { conversationOf } from '../documents/conversation.ts';
import { documentsOf, documentSummary } from '../documents/records.ts';
import { AppError } from '../errors.ts';
import { callIsOpen, patientDisplayName } from '../sessions/summary.ts';
import type { Teleconsultation } from '../teleconsultations/model.ts';
import type { PractitionerRef } from './session.ts';

/** Consultations listed at most per period (newest first). */
export const LIST_LIMIT = 500;
/** The longest period one request may cover. */
const MAX_PERIOD_DAYS = 400;
/** The default period: this many days back and ahead. */
const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;
/** Payment statuses that "Impayées uniquement" keeps: asked, and not (or no longer) payable as paid. */
const UNPAID: readonly PaymentRequest['status'][] = ['creating', 'requested', 'failed', 'expired'];

/** A period [from, to). */
export interface Period { from: Date; to: Date }

function parseBound(value: string | undefined, name: 'from' | 'to', zone: string): Date | undefined {
  if (value === undefined || value === '') return undefined;
  // A date alone is a whole day of the practitioner's time zone: `to=2026-06-30` includes the 30th.
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const day = dateOnly ? DateTime.fromISO(value, { zone }) : null;
  const at = day ? day.toJSDate() : new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) || Number.isNaN(at.getTime())) {
    throw new AppError('VALIDATION_FAILED', `\`${name}\` is not an ISO 8601 date or date-time.`, [{ path: `/${name}`, problem: 'must be an ISO 8601 date or date-time' }]);
  }
  return day && name === 'to' ? day.plus({ days: 1 }).toJSDate() : at;
}

/**
 * The period of a query (`from`, `to`): by default 30 days back to 30 days ahead. A date
 * without a time is a day in `zone` (the practitioner's, as the agenda gives it).
 */
export function periodOf(query: { from?: string; to?: string }, now: Date, zone = 'UTC'): Period {
  const from = parseBound(query.from, 'from', zone) ?? new Date(now.getTime() - DEFAULT_DAYS * DAY_MS);
  const to = parseBound(query.to, 'to', zone) ?? new Date(Math.max(now.getTime() + DEFAULT_DAYS * DAY_MS, from.getTime() + DAY_MS));
  if (to.getTime() <= from.getTime()) throw new AppError('VALIDATION_FAILED', '`to` must come after `from`.', [{ path: '/to', problem: 'must be after from' }]);
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw new AppError('VALIDATION_FAILED', `The period may not exceed ${MAX_PERIOD_DAYS} days.`, [{ path: '/to', problem: `at most ${MAX_PERIOD_DAYS} days after from` }]);
  }
  return { from, to };
}

/** Where "Rejoindre" goes for a consultation, or null once its call can no longer be joined. */
export function joinUrlOf(config: Pick<Config, 'linkGraceHours'>, t: Teleconsultation, now: Date): string | null {
  if (t.status === 'cancelled' || !callIsOpen(config, t, now)) return null;
  return `/api/follow-up/consultations/${t.id}/join`;
}

/** The patient's name as the follow-up shows it ("" once purged). */
function patientNameOf(t: Teleconsultation): string {
  return t.purgedAt ? '' : patientDisplayName(t);
}

interface ItemContext {
  config: Pick<Config, 'linkGraceHours'>;
  billing: Pick<Billing, 'summary'>;
  now: Date;
}

function itemOf(ctx: ItemContext, t: Teleconsultation, payment: PaymentRequest | null, counts: { documents: number; messages: number }): FollowUpItem {
  return {
    id: t.id,
    startsAt: t.startsAt.toISOString(),
    timezone: t.practitioner.timezone,
    durationMinutes: t.durationMinutes,
    status: t.status,
    actualDurationSeconds: t.startedAt && t.endedAt ? Math.max(0, Math.round((t.endedAt.getTime() - t.startedAt.getTime()) / 1000)) : null,
    patientName: patientNameOf(t),
    reasonLabel: t.purgedAt ? '' : t.reasonLabel,
    purged: t.purgedAt !== null,
    payment: payment ? ctx.billing.summary(payment) : null,
    documents: counts.documents,
    messages: counts.messages,
    joinUrl: joinUrlOf(ctx.config, t, ctx.now),
  };
}

async function countsBy(q: Queryable, ids: string[]): Promise<Map<string, { documents: number; messages: number }>> {
  const out = new Map<string, { documents: number; messages: number }>(ids.map((id) => [id, { documents: 0, messages: 0 }]));
  if (ids.length === 0) return out;
  const [docs, msgs] = await Promise.all([
    q.select({ id: documents.teleconsultationId, n: count() }).from(documents).where(inArray(documents.teleconsultationId, ids)).groupBy(documents.teleconsultationId),
    q.select({ id: chatMessages.teleconsultationId, n: count() }).from(chatMessages).where(inArray(chatMessages.teleconsultationId, ids)).groupBy(chatMessages.teleconsultationId),
  ]);
  for (const d of docs) out.get(d.id)!.documents = d.n;
  for (const m of msgs) out.get(m.id)!.messages = m.n;
  return out;
}

/** The practitioner's consultations starting in the period, newest first; `unpaid`: only those with a payment still due. */
export async function followUpItems(q: Queryable, ctx: ItemContext, who: PractitionerRef, period: Period, unpaid: boolean): Promise<FollowUpItem[]> {
  const rows = await practitionerPayments(q, who.clinicId, who.practitionerId, { from: period.from, to: period.to, limit: LIST_LIMIT });
  const kept = unpaid ? rows.filter((r) => r.payment !== null && UNPAID.includes(r.payment.status)) : rows;
  const counts = await countsBy(q, kept.map((r) => r.teleconsultation.id));
  return kept.map((r) => itemOf(ctx, r.teleconsultation, r.payment, counts.get(r.teleconsultation.id)!));
}

/** One consultation (already checked to be the practitioner's) with its documents and conversation. */
export async function followUpDetail(q: Queryable, ctx: ItemContext, t: Teleconsultation): Promise<FollowUpDetail> {
  const [payment, docs, conversation, counts] = await Promise.all([
    currentPaymentRequest(q, t.id), documentsOf(q, t.id), conversationOf(q, t.id), countsBy(q, [t.id]),
  ]);
  return { item: itemOf(ctx, t, payment ?? null, counts.get(t.id)!), documents: docs.map(documentSummary), conversation };
}

/** One row of the payments export. */
export interface PaymentExportRow {
  date: string;
  patient: string;
  amount: string;
  currency: string;
  status: string;
  paidAt: string;
  reference: string;
}

/** The export's columns, in order, with their header. */
export const PAYMENT_EXPORT_COLUMNS: readonly { key: keyof PaymentExportRow; header: string }[] = [
  { key: 'date', header: 'date' }, { key: 'patient', header: 'patient' }, { key: 'amount', header: 'amount' },
  { key: 'currency', header: 'currency' }, { key: 'status', header: 'status' }, { key: 'paidAt', header: 'paid_at' }, { key: 'reference', header: 'reference' },
];

/**
 * Every payment request the practitioner made in the period (by when it was asked), oldest
 * first, replaced ones included: times in the practitioner's time zone ("2026-06-15 10:30").
 */
export async function paymentExportRows(q: Queryable, who: PractitionerRef, period: Period): Promise<PaymentExportRow[]> {
  const rows = await q.select({ p: paymentRequests, t: teleconsultations }).from(paymentRequests)
    .innerJoin(teleconsultations, eq(teleconsultations.id, paymentRequests.teleconsultationId))
    .where(and(
      eq(paymentRequests.clinicId, who.clinicId), eq(paymentRequests.practitionerId, who.practitionerId),
      gte(paymentRequests.requestedAt, period.from), lt(paymentRequests.requestedAt, period.to),
    ))
    .orderBy(asc(paymentRequests.requestedAt), asc(paymentRequests.id));
  return rows.map(({ p, t }) => {
    const local = (at: Date) => DateTime.fromJSDate(at).setZone(t.practitioner.timezone).toFormat('yyyy-LL-dd HH:mm');
    return {
      date: local(t.startsAt), patient: patientNameOf(t), amount: decimalAmount(p.amountCents, p.currency), currency: p.currency,
      status: p.status, paidAt: p.paidAt ? local(p.paidAt) : '', reference: p.id,
    };
  });
}
