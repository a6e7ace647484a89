/**
 * Registers sessions: the signed cookie parser (for the whole app, so that every feature's
 * routes can call `requireSession`), the link exchange, the session API and the UI pages.
 */
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.ts';
import type { ChangeListener } from '../teleconsultations/model.ts';
import { sessionRoutes } from './routes.ts';
import { revokeSessions, sessionCookieSecret } from './sessions.ts';
import { uiRoutes } from './ui-static.ts';

/** Call on the root instance (the cookie parser must be visible to every route). */
export async function registerSessions(app: FastifyInstance, services: Services): Promise<void> {
  await app.register(cookie, { secret: sessionCookieSecret(services.config.linkSecret), hook: 'onRequest' });
  await app.register(async (scope) => sessionRoutes(scope, services));
  await app.register(async (scope) => uiRoutes(scope, services));
}

/** A cancelled teleconsultation's links are revoked (apply.ts): its sessions go with them. */
export function revokeSessionsOnCancel(now: () => Date): ChangeListener {
  return async (tx, change) => {
    if (change.kind === 'cancelled') await revokeSessions(tx, change.teleconsultation.id, now());
  };
}
