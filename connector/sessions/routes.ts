/**
 * `GET /j/{token}` exchanges a link for a session cookie and leaves for the page, so that
 * the token never stays in the address bar or history; the session then opens the page's
 * API: its summary and, with Jitsi, a token minted on demand.
 */
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { JitsiTokenError, mintJitsiToken, TOKEN_OPENS_BEFORE_START_MINUTES } from '../../meet/tokens.ts';
import { accessLinks, teleconsultations } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { errorBodySchema } from '../http/errors.ts';
import type { JitsiTokenResponse, SessionSummary } from '#protocol/live';
import type { Services } from '../services.ts';
import { verifyLinkToken } from '../teleconsultations/links.ts';
import { sendLinkError } from './error-page.ts';
import { createSession, linkOver, requireSession, sessionCookieExpiry, setSessionCookie } from './sessions.ts';
import { patientDisplayName, sessionSummary } from './summary.ts';

/** The path parameters of a session's API (`/api/live/{teleconsultationId}/{role}/…`). */
export const sessionParamsSchema = {
  type: 'object',
  required: ['teleconsultationId', 'role'],
  properties: {
    teleconsultationId: { type: 'string', format: 'uuid' },
    role: { type: 'string', enum: ['practitioner', 'patient'] },
  },
} as const;

interface LiveParams { teleconsultationId: string; role: string }

/** Where each role's page lives in the UI. */
export function pagePath(role: 'practitioner' | 'patient', teleconsultationId: string): string {
  return role === 'practitioner' ? `/app/panel/${teleconsultationId}` : `/app/patient/${teleconsultationId}`;
}

/** Registers the link exchange and the session API. */
export async function sessionRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { config } = services;
  const secure = config.publicUrl.startsWith('https:');

  app.get<{ Params: { token: string } }>('/j/:token', {
    schema: {
      summary: 'Opens a teleconsultation link: sets the session cookie and redirects to the page',
      tags: ['sessions'],
      params: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 100 } } },
      response: { 303: { type: 'null' }, 404: errorBodySchema, 410: errorBodySchema },
    },
  }, async (request, reply) => {
    const linkId = verifyLinkToken(config.linkSecret, request.params.token);
    if (!linkId) return sendLinkError(request, reply, 404, 'LINK_INVALID');
    const [row] = await services.database.db.select({ link: accessLinks, teleconsultation: teleconsultations })
      .from(accessLinks)
      .innerJoin(teleconsultations, eq(teleconsultations.id, accessLinks.teleconsultationId))
      .where(eq(accessLinks.id, linkId));
    // Signed by us but gone: deleted with the patient's data after the retention period.
    if (!row) return sendLinkError(request, reply, 410, 'LINK_EXPIRED');
    const { link, teleconsultation: t } = row;
    const now = services.now();
    if (t.status === 'cancelled') return sendLinkError(request, reply, 410, 'LINK_CANCELLED');
    if (link.revokedAt) return sendLinkError(request, reply, 410, 'LINK_REVOKED');
    // A patient's link past the call opens the consultation space (until the retention purge).
    if (linkOver(link.role, link.expiresAt, now)) return sendLinkError(request, reply, 410, 'LINK_EXPIRED');
    // Too early is fine: the waiting room shows when it starts.
    const expiresAt = sessionCookieExpiry(link.role, link.expiresAt, now);
    const id = await createSession(services.database.db, {
      teleconsultationId: t.id, clinicId: t.clinicId, role: link.role, linkId: link.id, expiresAt, now,
    });
    setSessionCookie(reply, { role: link.role, teleconsultationId: t.id, id, expiresAt, secure });
    request.log.info({ teleconsultationId: t.id, role: link.role }, 'session opened from link');
    return reply
      .header('Cache-Control', 'no-store')
      .header('Referrer-Policy', 'no-referrer')
      .redirect(pagePath(link.role, t.id), 303);
  });

  app.get<{ Params: LiveParams }>('/api/live/:teleconsultationId/:role/session', {
    schema: {
      summary: "The page's view of its teleconsultation (session cookie required)",
      tags: ['sessions'],
      params: sessionParamsSchema,
      response: { 401: errorBodySchema, 410: errorBodySchema },
    },
  }, async (request, reply): Promise<SessionSummary> => {
    const session = await requireSession(request, request.params.teleconsultationId, request.params.role);
    void reply.header('Cache-Control', 'no-store');
    return sessionSummary(config, session.teleconsultation, session.role, services.now());
  });

  app.get<{ Params: LiveParams }>('/api/live/:teleconsultationId/:role/jitsi-token', {
    schema: {
      summary: "A Jitsi token for this participant, minted on demand (never stored)",
      tags: ['sessions'],
      params: sessionParamsSchema,
      response: {
        200: { type: 'object', required: ['token', 'domain', 'room'], properties: { token: { type: 'string' }, domain: { type: 'string' }, room: { type: 'string' } } },
        401: errorBodySchema, 403: errorBodySchema, 404: errorBodySchema, 410: errorBodySchema,
      },
    },
  }, async (request, reply): Promise<JitsiTokenResponse> => {
    void reply.header('Cache-Control', 'no-store');
    const session = await requireSession(request, request.params.teleconsultationId, request.params.role);
    const jitsi = config.jitsi;
    if (!jitsi) throw new AppError('JITSI_NOT_CONFIGURED', 'This service makes calls peer to peer: there is no Jitsi token.');
    const t = session.teleconsultation;
    const now = services.now();
    const opens = t.startsAt.getTime() - TOKEN_OPENS_BEFORE_START_MINUTES * 60_000;
    if (now.getTime() < opens) {
      throw new AppError('JITSI_TOKEN_NOT_YET_VALID', `The call opens ${TOKEN_OPENS_BEFORE_START_MINUTES} minutes before the appointment.`, { opensAt: new Date(opens).toISOString() });
    }
    const user = session.role === 'practitioner'
      ? { id: t.practitioner.id, name: t.practitioner.name, email: t.practitioner.email }
      // The patient's contact data stays out of the token: the practitioner's screen needs only a name.
      : { id: `patient-${t.id}`, name: patientDisplayName(t), email: '' };
    try {
      const token = await mintJitsiToken(jitsi, {
        room: t.roomName, user, role: session.role, startsAt: t.startsAt, durationMinutes: t.durationMinutes,
        timezone: t.practitioner.timezone, now,
      });
      request.log.info({ teleconsultationId: t.id, role: session.role }, 'jitsi token issued');
      return { token, domain: jitsi.domain, room: t.roomName };
    } catch (err) {
      if (err instanceof JitsiTokenError && err.code === 'JITSI_TOKEN_WINDOW_CLOSED') {
        throw new AppError('JITSI_TOKEN_WINDOW_CLOSED', 'The appointment is over: the call can no longer be joined.', undefined, { cause: err });
      }
      throw err;
    }
  });
}
