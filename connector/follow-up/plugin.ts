/**
 * "Suivi et paiement" in the app: its routes in their own scope, its live event streams
 * (ended before the app closes), and the background sending of sign-in links.
 */
import type { FastifyInstance } from 'fastify';
import type { Billing } from '../billing/service.ts';
import type { Notifications } from '../notifications/service.ts';
import type { Services } from '../services.ts';
import { createEventStreams } from './events.ts';
import { followUpRoutes, type Background } from './routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    followUp: { background: Background };
  }
}

/** Work started after an answer; its failures are logged by name only (never an email or a link). */
export function createBackground(log: Services['log']): Background {
  const pending = new Set<Promise<unknown>>();
  return {
    run(work) {
      const p = work().catch((err: unknown) => {
        const e = err as { name?: string; code?: string };
        log.warn({ err: { name: e.name, code: e.code } }, 'follow-up background work failed');
      });
      pending.add(p);
      void p.finally(() => pending.delete(p));
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}

/** Call on the root instance, after the session cookie parser. */
export async function registerFollowUp(app: FastifyInstance, services: Services, billing: Billing, notifications: Notifications): Promise<void> {
  const streams = createEventStreams(services);
  const background = createBackground(services.log);
  app.decorate('followUp', { background });
  app.addHook('preClose', async () => { streams.closeAll(); });
  app.addHook('onClose', async () => { await background.settled(); });
  const signIn = { services, email: () => notifications.providers.email };
  await app.register(async (scope) => followUpRoutes(scope, services, { billing, signIn, streams, background }));
}
