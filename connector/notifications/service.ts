/**
 * The notifications feature, built once by `app.ts`: the providers of each channel (the
 * real one when configured; otherwise the dev outbox where it is on, or the channel is off),
 * the change listener
 * that writes the message plan, the sending job, and the hooks other features use
 * (`planMessage`, `cancelMessages`); the payment and documents links come from those features.
 */
import type { Tx } from '../db/client.ts';
import type { Services } from '../services.ts';
import type { ChangeListener } from '../teleconsultations/model.ts';
import { outboxEmailProvider, outboxSmsProvider } from './outbox.ts';
import { offEmailProvider, offSmsProvider } from './providers/off.ts';
import { cancelMessages, messagePlanListener, planMessage, SEND_QUEUE, type PlanDeps, type PlanMessageInput, type PlannedMessage, type SendJobData } from './plan.ts';
import { createSendgridProvider } from './providers/sendgrid.ts';
import { createTwilioProvider } from './providers/twilio.ts';
import { runSendBatch, SEND_RETRY_LIMIT, type ChannelProviders, type MessageLinkRegistry, type SendDeps } from './send.ts';

declare module 'fastify' {
  interface FastifyInstance {
    notifications: Notifications;
  }
}

/**
 * The sending worker: jobs fetched per poll, claimed together and sent concurrently, and
 * fetch loops (one job is one teleconsultation's messages due together, most often an email
 * and an SMS). The bench measures pg-boss alone with the same settings.
 */
export const SEND_WORKER = { batchSize: 100, workers: 4 } as const;

/** Tuning of the sending worker. */
export interface SendWorkerOptions {
  /** Jobs fetched per poll, sent concurrently (each job holds the messages due together). */
  batchSize?: number;
  /** Fetch loops in this process. */
  workers?: number;
}

/** The notifications feature. */
export interface Notifications {
  /** Providers by channel; tests may wrap them (e.g. to simulate a crash mid-send). */
  providers: ChannelProviders;
  /** Which channels go to the dev outbox (no provider configured). */
  readonly outbox: { email: boolean; sms: boolean };
  /** The payment and documents links of the `ended` message, given by those features (tests may wrap them). */
  links: MessageLinkRegistry;
  /** Writes the message plan in the transaction of each teleconsultation change. */
  readonly listener: ChangeListener;
  /** Plans one message (both channels unless told) in the caller's transaction; idempotent. */
  planMessage(tx: Tx, input: PlanMessageInput): Promise<PlannedMessage[]>;
  /** Drops the not-yet-sent messages of some kinds (e.g. `payment_reminder` once paid). */
  cancelMessages(tx: Tx, input: { teleconsultationId: string; kinds: readonly string[]; reason: string }): Promise<number>;
  /** Defines the sending job on the queue. */
  registerJobs(options?: SendWorkerOptions): Promise<void>;
}

/** Builds the notifications feature from the service's parts and the links other features give its messages. */
export function createNotifications(services: Services, links: MessageLinkRegistry = {}): Notifications {
  const { config, log, database, queue, now } = services;
  const outbox = { email: !config.sendgrid && config.standIns.devOutbox, sms: !config.twilio && config.standIns.devOutbox };
  const providers: ChannelProviders = {
    email: config.sendgrid ? createSendgridProvider(config.sendgrid, config.mailFrom) : outbox.email ? outboxEmailProvider(database.db, log) : offEmailProvider,
    sms: config.twilio ? createTwilioProvider(config.twilio) : outbox.sms ? outboxSmsProvider(database.db, log) : offSmsProvider,
  };
  const planDeps: PlanDeps = { queue, clinicDefaults: config.clinicDefaults, now };
  const notifications: Notifications = {
    providers,
    outbox,
    links,
    listener: messagePlanListener(planDeps),
    planMessage: (tx, input) => planMessage(planDeps, tx, input),
    cancelMessages: (tx, input) => cancelMessages(tx, { ...input, at: now() }),
    async registerJobs(options = {}) {
      const deps = (): SendDeps => ({
        db: database.db, queue, log, publicUrl: config.publicUrl, linkSecret: config.linkSecret,
        clinicDefaults: config.clinicDefaults, providers: notifications.providers, links: notifications.links, now,
      });
      await queue.defineBatch<SendJobData>(
        // Backoff from 2 s doubles to about 2 hours between the last attempts (≈ 4 h in all).
        {
          name: SEND_QUEUE, retryLimit: SEND_RETRY_LIMIT, retryDelaySeconds: 2, expireInSeconds: 120, policy: 'standard',
          batchSize: options.batchSize ?? SEND_WORKER.batchSize, workers: options.workers ?? SEND_WORKER.workers,
        },
        (jobs) => runSendBatch(deps(), jobs),
      );
    },
  };
  const off = [providers.email.off ? 'email' : '', providers.sms.off ? 'sms' : ''].filter(Boolean);
  if (off.length > 0) {
    log.warn({ off }, `no provider for ${off.join(' and ')}: ${off.length > 1 ? 'these channels are' : 'this channel is'} off, and their messages are not sent (set SENDGRID_* / TWILIO_*, or DEV_OUTBOX=on to keep them at /dev/outbox)`);
  }
  if (outbox.email || outbox.sms) {
    log.warn({ email: outbox.email ? 'dev outbox' : 'sendgrid', sms: outbox.sms ? 'dev outbox' : 'twilio' }, 'messages without a provider go to the dev outbox (/dev/outbox): nothing is sent for those channels');
  }
  return notifications;
}
