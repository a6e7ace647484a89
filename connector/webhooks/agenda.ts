/**
 * `POST /webhooks/agenda`: the hub's signed appointment events (Standard Webhooks).
 * Raw body → signature → shape → recorded as a durable job, acknowledged. The job applies
 * the appointment (connector/agenda/sync.ts) and plans what calls out (write-back,
 * messages) in its transaction.
 */
import type { FastifyInstance } from 'fastify';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { AGENDA_EVENT_TYPES, AgendaWebhookEnvelopeSchema, AgendaWebhookTypeSchema, AppointmentRefSchema, AppointmentSchema, type AgendaEventType, type Appointment, type AppointmentRef } from '../agenda/appointment.ts';
import { AGENDA_EVENT_QUEUE, type AgendaEventJob } from '../agenda/sync.ts';
import { createBatcher } from '../jobs/batcher.ts';
import { AppError } from '../errors.ts';
import type { Services } from '../services.ts';
import { assertShape, parseJson, rawBody } from './intake.ts';

/** Verifies a Standard Webhooks signature with the secret's verifier; refuses with a code for each failure. */
export function verifyStandardWebhook(verifier: Webhook, raw: Buffer, headers: Record<string, string | string[] | undefined>): string {
  const h = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const id = h('webhook-id');
  const timestamp = h('webhook-timestamp');
  const signature = h('webhook-signature');
  if (!id || !timestamp || !signature) throw new AppError('WEBHOOK_HEADERS_MISSING', 'webhook-id, webhook-timestamp and webhook-signature are required.');
  if (id.length > 200) throw new AppError('WEBHOOK_HEADERS_INVALID', 'webhook-id is too long.');
  try {
    verifier.verify(raw, { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature }, { jsonParse: false });
  } catch (cause) {
    if (cause instanceof WebhookVerificationError && /timestamp/i.test(cause.message)) {
      throw new AppError('WEBHOOK_TIMESTAMP_OUT_OF_RANGE', 'webhook-timestamp is missing, malformed or more than 5 minutes away from now.', undefined, { cause });
    }
    throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'No valid signature for this body.', undefined, { cause });
  }
  return id;
}

const responseSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['accepted', 'ignored'] } },
} as const;

/** Registers the agenda webhook route (inside the raw-body webhooks scope). */
export async function agendaWebhookRoutes(app: FastifyInstance, services: Services): Promise<void> {
  // Built once: the verifier decodes the secret.
  const verifier = new Webhook(services.config.agenda.webhookSecret);
  // Deliveries arriving together share one insert (one statement, one commit) before any of
  // them is acknowledged; their jobs keep the order of arrival. A replay is applied by no
  // one: the job records the delivery id in the transaction of its effect (sync.ts).
  const record = createBatcher<AgendaEventJob, void>(async (jobs) => {
    await services.queue.sendMany(AGENDA_EVENT_QUEUE, jobs.map((data) => ({ data })));
    return jobs.map(() => undefined);
  }, { maxBatch: 200 });
  app.post('/webhooks/agenda', {
    schema: {
      summary: 'Appointment events from the agenda hub (Standard Webhooks signature)',
      tags: ['webhooks'],
      headers: {
        type: 'object',
        properties: { 'webhook-id': { type: 'string' }, 'webhook-timestamp': { type: 'string' }, 'webhook-signature': { type: 'string' } },
      },
      response: { 200: responseSchema, 202: responseSchema },
    },
  }, async (request, reply) => {
    const raw = rawBody(request.body);
    const deliveryId = verifyStandardWebhook(verifier, raw, request.headers);
    const body = parseJson(raw);
    assertShape(AgendaWebhookTypeSchema, body);
    if (!(AGENDA_EVENT_TYPES as readonly string[]).includes(body.type)) {
      // A new event type of the hub, whatever its data: acknowledged (so never retried) and ignored.
      request.log.info({ deliveryId, eventType: body.type.slice(0, 100) }, 'unknown agenda event type ignored');
      return reply.status(202).send({ status: 'ignored' });
    }
    assertShape(AgendaWebhookEnvelopeSchema, body);
    const envelope = body;
    const type = envelope.type as AgendaEventType;
    let input: { appointment: Appointment } | { deleted: AppointmentRef };
    let ref: AppointmentRef;
    if (type === 'appointment.deleted') {
      const deleted: unknown = envelope.data.appointment;
      assertShape(AppointmentRefSchema, deleted, '/data/appointment');
      ref = deleted;
      input = { deleted };
    } else {
      const appointment: unknown = envelope.data.appointment;
      assertShape(AppointmentSchema, appointment, '/data/appointment');
      ref = appointment;
      input = { appointment };
    }

    await record({ deliveryId, type, ...input });
    request.log.info({ deliveryId, eventType: type, clinicId: ref.clinicId, appointmentId: ref.id, version: ref.version }, 'agenda event received');
    return reply.status(202).send({ status: 'accepted' });
  });
}
