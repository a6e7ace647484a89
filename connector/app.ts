/**
 * The application, built from a configuration. Nothing here listens: `server.ts` does,
 * and tests call the app with `inject()` or on port 0.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { PGlite } from '@electric-sql/pglite';
import type { Config } from '../config/schema.ts';
import { createAgendaClient } from './agenda/client.ts';
import { paymentPages } from './billing/pages.ts';
import { billingRoutes } from './billing/routes.ts';
import { billingWriteBack, createBilling, paymentMessageLink } from './billing/service.ts';
import { RECONCILE_QUEUE, registerAgendaJobs, writeBackListener } from './agenda/sync.ts';
import { openDatabase, type Database } from './db/client.ts';
import { demoAgendaClient } from './demo/client.ts';
import { documentsMessageLink, registerDocuments } from './documents/routes.ts';
import { demoRoutes } from './demo/routes.ts';
import { installErrorHandler } from './http/error-handler.ts';
import { healthRoutes } from './http/health.ts';
import { describeError, loggerOptions } from './http/logging.ts';
import { registerRateLimits } from './http/rate-limits.ts';
import { registerOriginCheck, registerSecurityHeaders } from './http/security.ts';
import { integratorRoutes } from './integrators/routes.ts';
import { createJobQueue } from './jobs/queue.ts';
import { createLiveBus } from './live/bus.ts';
import { devOutboxRoutes } from './notifications/outbox.ts';
import { createNotifications } from './notifications/service.ts';
import { drawingPurge } from './live/drawing.ts';
import { recheckSocketsOnCancel, registerLive } from './live/plugin.ts';
import { publishWaitingRoomChanges } from './live/waiting-changes.ts';
import { chatPurge } from './live/chat.ts';
import { presencePurge } from './live/presence.ts';
import { messagesPurge } from './notifications/retention.ts';
import { createRetention, type Retention } from './retention/purge.ts';
import type { Services } from './services.ts';
import { sessionsAndLinksPurge } from './sessions/sessions.ts';
import { contactsPurge } from './teleconsultations/retention.ts';
import { registerSessions, revokeSessionsOnCancel } from './sessions/plugin.ts';
import { createLifecycle } from './teleconsultations/lifecycle.ts';
import { followUpStatusListener } from './follow-up/events.ts';
import { registerFollowUp } from './follow-up/plugin.ts';
import { agendaWebhookRoutes } from './webhooks/agenda.ts';
import { jitsiWebhookRoutes } from './webhooks/jitsi.ts';
import { keepRawBodies } from './webhooks/intake.ts';
import { sendgridWebhookRoutes } from './webhooks/sendgrid.ts';
import { stripeWebhookRoutes } from './webhooks/stripe.ts';
import { twilioWebhookRoutes } from './webhooks/twilio.ts';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    retention: Retention;
  }
}

export interface BuildOptions {
  /** An already-open embedded database (tests clone a migrated one). */
  pglite?: PGlite;
  /** The clock, for tests that need another "now". */
  now?: () => Date;
  /** Job polling interval in seconds (pg-boss minimum 0.5). */
  pollingIntervalSeconds?: number;
  /** Where log lines go (stdout by default). */
  logStream?: NodeJS.WritableStream;
}

export const API_VERSION = '1.0.0';

/** One log line per request, written once it is answered, instead of Fastify's two. */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** Builds the app and its services; call `close()` to release everything. */
export async function buildApp(config: Config, opts: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { ...loggerOptions(config.logLevel), ...(opts.logStream ? { stream: opts.logStream } : {}) },
    // Only the proxies named in TRUST_PROXY are believed about the client's address.
    // (A hop count is supported by Fastify, though its types list only the other forms.)
    trustProxy: config.trustProxy as string[] | false,
    bodyLimit: 1024 * 1024,
    // A stalled client must not hold a worker for ever; jobs do the slow work. Long enough for
    // a phone to send a document at the per-file limit (20 MiB at 1 Mbit/s takes under 3 min).
    requestTimeout: 300_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    logController: new OneLinePerRequest(),
  });
  const log = app.log as unknown as Services['log'];
  let database: Database;
  try {
    database = await openDatabase({
      databaseUrl: config.databaseUrl, dataDir: config.dataDir, pglite: opts.pglite,
      // By code only: the pool opens a new connection on the next query.
      onConnectionError: (err) => app.log.warn({ err: { code: (err as { code?: string }).code, message: err.message } }, 'database connection lost'),
    });
  } catch (err) {
    await app.close();
    throw err;
  }
  const now = opts.now ?? (() => new Date());
  const queue = createJobQueue(database, log, { workers: config.workers, pollingIntervalSeconds: opts.pollingIntervalSeconds });
  const bus = createLiveBus(config.redisUrl, log);
  app.addHook('onClose', async () => {
    // Each step is bounded: a server that stopped answering never holds a shutdown for ever.
    await within(15_000, queue.stop(), 'job queue', log);
    await within(5_000, bus.close(), 'live bus', log);
    await within(5_000, database.close(), 'database', log);
  });
  try {
    await assemble(app, config, opts, { database, queue, bus, now, log });
  } catch (err) {
    // Whatever was opened is closed: a failed start leaves no pool, socket or timer behind.
    await app.close().catch(() => undefined);
    throw err;
  }
  return app;
}

/** Waits for `work` at most `ms`; what did not finish in time is logged and left behind. */
async function within(ms: number, work: Promise<unknown>, what: string, log: Services['log']): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), ms); });
  const outcome = await Promise.race([work.then(() => 'done' as const, (err: unknown) => { log.warn({ err: describeError(err), what }, 'close step failed'); return 'failed' as const; }), late]);
  clearTimeout(timer);
  if (outcome === 'late') log.warn({ what, ms }, 'close step did not finish in time');
}

/** Everything after the database: services, jobs, routes and hooks. */
async function assemble(app: FastifyInstance, config: Config, opts: BuildOptions, opened: Pick<Services, 'database' | 'queue' | 'bus' | 'now' | 'log'>): Promise<void> {
  const { database, queue, bus, now, log } = opened;
  const agenda = config.agenda.demo
    ? demoAgendaClient(app, config)
    : createAgendaClient({ apiUrl: config.agenda.apiUrl, apiToken: config.agenda.apiToken, timeoutMs: config.agendaTimeoutMs });
  const lifecycle = createLifecycle({ db: database.db, now });
  const services: Services = {
    config, log, database, queue, bus, agenda, now, lifecycle,
    apply: { lifecycle, linkGraceHours: config.linkGraceHours, now },
  };
  app.decorate('services', services);
  const notifications = createNotifications(services, { payment: paymentMessageLink(config), documentsUrl: documentsMessageLink(config) });
  app.decorate('notifications', notifications);
  await notifications.registerJobs();
  const billing = createBilling(services, notifications);
  await billing.registerJobs();
  await registerAgendaJobs({
    database, queue, client: agenda, log, publicUrl: config.publicUrl, linkSecret: config.linkSecret, apply: services.apply,
    payment: billingWriteBack(services),
  }, config.reconcileEveryMinutes);

  installErrorHandler(app);
  await registerSecurityHeaders(app, config);
  registerOriginCheck(app, config);
  await registerRateLimits(app, config);
  // The API takes JSON only (a form or text body from another site cannot reach it as one).
  app.removeContentTypeParser('text/plain');
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Teleconsult Connector',
        version: API_VERSION,
        description: 'Teleconsultations for a practice agenda: webhook intake, integrator API, links and live events.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'Integrator API key (tck_…), one per clinic.' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(async (scope) => {
    keepRawBodies(scope);
    await agendaWebhookRoutes(scope, services);
    if (config.twilio) await twilioWebhookRoutes(scope, services, config.twilio);
    if (config.sendgrid) await sendgridWebhookRoutes(scope, services, config.sendgrid);
    await jitsiWebhookRoutes(scope, services);
    await stripeWebhookRoutes(scope, billing, now);
  });
  await app.register(async (scope) => billingRoutes(scope, services, billing));
  await app.register(async (scope) => paymentPages(scope, services, billing));
  await registerSessions(app, services);
  const hub = await registerLive(app, services, { rejoinGraceMs: config.rejoinGraceSeconds * 1000 });
  await registerFollowUp(app, services, billing, notifications);

  // What each change of a teleconsultation sets off, in the change's own transaction.
  lifecycle.onChange(writeBackListener(queue));
  lifecycle.onChange(notifications.listener);
  lifecycle.onChange(revokeSessionsOnCancel(now));
  lifecycle.onChange(recheckSocketsOnCancel(hub));
  lifecycle.onChange(followUpStatusListener(services));
  lifecycle.onChange(publishWaitingRoomChanges(services, hub));
  // The patient's data that the retention period deletes, each kind from its feature.
  const retention = createRetention(services);
  for (const data of [chatPurge, drawingPurge, presencePurge, messagesPurge, sessionsAndLinksPurge, contactsPurge]) retention.register(data);
  await retention.registerJobs();
  app.decorate('retention', retention);
  await registerDocuments(app, services, retention);
  await app.register(async (scope) => healthRoutes(scope, services));
  await app.register(async (scope) => integratorRoutes(scope, services));
  if (config.standIns.demoAgenda) await app.register(async (scope) => demoRoutes(scope, services));
  if (notifications.outbox.email || notifications.outbox.sms) {
    await app.register(async (scope) => devOutboxRoutes(scope, database.db, notifications.outbox, { operatorToken: config.production ? config.operatorToken : undefined }));
  }

  app.addHook('onReady', async () => {
    await queue.start();
  });
  app.addHook('onListen', async () => {
    // Catch up on whatever changed while we were away.
    await queue.send(RECONCILE_QUEUE, {}, { singletonKey: 'startup' });
  });
}
