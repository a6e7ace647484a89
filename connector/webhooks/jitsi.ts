/**
 * `POST /webhooks/jitsi/events/*`: the clinic's Jitsi (Prosody `event_sync`, see
 * meet/deploy/) tells when a teleconsultation's room is created, joined, left and destroyed.
 * Raw body → shared token → shape → one transaction that records the event key (replays
 * change nothing) and turns it into the actual start, end and duration.
 */
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EVENT_SYNC_PATHS, jitsiEventKey, parseJitsiEvent, verifyEventsToken, type JitsiEvent } from '../../meet/jitsi-events.ts';
import { teleconsultations, webhookReceipts } from '../db/schema/index.ts';
import { AppError } from '../errors.ts';
import { publishToTeleconsultation } from '../live/hub.ts';
import type { Services } from '../services.ts';
import type { ConferenceEvent } from '../teleconsultations/lifecycle.ts';
import { parseJson, rawBody } from './intake.ts';

const SOURCE = 'jitsi';

const responseSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['applied', 'duplicate', 'ignored'] }, outcome: { type: 'string' } },
} as const;

/** Jitsi's event, in the lifecycle's words: a room or an occupant is the call starting; the room's end is the call's. */
function conferenceEvent(event: JitsiEvent): ConferenceEvent {
  const kind = event.kind === 'room_created' || event.kind === 'occupant_joined' ? 'call_started' : event.kind === 'room_destroyed' ? 'call_ended' : 'other';
  return { kind, at: event.at, source: 'jitsi', detail: event.kind };
}

/** Registers the Jitsi events route (inside the raw-body webhooks scope). */
export async function jitsiWebhookRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const handler = async (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    const jitsi = services.config.jitsi;
    if (!jitsi) throw new AppError('JITSI_NOT_CONFIGURED', 'No Jitsi deployment is configured.');
    if (!verifyEventsToken(request.headers.authorization, jitsi.eventsToken ?? '')) {
      throw new AppError('JITSI_EVENTS_TOKEN_INVALID', 'A valid events token is required.');
    }
    const parsed = parseJitsiEvent(parseJson(rawBody(request.body)));
    if (!parsed.ok) {
      throw new AppError('VALIDATION_FAILED', 'The body is not an event_sync event.', parsed.problems.slice(0, 20).map((problem) => ({ problem })));
    }
    const event = parsed.event;
    const suffix = request.params['*'];
    if (suffix !== undefined && suffix !== '' && `/events/${suffix}` !== EVENT_SYNC_PATHS[event.kind]) {
      throw new AppError('JITSI_EVENT_PATH_MISMATCH', 'The event does not match the path it was posted to.');
    }
    const log = request.log.child({ jitsiEvent: event.kind, breakout: event.breakout });
    if (event.breakout) {
      log.info('jitsi breakout room event ignored');
      return reply.status(202).send({ status: 'ignored', outcome: 'breakout' });
    }
    const [t0] = await services.database.db.select({ id: teleconsultations.id }).from(teleconsultations).where(eq(teleconsultations.roomName, event.room));
    if (!t0) {
      log.warn('jitsi event for an unknown room ignored');
      return reply.status(202).send({ status: 'ignored', outcome: 'unknown_room' });
    }
    const result = await services.database.db.transaction(async (tx) => {
      const fresh = await tx.insert(webhookReceipts).values({ source: SOURCE, deliveryId: jitsiEventKey(event), eventType: event.kind })
        .onConflictDoNothing().returning({ id: webhookReceipts.deliveryId });
      if (fresh.length === 0) return { outcome: 'duplicate' as const };
      const t = await services.lifecycle.lock(tx, t0.id);
      return services.lifecycle.applyConferenceEvent(tx, t, conferenceEvent(event));
    });
    log.info({ teleconsultationId: t0.id, outcome: result.outcome }, 'jitsi event received');
    if (result.outcome === 'duplicate') return reply.status(200).send({ status: 'duplicate' });
    if ('status' in result && result.status) {
      await publishToTeleconsultation(services.bus, t0.id, { type: 'status', status: result.status }).catch((err: unknown) => log.warn({ err }, 'live status publish failed'));
    }
    return reply.status(200).send({ status: 'applied', outcome: result.outcome });
  };
  const schema = {
    summary: 'Room and occupant events from the Jitsi deployment (Prosody event_sync, Bearer events token)',
    tags: ['webhooks'],
    response: { 200: responseSchema, 202: responseSchema },
  };
  app.post('/webhooks/jitsi/events', { schema }, handler);
  app.post('/webhooks/jitsi/events/*', { schema }, handler);
}

