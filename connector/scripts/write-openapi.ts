/**
 * `npm run openapi:connector`: writes openapi/connector.json, our API as generated from the
 * route schemas. It is checked in; a test fails when it no longer matches the routes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { loadConfig } from '../../config/load.ts';
import { buildApp } from '../app.ts';

/** The OpenAPI document of a default build, as pretty JSON. */
export async function generateOpenApi(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'tc-openapi-'));
  const pglite = await PGlite.create();
  const app = await buildApp(loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent', WORKERS: 'off' }), { pglite });
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await pglite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = join(import.meta.dirname, '..', '..', 'openapi', 'connector.json');
  writeFileSync(target, await generateOpenApi());
  console.log(`wrote ${target}`);
}
