/**
 * `npm run api-key -- <clinicId> [label]`: creates an integrator API key for a clinic and
 * prints it once (only its hash is stored).
 */
import { loadConfig } from '../../config/load.ts';
import { openDatabase } from '../db/client.ts';
import { createApiKey } from '../integrators/api-keys.ts';

const [clinicId, label = 'integrator'] = process.argv.slice(2);
if (!clinicId) {
  console.error('usage: npm run api-key -- <clinicId> [label]');
  process.exit(64);
}
const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  const { id, key } = await createApiKey(database.db, clinicId, label);
  console.log(`API key ${id} for clinic ${clinicId} (shown once):\n${key}`);
} finally {
  await database.close();
}
