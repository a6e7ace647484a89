/**
 * The service's parts, built once from the configuration by `app.ts` and handed to every
 * route plugin and job. Tests build the same parts with a test configuration.
 */
import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import type { AgendaClient } from './agenda/client.ts';
import type { Database } from './db/client.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { LiveBus } from './live/bus.ts';
import type { ApplyContext } from './teleconsultations/apply.ts';
import type { Lifecycle } from './teleconsultations/lifecycle.ts';

export interface Services {
  config: Config;
  log: Logger;
  database: Database;
  queue: JobQueue;
  bus: LiveBus;
  agenda: AgendaClient;
  /** Every status move and the event trail; features subscribe to its changes in `app.ts`. */
  lifecycle: Lifecycle;
  /** How agenda changes are applied (through the lifecycle). */
  apply: ApplyContext;
  now: () => Date;
}
