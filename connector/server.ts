/**
 * The only file that listens: loads the configuration, builds the app, starts, and closes
 * gracefully on SIGINT/SIGTERM (in-flight requests and jobs finish or are released). Exit
 * codes: 78 a configuration error, 75 the data directory held by another process, 1 the port
 * taken or another failure.
 */
import { ConfigError, loadConfig } from '../config/load.ts';
import { buildApp } from './app.ts';
import { DataDirInUseError } from './db/data-dir-lock.ts';
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

let app: Awaited<ReturnType<typeof buildApp>>;
try {
  app = await buildApp(config);
} catch (err) {
  if (err instanceof DataDirInUseError) {
    console.error(err.message);
    process.exit(75);
  }
  throw err;
}
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

try {
  await app.listen({ port: config.port, host: config.host });
} catch (err) {
  // Nothing is left half-open: the jobs, the bus and the database close before the exit.
  const code = (err as NodeJS.ErrnoException).code;
  console.error(code === 'EADDRINUSE' ? `Port ${config.port} on ${config.host} is already in use: stop what listens there, or set PORT.` : `Cannot listen on ${config.host}:${config.port}: ${code ?? String(err)}`);
  await app.close().catch(() => undefined);
  process.exit(1);
}
const base = config.publicUrl;
const lines = [
  `Teleconsult Connector on ${base}`,
  `  API docs:     ${base}/docs`,
  config.agenda.demo ? `  Demo agenda:  ${base}/demo   (no agenda configured: a stand-in agenda with fictitious data)` : `  Agenda hub:   ${config.agenda.apiUrl}`,
  `  Database:     ${config.databaseUrl ? 'PostgreSQL' : `embedded (${config.dataDir})`}`,
];
console.log(lines.join('\n'));
