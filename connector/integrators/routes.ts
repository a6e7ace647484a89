/**
 * The integrator API (`/api/v1`, API key per clinic): the clinic's teleconsultations with
 * their status, and what happened to them. No patient data and no link tokens leave here.
 */
import { and, asc, desc, eq, gt, gte, lt, type SQL } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { practitionerAccounts, teleconsultationEvents, teleconsultations } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { errorBodySchema } from '../http/errors.ts';
import type { Services } from '../services.ts';
import { clinicForApiKey } from './api-keys.ts';

const teleconsultationSchema = {
  type: 'object',
  required: ['id', 'clinicId', 'appointmentId', 'appointmentVersion', 'status', 'startsAt', 'durationMinutes', 'practitionerId', 'channels', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    clinicId: { type: 'string' },
    appointmentId: { type: 'string' },
    appointmentVersion: { type: 'integer' },
    status: { type: 'string', enum: ['scheduled', 'waiting', 'in_progress', 'ended', 'cancelled'] },
    startsAt: { type: 'string', format: 'date-time' },
    durationMinutes: { type: 'integer' },
    practitionerId: { type: 'string' },
    channels: {
      type: 'object',
      description: 'Whether each channel can reach the patient, and why not.',
      properties: {
        email: { type: 'object', properties: { usable: { type: 'boolean' }, problem: { type: ['string', 'null'] } } },
        sms: { type: 'object', properties: { usable: { type: 'boolean' }, problem: { type: ['string', 'null'] } } },
      },
    },
    agendaSynced: { type: 'boolean', description: 'The agenda has acknowledged the latest state.' },
    startedAt: { type: ['string', 'null'], format: 'date-time' },
    endedAt: { type: ['string', 'null'], format: 'date-time' },
    cancelledAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

interface ListQuery { status?: string; from?: string; to?: string; after?: string; limit?: number }

/** Resolves the caller's clinic from `Authorization: Bearer tck_…` or `X-Api-Key`. */
async function authenticate(services: Services, request: FastifyRequest): Promise<string> {
  const auth = request.headers.authorization;
  const key = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : (request.headers['x-api-key'] as string | undefined);
  if (!key) throw new AppError('API_KEY_MISSING', 'Send your API key as "Authorization: Bearer <key>".');
  const clinicId = await clinicForApiKey(services.database.db, key);
  if (!clinicId) throw new AppError('API_KEY_INVALID', 'Unknown or revoked API key.');
  return clinicId;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Registers `/api/v1` routes. */
export async function integratorRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const security = [{ apiKey: [] }];
  app.get<{ Querystring: ListQuery }>('/api/v1/teleconsultations', {
    schema: {
      summary: 'List the clinic\'s teleconsultations',
      tags: ['integrators'],
      security,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: ['scheduled', 'waiting', 'in_progress', 'ended', 'cancelled'] },
          from: { type: 'string', format: 'date-time', description: 'Starts at or after' },
          to: { type: 'string', format: 'date-time', description: 'Starts before' },
          after: { type: 'string', format: 'uuid', description: 'Cursor: the last id of the previous page' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
        },
      },
      response: {
        200: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: teleconsultationSchema }, nextCursor: { type: ['string', 'null'] } } },
        401: errorBodySchema,
      },
    },
  }, async (request) => {
    const clinicId = await authenticate(services, request);
    const q = request.query;
    const where: SQL[] = [eq(teleconsultations.clinicId, clinicId)];
    if (q.status) where.push(eq(teleconsultations.status, q.status as 'scheduled'));
    if (q.from) where.push(gte(teleconsultations.startsAt, new Date(q.from)));
    if (q.to) where.push(lt(teleconsultations.startsAt, new Date(q.to)));
    if (q.after) where.push(gt(teleconsultations.id, q.after));
    const limit = q.limit ?? 100;
    const rows = await services.database.db.select().from(teleconsultations).where(and(...where))
      .orderBy(asc(teleconsultations.id)).limit(limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map((t) => ({
        id: t.id,
        clinicId: t.clinicId,
        appointmentId: t.appointmentId,
        appointmentVersion: t.appointmentVersion,
        status: t.status,
        startsAt: t.startsAt.toISOString(),
        durationMinutes: t.durationMinutes,
        practitionerId: t.practitioner.id,
        channels: {
          email: { usable: t.patientEmail !== null, problem: t.emailProblem },
          sms: { usable: t.patientMobile !== null, problem: t.smsProblem },
        },
        agendaSynced: t.agendaRevision >= t.revision,
        startedAt: iso(t.startedAt),
        endedAt: iso(t.endedAt),
        cancelledAt: iso(t.cancelledAt),
        createdAt: t.createdAt.toISOString(),
        updatedAt: t.updatedAt.toISOString(),
      })),
      nextCursor: rows.length > limit ? page.at(-1)!.id : null,
    };
  });

  app.put<{ Params: { practitionerId: string }; Body: { stripeAccount: string | null } }>('/api/v1/practitioners/:practitionerId/payment-account', {
    schema: {
      summary: 'Pay a practitioner directly on their Stripe connected account (null: the clinic\'s account)',
      tags: ['integrators'],
      security,
      params: { type: 'object', required: ['practitionerId'], properties: { practitionerId: { type: 'string', minLength: 1, maxLength: 128 } } },
      body: {
        type: 'object', required: ['stripeAccount'], additionalProperties: false,
        properties: { stripeAccount: { anyOf: [{ type: 'string', pattern: '^acct_[A-Za-z0-9]{1,64}$' }, { type: 'null' }] } },
      },
      response: { 204: { type: 'null' }, 400: errorBodySchema, 401: errorBodySchema },
    },
  }, async (request, reply) => {
    const clinicId = await authenticate(services, request);
    const { practitionerId } = request.params;
    const { stripeAccount } = request.body;
    const db = services.database.db;
    if (stripeAccount === null) {
      await db.delete(practitionerAccounts).where(and(eq(practitionerAccounts.clinicId, clinicId), eq(practitionerAccounts.practitionerId, practitionerId)));
    } else {
      await db.insert(practitionerAccounts).values({ clinicId, practitionerId, stripeAccount })
        .onConflictDoUpdate({ target: [practitionerAccounts.clinicId, practitionerAccounts.practitionerId], set: { stripeAccount, updatedAt: services.now() } });
    }
    return reply.status(204).send();
  });

  app.get<{ Params: { id: string } }>('/api/v1/teleconsultations/:id/events', {
    schema: {
      summary: 'What happened to one teleconsultation, oldest first',
      tags: ['integrators'],
      security,
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
      response: {
        200: {
          type: 'object',
          required: ['items'],
          properties: {
            items: {
              type: 'array',
              items: { type: 'object', required: ['type', 'at', 'data'], properties: { type: { type: 'string' }, at: { type: 'string', format: 'date-time' }, data: { type: 'object', additionalProperties: true } } },
            },
          },
        },
        401: errorBodySchema,
        404: errorBodySchema,
      },
    },
  }, async (request) => {
    const clinicId = await authenticate(services, request);
    const [t] = await services.database.db.select({ id: teleconsultations.id }).from(teleconsultations)
      .where(and(eq(teleconsultations.id, request.params.id), eq(teleconsultations.clinicId, clinicId)));
    if (!t) throw new AppError('TELECONSULTATION_NOT_FOUND', 'No such teleconsultation for this clinic.');
    const rows = await services.database.db.select().from(teleconsultationEvents)
      .where(eq(teleconsultationEvents.teleconsultationId, t.id)).orderBy(asc(teleconsultationEvents.at), desc(teleconsultationEvents.id));
    return { items: rows.map((e) => ({ type: e.type, at: e.at.toISOString(), data: e.data })) };
  });
}
