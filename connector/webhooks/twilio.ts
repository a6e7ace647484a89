/**
 * `POST /webhooks/twilio/status`: Twilio's message status callbacks.
 * Raw body → `X-Twilio-Signature` (checked with the SDK against the callback URL we gave
 * Twilio, query included) → forward-only status update in one transaction; an SMS that
 * ends failed or undelivered falls back to email. A callback for a message we do not know
 * is acknowledged and ignored.
 */
import type { FastifyInstance } from 'fastify';
import type { TwilioConfig } from '../../config/schema.ts';
import { AppError } from '../errors.ts';
import { fallbackToEmail, recordDelivery, type DeliveryReport } from '../notifications/status.ts';
import { parseTwilioStatus, TWILIO_SIGNATURE_HEADER, verifyTwilioSignature, type TwilioMessageStatus } from '../notifications/providers/twilio.ts';
import type { Services } from '../services.ts';
import { rawBody } from './intake.ts';

export const TWILIO_STATUS_PATH = '/webhooks/twilio/status';

/** Twilio's statuses in ours; null for the ones that say nothing new. */
function ourStatus(s: TwilioMessageStatus): DeliveryReport['status'] | null {
  switch (s) {
    case 'accepted': case 'scheduled': case 'queued': case 'sending': case 'sent': return 'sent';
    case 'delivered': case 'read': return 'delivered';
    case 'undelivered': case 'failed': case 'canceled': return 'failed';
    default: return null;
  }
}

/** Form parameters, keeping repeated names as arrays (the signature covers every value). */
function formParams(raw: Buffer): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

const responseSchema = { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['updated', 'unchanged', 'ignored'] } } } as const;

/** Registers the Twilio status callback route (inside the raw-body webhooks scope). */
export async function twilioWebhookRoutes(app: FastifyInstance, services: Services, twilio: TwilioConfig): Promise<void> {
  const { config } = services;
  app.post(TWILIO_STATUS_PATH, {
    schema: {
      summary: 'SMS delivery status callbacks from Twilio (X-Twilio-Signature)',
      tags: ['webhooks'],
      response: { 200: responseSchema },
    },
  }, async (request, reply) => {
    const raw = rawBody(request.body);
    const q = request.url.indexOf('?');
    const query = q >= 0 ? request.url.slice(q) : '';
    const params = formParams(raw);
    const signature = request.headers[TWILIO_SIGNATURE_HEADER.toLowerCase()];
    const sig = Array.isArray(signature) ? signature[0] : signature;
    if (!sig || !verifyTwilioSignature(twilio.authToken, `${config.publicUrl}${TWILIO_STATUS_PATH}${query}`, params, sig)) {
      throw new AppError('WEBHOOK_SIGNATURE_INVALID', 'No valid X-Twilio-Signature for this request.');
    }
    let status;
    try {
      status = parseTwilioStatus(params);
    } catch (cause) {
      throw new AppError('VALIDATION_FAILED', 'MessageSid and MessageStatus are required.', undefined, { cause });
    }
    const ours = ourStatus(status.status);
    const messageId = new URLSearchParams(query).get('m') ?? undefined;
    const log = request.log.child({ providerId: status.providerId, twilioStatus: status.status, errorCode: status.errorCode });
    if (!ours) {
      log.info('twilio status without effect ignored');
      return reply.status(200).send({ status: 'ignored' });
    }
    const now = services.now();
    const result = await services.database.db.transaction(async (tx) => {
      const outcome = await recordDelivery(tx, {
        channel: 'sms', messageId, providerId: status.providerId, status: ours, at: now,
        ...(status.errorCode !== undefined ? { errorCode: `TWILIO_${status.errorCode}` } : {}),
      });
      let fallbackId: string | null = null;
      if (outcome.result === 'updated' && outcome.status === 'failed') {
        fallbackId = await fallbackToEmail({ queue: services.queue, now: services.now }, tx, outcome.messageId);
      }
      return { outcome, fallbackId };
    });
    if (result.outcome.result === 'unknown') {
      log.info('twilio status for an unknown message ignored');
      return reply.status(200).send({ status: 'ignored' });
    }
    log.info({ messageId: result.outcome.messageId, result: result.outcome.result, status: result.outcome.status, fallbackId: result.fallbackId }, 'twilio status received');
    return reply.status(200).send({ status: result.outcome.result });
  });
}
