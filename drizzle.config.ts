import { defineConfig } from 'drizzle-kit';

/** drizzle-kit generates migrations offline from the schema; they run at start-up. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './connector/db/schema/*.ts',
  out: './connector/db/migrations',
});
