/** Helpers shared by the benchmarks. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { Db } from '../db/client.ts';

export interface FreshDatabase {
  /** A new database on the DATABASE_URL server; undefined = embedded PGlite in `dir`/db. */
  url?: string;
  /** A new temporary directory (the embedded database lives in `dir`/db, as `kiban server --data-dir dir` keeps it). */
  dir: string;
  /** Drops the database (force) and removes the directory. Close every connection to it first. */
  drop(): Promise<void>;
}

/**
 * A fresh, empty database for one benchmark run, so a run never measures or disturbs another's data: a new
 * database on the DATABASE_URL server when it is set, else embedded PGlite in a temporary directory.
 */
export async function freshDatabase(tag: string, log: (m: string) => void): Promise<FreshDatabase> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kiban-bench-${tag}-`));
  const base = process.env.DATABASE_URL;
  if (!base) {
    log(`embedded PGlite in ${dir}/db`);
    return { dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `kiban_bench_${tag}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(base, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${name}`;
  log(`fresh database ${name} on ${u.host}`);
  return {
    url: u.toString(), dir,
    drop: async () => {
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Bulk load without the table's indexes, then rebuilds them exactly as the migrations defined them (their
 * definitions are read back from the catalog), so the measured tables are the product's tables.
 */
export async function withoutIndexes(db: Db, table: string, load: () => Promise<void>) {
  const pk = await db.query<{ name: string; def: string }>(
    `select conname as name, pg_get_constraintdef(oid) as def from pg_constraint where conrelid = $1::regclass and contype = 'p'`, [table]);
  const others = await db.query<{ name: string; def: string }>(
    `select indexname as name, indexdef as def from pg_indexes where schemaname = 'public' and tablename = $1
        and indexname <> all($2::text[])`, [table, pk.map((p) => p.name)]);
  for (const i of others) await db.query(`drop index ${i.name}`);
  for (const p of pk) await db.query(`alter table ${table} drop constraint ${p.name}`);
  await load();
  for (const p of pk) await db.query(`alter table ${table} add constraint ${p.name} ${p.def}`);
  for (const i of others) await db.query(i.def);
}
