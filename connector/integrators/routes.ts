/**
 * The integrator API (`/api/v1`, API key per clinic): the clinic's teleconsultations with
 * their status, and what happened to them. No patient data and no link tokens leave here.
 */
import { and, asc, desc, eq, gt, gte, lt, type SQL } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { clinicAudit, practitionerAccounts, teleconsultationEvents, teleconsultations, type Actor } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { errorBodySchema, listSchema } from '../http/errors.ts';
import type { Services } from '../services.ts';
import { callerForApiKey, listApiKeys, recordClinicChange, revokeApiKey, type ApiKeyCaller, type ApiKeyInfo } from './api-keys.ts';

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

/** Resolves the caller (its clinic and key) from `Authorization: Bearer tck_…` or `X-Api-Key`. */
async function authenticate(services: Services, request: FastifyRequest): Promise<ApiKeyCaller> {
  const auth = request.headers.authorization;
  const key = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : (request.headers['x-api-key'] as string | undefined);
  if (!key) throw new AppError('API_KEY_MISSING', 'Send your API key as "Authorization: Bearer <key>".');
  const caller = await callerForApiKey(services.database.db, key, services.now());
  if (!caller) throw new AppError('API_KEY_INVALID', 'Unknown, expired or revoked API key.');
  return caller;
}

const keyActor = (caller: ApiKeyCaller): Actor => ({ kind: 'integrator', apiKey: caller.keyId });

/** Who did something, as integrators read it. */
const actorSchema = {
  type: 'object',
  required: ['kind'],
  description: 'practitioner or patient (a session reference), integrator (a key id), webhook (its source and delivery id), operator, or system (a process).',
  properties: {
    kind: { type: 'string', enum: ['practitioner', 'patient', 'integrator', 'webhook', 'operator', 'system'] },
    session: { type: 'string' }, apiKey: { type: 'string' }, source: { type: 'string' }, delivery: { type: 'string' }, via: { type: 'string' }, process: { type: 'string' },
  },
} as const;

const apiKeySchema = {
  type: 'object',
  required: ['id', 'label', 'createdAt', 'expiresAt', 'revokedAt'],
  properties: {
    id: { type: 'string' }, label: { type: 'string' }, createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: ['string', 'null'], format: 'date-time' }, revokedAt: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const keyView = (k: ApiKeyInfo) => ({ id: k.id, label: k.label, createdAt: k.createdAt.toISOString(), expiresAt: iso(k.expiresAt), revokedAt: iso(k.revokedAt) });

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
    const { clinicId } = await authenticate(services, request);
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
    const caller = await authenticate(services, request);
    const { clinicId } = caller;
    const { practitionerId } = request.params;
    const { stripeAccount } = request.body;
    const now = services.now();
    await services.database.db.transaction(async (tx) => {
      const [before] = await tx.select({ stripeAccount: practitionerAccounts.stripeAccount }).from(practitionerAccounts)
        .where(and(eq(practitionerAccounts.clinicId, clinicId), eq(practitionerAccounts.practitionerId, practitionerId))).for('update');
      const previous = before?.stripeAccount ?? null;
      if (previous === stripeAccount) return;
      if (stripeAccount === null) {
        await tx.delete(practitionerAccounts).where(and(eq(practitionerAccounts.clinicId, clinicId), eq(practitionerAccounts.practitionerId, practitionerId)));
      } else {
        await tx.insert(practitionerAccounts).values({ clinicId, practitionerId, stripeAccount })
          .onConflictDoUpdate({ target: [practitionerAccounts.clinicId, practitionerAccounts.practitionerId], set: { stripeAccount, updatedAt: now } });
      }
      // Where a practitioner's money goes is recorded with who changed it, every time.
      await recordClinicChange(tx, {
        clinicId, action: stripeAccount === null ? 'payment_account.removed' : 'payment_account.set', subject: practitionerId,
        by: keyActor(caller), data: { previous, stripeAccount }, at: now,
      });
    });
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
              items: { type: 'object', required: ['type', 'at', 'by', 'data'], properties: { type: { type: 'string' }, at: { type: 'string', format: 'date-time' }, by: actorSchema, data: { type: 'object', additionalProperties: true } } },
            },
          },
        },
        401: errorBodySchema,
        404: errorBodySchema,
      },
    },
  }, async (request) => {
    const { clinicId } = await authenticate(services, request);
    const [t] = await services.database.db.select({ id: teleconsultations.id }).from(teleconsultations)
      .where(and(eq(teleconsultations.id, request.params.id), eq(teleconsultations.clinicId, clinicId)));
    if (!t) throw new AppError('TELECONSULTATION_NOT_FOUND', 'No such teleconsultation for this clinic.');
    const rows = await services.database.db.select().from(teleconsultationEvents)
      .where(eq(teleconsultationEvents.teleconsultationId, t.id)).orderBy(asc(teleconsultationEvents.at), desc(teleconsultationEvents.id));
    return { items: rows.map((e) => ({ type: e.type, at: e.at.toISOString(), by: e.actor, data: e.data })) };
  });

  app.get('/api/v1/api-keys', {
    schema: {
      summary: 'The clinic\'s API keys (never their values)',
      tags: ['integrators'],
      security,
      response: { 200: listSchema(apiKeySchema), 401: errorBodySchema },
    },
  }, async (request) => {
    const { clinicId } = await authenticate(services, request);
    return { items: (await listApiKeys(services.database.db, clinicId)).map(keyView) };
  });

  app.delete<{ Params: { id: string } }>('/api/v1/api-keys/:id', {
    schema: {
      summary: 'Revoke one of the clinic\'s API keys (the calling key included); at once, for every instance',
      tags: ['integrators'],
      security,
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 64 } } },
      response: { 200: apiKeySchema, 401: errorBodySchema, 404: errorBodySchema },
    },
  }, async (request) => {
    const caller = await authenticate(services, request);
    const key = await revokeApiKey(services.database.db, { id: request.params.id, clinicId: caller.clinicId, by: keyActor(caller), now: services.now() });
    if (!key) throw new AppError('API_KEY_NOT_FOUND', 'No such API key for this clinic.');
    return keyView(key);
  });

  app.get<{ Querystring: { after?: string; limit?: number } }>('/api/v1/audit', {
    schema: {
      summary: 'Changes to the clinic\'s set-up (API keys, payment accounts), oldest first, with who made them',
      tags: ['integrators'],
      security,
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          after: { type: 'string', format: 'date-time', description: 'Only changes after this time' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
        },
      },
      response: {
        200: listSchema({
          type: 'object', required: ['action', 'subject', 'at', 'by', 'data'],
          properties: { action: { type: 'string' }, subject: { type: 'string' }, at: { type: 'string', format: 'date-time' }, by: actorSchema, data: { type: 'object', additionalProperties: true } },
        }),
        401: errorBodySchema,
      },
    },
  }, async (request) => {
    const { clinicId } = await authenticate(services, request);
    const where: SQL[] = [eq(clinicAudit.clinicId, clinicId)];
    if (request.query.after) where.push(gt(clinicAudit.at, new Date(request.query.after)));
    const rows = await services.database.db.select().from(clinicAudit).where(and(...where))
      .orderBy(asc(clinicAudit.at), asc(clinicAudit.id)).limit(request.query.limit ?? 100);
    return { items: rows.map((r) => ({ action: r.action, subject: r.subject, at: r.at.toISOString(), by: r.actor, data: r.data })) };
  });
}
