/**
 * The database schema, the truth of the service, one file per feature. One schema for
 * PostgreSQL and embedded PGlite; migrations are generated from these files by
 * `npm run db:generate` and committed.
 */
export * from './core.ts';
export * from './live.ts';
export * from './notifications.ts';
export * from './billing.ts';
export * from './documents.ts';
export * from './follow-up.ts';
