/**
 * Registers the live hub: `GET /live/{teleconsultationId}/{role}` (WebSocket, session
 * cookie), the heartbeat that keeps this instance's presence fresh and closes sockets whose
 * session ended, and the reaction to cancellations.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import type { ChangeListener } from '../teleconsultations/model.ts';
import { invalidSessions } from '../sessions/sessions.ts';
import { serveLiveSocket, type LiveContext } from './connection.ts';
import { LiveHub } from './hub.ts';
import { AFTER_COMMIT_DELAYS_MS, publishAfterCommit } from './waiting-changes.ts';
import { DEFAULT_HEARTBEAT_MS, DEFAULT_REJOIN_GRACE_MS, touchConnections } from './presence.ts';
import { CLOSE_CODES, MAX_CLIENT_MESSAGE_BYTES } from '#protocol/live';
import { LIVE_MESSAGE_RATE, type TokenBucketOptions } from './rate-limit.ts';

/** Tuning of the live hub; every field has a production default. */
export interface LiveOptions {
  /** How long a patient who dropped out keeps their place (LIVE_REJOIN_GRACE_SECONDS). Default 5 minutes. */
  rejoinGraceMs?: number;
  /** Heartbeat period; a connection unseen for three periods is gone. Default 20 s. */
  heartbeatMs?: number;
  /** Per-connection message rate. */
  rate?: TokenBucketOptions;
}

/** How long shutdown waits for sockets to record their departure. */
const SHUTDOWN_WAIT_MS = 3_000;

/** Registers the live WebSocket route and its background work (call on the root instance). */
export async function registerLive(app: FastifyInstance, services: Services, options: LiveOptions = {}): Promise<LiveHub> {
  const heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  const hub = new LiveHub(services.bus, services.log);
  const ctx: LiveContext = {
    services,
    hub,
    timings: { rejoinGraceMs: options.rejoinGraceMs ?? DEFAULT_REJOIN_GRACE_MS, staleAfterMs: 3 * heartbeatMs },
    rate: options.rate ?? LIVE_MESSAGE_RATE,
    pending: new Set(),
  };

  let beating: Promise<void> = Promise.resolve();
  const heartbeat = setInterval(() => {
    beating = beating.then(async () => {
      const connections = hub.connections();
      await touchConnections(services, connections.map((c) => c.id));
      const hashes = connections.flatMap((c) => (c.sessionHash ? [c.sessionHash] : []));
      const invalid = await invalidSessions(services.database.db, hashes, services.now());
      for (const c of connections) {
        const why = c.sessionHash ? invalid.get(c.sessionHash) : undefined;
        if (why === 'cancelled') c.close(CLOSE_CODES.gone, 'TELECONSULTATION_CANCELLED');
        else if (why) c.close(CLOSE_CODES.unauthorized, 'SESSION_REQUIRED');
      }
    }).catch((err: unknown) => services.log.warn({ err }, 'live heartbeat failed'));
  }, heartbeatMs);
  heartbeat.unref();

  await app.register(async (scope) => {
    await scope.register(websocket, {
      // Larger than our own limit, so that an oversize message gets our 1008 rather than ws's 1009.
      options: { maxPayload: 4 * MAX_CLIENT_MESSAGE_BYTES },
      async preClose() {
        clearInterval(heartbeat);
        const server = scope.websocketServer;
        for (const client of server.clients) client.close(1001, 'server shutting down');
        const deadline = Date.now() + SHUTDOWN_WAIT_MS;
        await (async () => {
          // Clean-ups start on each socket's close event; wait for them to be there and done.
          while ((server.clients.size > 0 || ctx.pending.size > 0) && Date.now() < deadline) {
            await Promise.race([Promise.allSettled([...ctx.pending]), new Promise((r) => setTimeout(r, 20))]);
          }
        })();
        for (const client of server.clients) client.terminate();
        await Promise.allSettled([...ctx.pending]);
        await beating;
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    });
    scope.get<{ Params: { teleconsultationId: string; role: string } }>('/live/:teleconsultationId/:role', { websocket: true }, (socket, request) => {
      serveLiveSocket(ctx, socket, request);
    });
  });
  return hub;
}

/**
 * Cancelled (apply.ts revokes the links in its transaction): every instance re-checks its
 * sockets once that transaction has had time to commit; the heartbeat catches any miss.
 */
export function recheckSocketsOnCancel(hub: LiveHub): ChangeListener {
  return async (_tx, change) => {
    if (change.kind !== 'cancelled') return;
    const id = change.teleconsultation.id;
    publishAfterCommit(AFTER_COMMIT_DELAYS_MS, () => hub.publish(id, { kind: 'recheck' }));
  };
}
