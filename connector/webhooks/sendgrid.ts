/**
 * `POST /webhooks/sendgrid/events`: SendGrid's signed Event Webhook.
 * Raw body → ECDSA signature with the event-webhook verification key → timestamp within
 * 5 minutes → each delivery event applied forward-only, in one transaction. Engagement
 * events (open, click…) and events for messages we do not know are acknowledged and ignored.
 */
import type { FastifyInstance } from 'fastify';
import type { SendgridConfig } from '../../config/schema.ts';
import { AppError } from '../errors.ts';
import { recordDelivery, type DeliveryReport } from '../notifications/status.ts';
import { parseSendgridEvents, SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, verifySendgridEvents, type SendgridEvent } from '../notifications/providers/sendgrid.ts';
import type { Services } from '../services.ts';
import { parseJson, rawBody } from './intake.ts';

export const SENDGRID_EVENTS_PATH = '/webhooks/sendgrid/events';
/** Oldest (and furthest ahead) signed timestamp accepted, against replays. */
const TOLERANCE_SECONDS = 5 * 60;

/** A SendGrid event in our statuses; null for events that do not change delivery. */
function report(e: SendgridEvent): Pick<DeliveryReport, 'status' | 'errorCode'> | null {
  switch (e.event) {
    case 'processed': return { status: 'sent' };
    case 'delivered': return { status: 'delivered' };
    case 'bounce': return e.bounceType === 'blocked' ? { status: 'failed', errorCode: 'EMAIL_BLOCKED' } : { status: 'bounced', errorCode: 'EMAIL_BOUNCED' };
    case 'dropped': return { status: 'failed', errorCode: 'EMAIL_DROPPED' };
    default: return null;
  }
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

const responseSchema = {
  type: 'object',
  required: ['updated', 'unchanged', 'ignored'],
  properties: { updated: { type: 'integer' }, unchanged: { type: 'integer' }, ignored: { type: 'integer' } },
} as const;

/** Registers the SendGrid Event Webhook route (inside the raw-body webhooks scope). */
export async function sendgridWebhookRoutes(app: FastifyInstance, services: Services, sendgrid: SendgridConfig): Promise<void> {
  const publicKey = sendgrid.webhookPublicKey;
  if (!publicKey) services.log.warn('SENDGRID_WEBHOOK_PUBLIC_KEY is not set: SendGrid delivery events will be refused');
  app.post(SENDGRID_EVENTS_PATH, {
    schema: {
      summary: 'Email delivery events from SendGrid (signed Event Webhook)',
      tags: ['webhooks'],
      response: { 200: responseSchema },
    },
  }, async (request, reply) => {
    const raw = rawBody(request.body);
    const signature = header(request.headers, SENDGRID_SIGNATURE_HEADER);
    const timestamp = header(request.headers, SENDGRID_TIMESTAMP_HEADER);
    if (!publicKey) throw new AppError('WEBHOOK_NOT_CONFIGURED', 'No SendGrid verification key is configured.');
    if (!signature || !timestamp) throw new AppError('WEBHOOK_HEADERS_MISSING', `${SENDGRID_SIGNATURE_HEADER} and ${SENDGRID_TIMESTAMP_HEADER} are required.`);
    if (!verifySendgridEvents(publicKey, raw, signature, timestamp)) {
      throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'No valid signature for this body.');
    }
    const ts = Number(timestamp);
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(services.now().getTime() / 1000 - ts) > TOLERANCE_SECONDS) {
      throw new AppError('WEBHOOK_TIMESTAMP_OUT_OF_RANGE', 'The signed timestamp is malformed or more than 5 minutes away from now.');
    }
    let events: SendgridEvent[];
    try {
      events = parseSendgridEvents(parseJson(raw));
    } catch (cause) {
      if (cause instanceof AppError) throw cause;
      throw new AppError('VALIDATION_FAILED', 'The body is not an array of events.', undefined, { cause });
    }
    const counts = await services.database.db.transaction(async (tx) => {
      const c = { updated: 0, unchanged: 0, ignored: 0 };
      for (const e of events) {
        const r = report(e);
        if (!r) { c.ignored++; continue; }
        const outcome = await recordDelivery(tx, { channel: 'email', messageId: e.messageRef, providerId: e.providerId, at: e.at, ...r });
        if (outcome.result === 'unknown') {
          c.ignored++;
          request.log.info({ event: e.event, providerId: e.providerId }, 'sendgrid event for an unknown message ignored');
        } else c[outcome.result]++;
      }
      return c;
    });
    request.log.info({ events: events.length, ...counts }, 'sendgrid events received');
    return reply.status(200).send(counts);
  });
}
