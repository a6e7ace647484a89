/**
 * `POST /webhooks/jitsi/events/*`: the clinic's Jitsi (Prosody `event_sync`, see
 * meet/deploy/) tells when a teleconsultation's room is created, joined, left and destroyed.
 * Raw body → shared token → shape → one transaction that records the event key (replays
 * change nothing) and turns it into the actual start, end and duration.
 */
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EVENT_SYNC_PATHS, jitsiEventKey, parseJitsiEvent, verifyEventsToken, type JitsiEvent } from '../../meet/jitsi-events.ts';
import type { Tx } from '../db/client.ts';
import { teleconsultationEvents, teleconsultations, webhookReceipts, type TeleconsultationStatus } from '../db/schema/index.ts';
import { AppError } from '../http/errors.ts';
import { publishToTeleconsultation } from '../live/hub.ts';
import { moveStatus } from '../live/presence.ts';
import type { Services } from '../services.ts';
import type { Teleconsultation } from '../teleconsultations/apply.ts';
import { parseJson, rawBody } from './raw-body.ts';

const SOURCE = 'jitsi';

type Outcome = 'duplicate' | 'started' | 'ended' | 'recorded';

const responseSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['applied', 'duplicate', 'ignored'] }, outcome: { type: 'string' } },
} as const;

async function recordEvent(tx: Tx, t: Teleconsultation, type: string, at: Date, data: Record<string, unknown>): Promise<void> {
  await tx.insert(teleconsultationEvents).values({ clinicId: t.clinicId, teleconsultationId: t.id, type, data, at });
}

/** Applies one event to its teleconsultation, in the transaction that records its key. */
async function applyJitsiEvent(services: Services, tx: Tx, t: Teleconsultation, event: JitsiEvent): Promise<{ outcome: Exclude<Outcome, 'duplicate'>; status?: TeleconsultationStatus }> {
  const at = event.at;
  if (event.kind === 'room_created' || event.kind === 'occupant_joined') {
    // The earliest sign of the call wins, whatever order the events arrive in.
    if (t.startedAt && t.startedAt.getTime() <= at.getTime()) return { outcome: 'recorded' };
    await tx.update(teleconsultations).set({ startedAt: at, updatedAt: services.now() }).where(eq(teleconsultations.id, t.id));
    await recordEvent(tx, t, 'call.started', at, { source: 'jitsi', by: event.kind });
    return { outcome: 'started' };
  }
  if (event.kind === 'room_destroyed') {
    const startedAt = t.startedAt;
    if (!startedAt || at.getTime() < startedAt.getTime()) return { outcome: 'recorded' };
    // A room can be destroyed and made again (everyone dropped); the last end counts.
    if (t.endedAt && t.endedAt.getTime() >= at.getTime()) return { outcome: 'recorded' };
    const durationSeconds = Math.round((at.getTime() - startedAt.getTime()) / 1000);
    if (t.status === 'ended' || t.status === 'cancelled') {
      await tx.update(teleconsultations).set({ endedAt: at, updatedAt: services.now() }).where(eq(teleconsultations.id, t.id));
      await recordEvent(tx, t, 'call.ended', at, { source: 'jitsi', durationSeconds });
      return { outcome: 'ended' };
    }
    const ended = await moveStatus(services, tx, t, 'ended', { endedAt: at });
    await recordEvent(tx, t, 'call.ended', at, { source: 'jitsi', durationSeconds });
    await recordEvent(tx, t, 'teleconsultation.ended', at, { by: 'jitsi', durationSeconds });
    for (const l of services.apply.listeners) await l(tx, { kind: 'ended', teleconsultation: ended, previous: t });
    return { outcome: 'ended', status: 'ended' };
  }
  return { outcome: 'recorded' };
}

/** Registers the Jitsi events route (inside the raw-body webhooks scope). */
export async function jitsiWebhookRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const handler = async (request: FastifyRequest<{ Params: { '*'?: string } }>, reply: FastifyReply) => {
    const jitsi = services.config.jitsi;
    if (!jitsi) throw new AppError(404, 'JITSI_NOT_CONFIGURED', 'No Jitsi deployment is configured.');
    if (!verifyEventsToken(request.headers.authorization, jitsi.eventsToken ?? '')) {
      throw new AppError(401, 'JITSI_EVENTS_TOKEN_INVALID', 'A valid events token is required.');
    }
    const parsed = parseJitsiEvent(parseJson(rawBody(request.body)));
    if (!parsed.ok) {
      throw new AppError(400, 'VALIDATION_FAILED', 'The body is not an event_sync event.', parsed.problems.slice(0, 20).map((problem) => ({ problem })));
    }
    const event = parsed.event;
    const suffix = request.params['*'];
    if (suffix !== undefined && suffix !== '' && `/events/${suffix}` !== EVENT_SYNC_PATHS[event.kind]) {
      throw new AppError(400, 'JITSI_EVENT_PATH_MISMATCH', 'The event does not match the path it was posted to.');
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
      const [t] = await tx.select().from(teleconsultations).where(eq(teleconsultations.id, t0.id)).for('update');
      return applyJitsiEvent(services, tx, t!, event);
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

