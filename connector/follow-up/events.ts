/**
 * The follow-up's live events: payment and status changes of a practitioner's
 * teleconsultations, fanned out on one live-bus channel per practitioner (in-process, or
 * Redis across instances) and streamed to their follow-up pages as Server-Sent Events.
 * A lost event costs a refresh: the list is read from the database.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FollowUpEvent } from '#protocol/follow-up';
import type { LiveBus } from '../live/bus.ts';
import type { Services } from '../services.ts';
import type { ChangeListener } from '../teleconsultations/model.ts';
import { checkFollowUpSession, type FollowUpSession, type PractitionerRef } from './session.ts';

/** Comment lines keep proxies from closing an idle stream. */
const HEARTBEAT_MS = 25_000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2_147_483_647;

/** The bus channel of one practitioner. */
export function followUpChannel(who: PractitionerRef): string {
  return `follow-up:${encodeURIComponent(who.clinicId)}:${encodeURIComponent(who.practitionerId)}`;
}

/** Publishes an event to a practitioner's follow-up pages. */
export async function publishFollowUp(bus: LiveBus, who: PractitionerRef, event: FollowUpEvent): Promise<void> {
  await bus.publish(followUpChannel(who), event);
}

function isFollowUpEvent(value: unknown): value is FollowUpEvent {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { type?: unknown; teleconsultationId?: unknown };
  return (v.type === 'payment' || v.type === 'status') && typeof v.teleconsultationId === 'string';
}

/**
 * Status moves of a teleconsultation, to its practitioner's follow-up. Sent once the change
 * is committed (a rolled-back change tells nothing); the bus is best effort.
 */
export function followUpStatusListener(services: Pick<Services, 'bus' | 'log'>): ChangeListener {
  return async (_tx, change) => {
    if (change.kind === 'updated' && change.previous.status === change.teleconsultation.status) return;
    const t = change.teleconsultation;
    const event: FollowUpEvent = { type: 'status', teleconsultationId: t.id, status: t.status };
    setImmediate(() => {
      publishFollowUp(services.bus, { clinicId: t.clinicId, practitionerId: t.practitioner.id }, event)
        .catch((err: unknown) => services.log.warn({ err: { message: (err as Error).message } }, 'follow-up status event not published'));
    });
  };
}

/** The open streams, ended when the app closes (a stream would otherwise hold the close). */
export interface EventStreams {
  open(request: FastifyRequest, reply: FastifyReply, session: FollowUpSession): Promise<void>;
  closeAll(): void;
}

/** Streams of follow-up events: one per page, ended at the session's expiry or revocation. */
export function createEventStreams(services: Services): EventStreams {
  const ends = new Set<() => void>();
  return {
    async open(request, reply, session) {
      const raw = reply.raw;
      reply.hijack();
      raw.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-store',
        Connection: 'keep-alive',
        // Proxies such as nginx would otherwise buffer the stream.
        'X-Accel-Buffering': 'no',
      });
      raw.write('retry: 5000\n\n');
      let ended = false;
      const unsubscribe = await services.bus.subscribe(followUpChannel(session), (message) => {
        if (!ended && isFollowUpEvent(message)) raw.write(`event: follow-up\ndata: ${JSON.stringify(message)}\n\n`);
      });
      const end = () => {
        if (ended) return;
        ended = true;
        clearInterval(heartbeat);
        clearTimeout(expiry);
        ends.delete(end);
        void unsubscribe();
        raw.end();
      };
      const heartbeat = setInterval(() => {
        // The heartbeat also notices a sign-out on another tab or instance.
        checkFollowUpSession(services.database.db, session.idHash, services.now())
          .then((valid) => { if (!valid) end(); else if (!ended) raw.write(': ping\n\n'); })
          .catch(() => { if (!ended) raw.write(': ping\n\n'); });
      }, HEARTBEAT_MS);
      const expiry = setTimeout(end, Math.min(MAX_TIMER_MS, Math.max(0, session.expiresAt.getTime() - services.now().getTime())));
      ends.add(end);
      request.raw.on('close', end);
    },
    closeAll() {
      for (const end of [...ends]) end();
    },
  };
}
