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
import type { ApplyContext, ChangeListener } from './teleconsultations/apply.ts';

export interface Services {
  config: Config;
  log: Logger;
  database: Database;
  queue: JobQueue;
  bus: LiveBus;
  agenda: AgendaClient;
  /** How agenda changes are applied; `listeners` grows as features register. */
  apply: ApplyContext & { listeners: ChangeListener[] };
  now: () => Date;
}
