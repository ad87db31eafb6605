/** Helpers shared by the benchmarks. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';

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
