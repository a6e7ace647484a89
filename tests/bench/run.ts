/**
 * `npm run bench`: every benchmark, figures and ratios printed (never asserted in tests).
 * PostgreSQL and Redis come from DATABASE_URL / REDIS_URL, defaulting to this machine's
 * (127.0.0.1:5432, user postgres; 127.0.0.1:6379). Names given as arguments pick benches.
 */
process.env.DATABASE_URL ||= 'postgresql://postgres@127.0.0.1:5432/postgres';
process.env.REDIS_URL ||= 'redis://127.0.0.1:6379';

const benches: Record<string, () => Promise<void>> = {
  'webhook-ingest': async () => (await import('./webhook-ingest.ts')).benchWebhookIngest(),
  'waiting-room': async () => (await import('./waiting-room.ts')).benchWaitingRoom(),
  notifications: async () => (await import('./notifications.ts')).benchNotifications(),
  pages: async () => (await import('./pages.ts')).benchPages(),
  'patient-cold': async () => (await import('./patient-cold.ts')).benchPatientCold(),
  reconcile: async () => (await import('./reconcile.ts')).benchReconcile(),
};

const { dropTemplates } = await import('../support/database.ts');
const picked = process.argv.slice(2);
for (const [name, run] of Object.entries(benches)) {
  if (picked.length > 0 && !picked.includes(name)) continue;
  try {
    await run();
  } catch (err) {
    console.log(`${name}: failed: ${err instanceof Error ? err.stack : String(err)}`);
    process.exitCode = 1;
  }
}
await dropTemplates();
