/**
 * The operator's command for integrator API keys:
 *   npm run api-key -- create <clinicId> [label] [--expires-days=N]   prints the key once (only its hash is stored)
 *   npm run api-key -- list <clinicId>
 *   npm run api-key -- revoke <keyId>                                at once, for every instance
 * Each creation and revocation goes into the clinic's audit trail as the operator's.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../config/load.ts';
import { openDatabase } from '../db/client.ts';
import { createApiKey, listApiKeys, revokeApiKey } from '../integrators/api-keys.ts';

const USAGE = 'usage: npm run api-key -- create <clinicId> [label] [--expires-days=N] | list <clinicId> | revoke <keyId>';
const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'expires-days': { type: 'string' } } });
const [command, arg, label = 'integrator'] = positionals;
const days = values['expires-days'] === undefined ? undefined : Number(values['expires-days']);
if (!command || !arg || !['create', 'list', 'revoke'].includes(command) || (days !== undefined && !(Number.isInteger(days) && days >= 1 && days <= 3650))) {
  console.error(USAGE);
  process.exit(64);
}
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const by = { kind: 'operator', via: 'command' } as const;
const now = new Date();
try {
  if (command === 'create') {
    const expiresAt = days === undefined ? null : new Date(now.getTime() + days * 86_400_000);
    const { id, key } = await createApiKey(database.db, { clinicId: arg, label, expiresAt, by, now });
    console.log(`API key ${id} for clinic ${arg}${expiresAt ? `, valid until ${expiresAt.toISOString()}` : ''} (shown once):\n${key}`);
  } else if (command === 'list') {
    for (const k of await listApiKeys(database.db, arg)) {
      const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : k.expiresAt && k.expiresAt <= now ? `expired ${k.expiresAt.toISOString()}` : `active${k.expiresAt ? ` until ${k.expiresAt.toISOString()}` : ''}`;
      console.log(`${k.id}  ${k.label}  created ${k.createdAt.toISOString()}  ${state}`);
    }
  } else {
    const key = await revokeApiKey(database.db, { id: arg, by, now });
    if (!key) {
      console.error(`no API key ${arg}`);
      process.exitCode = 1;
    } else {
      console.log(`API key ${key.id} of clinic ${key.clinicId} revoked at ${key.revokedAt?.toISOString()}`);
    }
  }
} finally {
  await database.close();
}
