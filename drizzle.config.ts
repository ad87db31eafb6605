import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations from db/schema; TimescaleDB DDL lives in custom migrations
// (`npx drizzle-kit generate --custom --name=...`) guarded so they are no-ops where the extension is absent.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/index.ts',
  out: './db/migrations',
  schemaFilter: ['public'],
  tablesFilter: ['!_timescaledb_*', '!_hyper_*', '!compress_*'],
});
