/**
 * The routes of "Suivi et paiement" (protocol/follow-up.ts): the sign-in (asked with an email,
 * or in one click from a consultation's panel), the link exchange, and the practitioner's own
 * API, every route of which needs the follow-up session and sees that practitioner's
 * consultations only.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import type { FollowUpDetail, FollowUpLinkSent, FollowUpList, FollowUpMe } from '#protocol/follow-up';
import { nullablePayment, paymentSchema } from '../billing/routes.ts';
import type { Billing } from '../billing/service.ts';
import type { Queryable } from '../db/client.ts';
import { accessLinks } from '../db/schema/index.ts';
import { documentOf } from '../documents/records.ts';
import { signedDocumentLink } from '../documents/links.ts';
import { AppError } from '../errors.ts';
import { errorBodySchema } from '../http/errors.ts';
import { isEmailAddress } from '../notifications/providers/types.ts';
import type { Services } from '../services.ts';
import { sendLinkError } from '../sessions/error-page.ts';
import { pagePath } from '../sessions/routes.ts';
import { createSession, requireSession, setSessionCookie } from '../sessions/sessions.ts';
import { callIsOpen } from '../sessions/summary.ts';
import { toCsv } from './csv.ts';
import type { EventStreams } from './events.ts';
import { followUpDetail, followUpItems, PAYMENT_EXPORT_COLUMNS, paymentExportRows, periodOf } from './list.ts';
import {
  clearFollowUpCookie, followUpSessionOf, openSignInLink, ownTeleconsultation, requireFollowUpSession, revokeFollowUpSession,
  setFollowUpCookie, verifySignInToken, type PractitionerRef,
} from './session.ts';
import { maskEmail, practitionerInfo, practitionersByEmail, sendSignInLink, type SignInDeps } from './sign-in.ts';

/** Work that goes on after the answer (sending links), so that its time tells nothing. */
export interface Background {
  run(work: () => Promise<unknown>): void;
  /** Resolves once everything started so far has finished. */
  settled(): Promise<void>;
}

/** What the routes need besides the service's parts. */
export interface FollowUpDeps {
  billing: Billing;
  signIn: SignInDeps;
  streams: EventStreams;
  background: Background;
}

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } } as const;
const periodQuery = { type: 'object', properties: { from: { type: 'string', maxLength: 40 }, to: { type: 'string', maxLength: 40 } } } as const;
const itemSchema = {
  type: 'object',
  required: ['id', 'startsAt', 'timezone', 'durationMinutes', 'status', 'actualDurationSeconds', 'patientName', 'reasonLabel', 'purged', 'payment', 'documents', 'messages', 'joinUrl'],
  properties: {
    id: { type: 'string' }, startsAt: { type: 'string' }, timezone: { type: 'string' }, durationMinutes: { type: 'integer' }, status: { type: 'string' },
    actualDurationSeconds: { type: ['integer', 'null'] }, patientName: { type: 'string' }, reasonLabel: { type: 'string' }, purged: { type: 'boolean' },
    payment: nullablePayment, documents: { type: 'integer' }, messages: { type: 'integer' }, joinUrl: { type: ['string', 'null'] },
  },
} as const;
const looseList = { type: 'array', items: { type: 'object', additionalProperties: true } } as const;
const tags = ['follow-up'];

/** The practitioner's time zone, in which the period's days are counted. */
async function practitionerZone(db: Queryable, who: PractitionerRef): Promise<string> {
  return (await practitionerInfo(db, who))?.timezone ?? 'UTC';
}

/** Registers the follow-up routes. */
export async function followUpRoutes(app: FastifyInstance, services: Services, deps: FollowUpDeps): Promise<void> {
  const { config } = services;
  const db = services.database.db;
  const secure = config.publicUrl.startsWith('https:');
  const ctx = () => ({ config, billing: deps.billing, now: services.now() });

  app.post<{ Body: { email: string; language?: 'fr' | 'en' } }>('/api/follow-up/sign-in', {
    schema: {
      tags, summary: 'Asks for a sign-in link: 202 whatever the email (a known practitioner gets the link by email)',
      body: { type: 'object', required: ['email'], properties: { email: { type: 'string', format: 'email', maxLength: 254 }, language: { type: 'string', enum: ['fr', 'en'] } } },
      response: { 202: { type: 'object', required: ['sent'], properties: { sent: { type: 'boolean', const: true } } }, 400: errorBodySchema, 429: errorBodySchema },
    },
  }, async (request, reply) => {
    const { email, language } = request.body;
    deps.background.run(async () => {
      for (const who of await practitionersByEmail(db, email)) await sendSignInLink(deps.signIn, who, language);
    });
    return reply.status(202).header('Cache-Control', 'no-store').send({ sent: true });
  });

  app.post<{ Params: { id: string } }>('/api/live/:id/practitioner/follow-up-link', {
    schema: {
      tags, summary: "Sends a sign-in link to this consultation's practitioner (consultation session)", params: idParams,
      response: { 202: { type: 'object', required: ['sentTo'], properties: { sentTo: { type: 'string' } } }, 401: errorBodySchema, 409: errorBodySchema, 410: errorBodySchema },
    },
  }, async (request, reply) => {
    const session = await requireSession(request, request.params.id, 'practitioner');
    const p = session.teleconsultation.practitioner;
    if (!isEmailAddress(p.email)) throw new AppError('PRACTITIONER_EMAIL_MISSING', 'The agenda gives no usable email for this practitioner.');
    deps.background.run(() => sendSignInLink(deps.signIn, { clinicId: session.clinicId, practitionerId: p.id, info: p }));
    return reply.status(202).send({ sentTo: maskEmail(p.email) } satisfies FollowUpLinkSent);
  });

  app.get<{ Params: { token: string } }>('/f/:token', {
    schema: {
      tags, summary: 'Opens a sign-in link: sets the follow-up session cookie and redirects to the page',
      params: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 100 } } },
      response: { 303: { type: 'null' }, 404: errorBodySchema, 410: errorBodySchema },
    },
  }, async (request, reply) => {
    const linkId = verifySignInToken(config.linkSecret, request.params.token);
    if (!linkId) return sendLinkError(request, reply, 404, 'SIGN_IN_LINK_INVALID');
    const opened = await openSignInLink(db, linkId, services.now(), config.followUp.sessionHours);
    if (!opened.ok) return sendLinkError(request, reply, 410, opened.code);
    setFollowUpCookie(reply, opened.sessionId, opened.expiresAt, secure);
    request.log.info('follow-up session opened from link');
    return reply.header('Cache-Control', 'no-store').header('Referrer-Policy', 'no-referrer').redirect('/app/follow-up', 303);
  });

  app.get('/api/follow-up/me', {
    schema: {
      tags, summary: 'Who is signed in, until when',
      response: { 200: { type: 'object', required: ['practitioner', 'expiresAt'], properties: { practitioner: { type: 'object', required: ['name', 'timezone'], properties: { name: { type: 'string' }, timezone: { type: 'string' } } }, expiresAt: { type: 'string' } } }, 401: errorBodySchema },
    },
  }, async (request, reply): Promise<FollowUpMe> => {
    const session = await requireFollowUpSession(request);
    void reply.header('Cache-Control', 'no-store');
    const info = await practitionerInfo(db, session);
    return { practitioner: { name: info?.name ?? '', timezone: info?.timezone ?? 'UTC' }, expiresAt: session.expiresAt.toISOString() };
  });

  app.post('/api/follow-up/sign-out', {
    schema: { tags, summary: 'Ends the follow-up session on this device', response: { 204: { type: 'null' } } },
  }, async (request, reply) => {
    const session = await followUpSessionOf(request);
    if (session) await revokeFollowUpSession(db, session.idHash, services.now());
    clearFollowUpCookie(reply, secure);
    return reply.status(204).send();
  });

  app.get<{ Querystring: { from?: string; to?: string; unpaid?: boolean } }>('/api/follow-up/consultations', {
    schema: {
      tags, summary: "The practitioner's consultations of the period (default: 30 days back to 30 ahead), newest first",
      querystring: { ...periodQuery, properties: { ...periodQuery.properties, unpaid: { type: 'boolean' } } },
      response: { 200: { type: 'object', required: ['from', 'to', 'items'], properties: { from: { type: 'string' }, to: { type: 'string' }, items: { type: 'array', items: itemSchema } } }, 400: errorBodySchema, 401: errorBodySchema },
    },
  }, async (request, reply): Promise<FollowUpList> => {
    const session = await requireFollowUpSession(request);
    const period = periodOf(request.query, services.now(), await practitionerZone(db, session));
    void reply.header('Cache-Control', 'no-store');
    const items = await followUpItems(db, ctx(), session, period, request.query.unpaid === true);
    return { from: period.from.toISOString(), to: period.to.toISOString(), items };
  });

  app.get<{ Params: { id: string } }>('/api/follow-up/consultations/:id', {
    schema: {
      tags, summary: 'One consultation with its documents and conversation', params: idParams,
      response: { 200: { type: 'object', required: ['item', 'documents', 'conversation'], properties: { item: itemSchema, documents: looseList, conversation: looseList } }, 401: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request, reply): Promise<FollowUpDetail> => {
    const session = await requireFollowUpSession(request);
    const t = await ownTeleconsultation(db, session, request.params.id);
    void reply.header('Cache-Control', 'no-store');
    return followUpDetail(db, ctx(), t);
  });

  app.get<{ Params: { id: string } }>('/api/follow-up/consultations/:id/join', {
    schema: {
      tags, summary: "\"Rejoindre\": a practitioner session of this consultation, 303 to its panel (while the call is open)", params: idParams,
      response: { 303: { type: 'null' }, 401: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 410: errorBodySchema },
    },
  }, async (request, reply) => {
    try {
      return await join(request, reply, request.params.id);
    } catch (err) {
      // A navigation: a browser gets the error page, other clients the JSON body.
      if (err instanceof AppError) return sendLinkError(request, reply, err.statusCode, err.code);
      throw err;
    }
  });

  async function join(request: FastifyRequest, reply: FastifyReply, id: string): Promise<FastifyReply> {
    const session = await requireFollowUpSession(request);
    const t = await ownTeleconsultation(db, session, id);
    const now = services.now();
    if (t.status === 'cancelled') throw new AppError('TELECONSULTATION_CANCELLED', 'This teleconsultation was cancelled.');
    if (!callIsOpen(config, t, now)) throw new AppError('CALL_CLOSED', 'The appointment is over: the call can no longer be joined.');
    const [link] = await db.select().from(accessLinks)
      .where(and(eq(accessLinks.teleconsultationId, t.id), eq(accessLinks.role, 'practitioner'), isNull(accessLinks.revokedAt)))
      .orderBy(accessLinks.createdAt);
    if (!link || link.expiresAt.getTime() <= now.getTime()) throw new AppError('LINK_REVOKED', 'This consultation has no practitioner link any more.');
    const sessionId = await createSession(db, { teleconsultationId: t.id, clinicId: t.clinicId, role: 'practitioner', linkId: link.id, expiresAt: link.expiresAt, now });
    setSessionCookie(reply, { role: 'practitioner', teleconsultationId: t.id, id: sessionId, expiresAt: link.expiresAt, secure });
    request.log.info({ teleconsultationId: t.id }, 'practitioner session opened from the follow-up');
    return reply.header('Cache-Control', 'no-store').redirect(pagePath('practitioner', t.id), 303);
  }

  app.post<{ Params: { id: string } }>('/api/follow-up/consultations/:id/payment/resend', {
    schema: {
      tags, summary: '"Renvoyer le lien de paiement": sends the open request\'s link to the patient again', params: idParams,
      response: { 202: { type: 'object', required: ['payment'], properties: { payment: paymentSchema } }, 401: errorBodySchema, 404: errorBodySchema, 409: errorBodySchema, 429: errorBodySchema },
    },
  }, async (request, reply) => {
    const session = await requireFollowUpSession(request);
    const t = await ownTeleconsultation(db, session, request.params.id);
    const p = await deps.billing.resend(t.id);
    return reply.status(202).send({ payment: deps.billing.summary(p) });
  });

  app.get<{ Params: { id: string; documentId: string } }>('/api/follow-up/consultations/:id/documents/:documentId/download', {
    schema: {
      tags, summary: "A 303 to the document's short-lived signed download link",
      params: { type: 'object', required: ['id', 'documentId'], properties: { id: { type: 'string', format: 'uuid' }, documentId: { type: 'string', format: 'uuid' } } },
      response: { 303: { type: 'null' }, 401: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request, reply) => {
    const session = await requireFollowUpSession(request);
    const t = await ownTeleconsultation(db, session, request.params.id);
    const row = await documentOf(db, t.id, request.params.documentId);
    if (!row) throw new AppError('DOCUMENT_NOT_FOUND', 'No such document in this teleconsultation.');
    const expiresAt = new Date(services.now().getTime() + config.documents.downloadLinkSeconds * 1000);
    return reply.header('Referrer-Policy', 'no-referrer').redirect(signedDocumentLink(config.linkSecret, t.id, row.id, expiresAt), 303);
  });

  app.get<{ Querystring: { from?: string; to?: string } }>('/api/follow-up/payments.csv', {
    schema: {
      tags, summary: "The period's payment requests as CSV (date, patient, amount, currency, status, paid_at, reference)", querystring: periodQuery,
      produces: ['text/csv'], response: { 400: errorBodySchema, 401: errorBodySchema },
    },
  }, async (request, reply) => {
    const session = await requireFollowUpSession(request);
    const zone = await practitionerZone(db, session);
    const period = periodOf(request.query, services.now(), zone);
    const rows = await paymentExportRows(db, session, period);
    const csv = toCsv(PAYMENT_EXPORT_COLUMNS.map((c) => c.header), rows.map((r) => PAYMENT_EXPORT_COLUMNS.map((c) => r[c.key])));
    // Named by the period's first and last days, in the practitioner's time zone.
    const dayOf = (at: Date) => DateTime.fromJSDate(at).setZone(zone).toISODate();
    const name = `paiements-${dayOf(period.from)}-${dayOf(new Date(period.to.getTime() - 1))}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${name}"`)
      .header('Cache-Control', 'no-store')
      // The byte-order mark makes spreadsheets read the names' accents as UTF-8.
      .send(`\uFEFF${csv}`);
  });

  app.get('/api/follow-up/events', {
    schema: { tags, summary: 'Server-Sent Events (`event: follow-up`) of payment and status changes', produces: ['text/event-stream'], response: { 401: errorBodySchema } },
  }, async (request, reply) => {
    const session = await requireFollowUpSession(request);
    await deps.streams.open(request, reply, session);
  });
}
