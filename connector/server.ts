/**
 * The only file that listens: loads the configuration, builds the app, starts, and closes
 * gracefully on SIGINT/SIGTERM (in-flight requests and jobs finish or are released).
 */
import { ConfigError, loadConfig } from '../config/load.ts';
import { buildApp } from './app.ts';
import { isDatabaseUnavailable } from './db/faults.ts';
import { describeError } from './http/logging.ts';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(78);
  }
  throw err;
}

const app = await buildApp(config);
// A database that goes away must never take the process with it: a library's promise left
// unawaited on a lost connection is logged (by code) and the work it belonged to is retried
// by its job's expiry. Anything else unhandled still stops the process, as Node does.
process.on('unhandledRejection', (reason) => {
  if (isDatabaseUnavailable(reason)) {
    app.log.warn({ err: describeError(reason) }, 'database call failed with no one waiting for it');
    return;
  }
  app.log.fatal({ err: describeError(reason) }, 'unhandled rejection');
  process.exit(1);
});
let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'closing');
    const force = setTimeout(() => process.exit(1), 30_000);
    force.unref();
    app.close().then(() => process.exit(0), (err: unknown) => {
      app.log.error({ err }, 'close failed');
      process.exit(1);
    });
  });
}

await app.listen({ port: config.port, host: config.host });
const base = config.publicUrl;
const lines = [
  `Teleconsult Connector on ${base}`,
  `  API docs:     ${base}/docs`,
  config.agenda.demo ? `  Demo agenda:  ${base}/demo   (no agenda configured: a stand-in agenda with fictitious data)` : `  Agenda hub:   ${config.agenda.apiUrl}`,
  `  Database:     ${config.databaseUrl ? 'PostgreSQL' : `embedded (${config.dataDir})`}`,
];
console.log(lines.join('\n'));
