/**
 * One database handle for every backend: embedded PGlite (default, in a worker thread), PostgreSQL through
 * the `postgres` driver, and TimescaleDB (PostgreSQL with the extension). The rest of Kiban talks to the
 * database only through db/queries/*, which use `orm` (drizzle) or, on hot paths, `query` (raw SQL).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import { drizzle as drizzleProxy } from 'drizzle-orm/pg-proxy';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import * as schema from './schema/index.ts';

export type DbKind = 'pglite' | 'postgres' | 'timescaledb';
export type Orm = PgDatabase<any, typeof schema>;

export interface Db {
  kind: DbKind;
  orm: Orm;
  /** Raw parameterised SQL for hot paths and SQL drizzle cannot express; rows as objects. */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /**
   * PostgreSQL only (absent on PGlite): runs `fn` in one transaction on one pooled connection, which can also
   * stream COPY … FROM STDIN. Commits when `fn` resolves, rolls back when it throws.
   */
  transaction?<T>(fn: (tx: DbTx) => Promise<T>): Promise<T>;
  /**
   * Every backend: runs `fn` in one transaction (commits when it resolves, rolls back when it throws). On PGlite
   * other statements wait until it ends, so keep it short.
   */
  atomic<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /** Connections in the pool (1 for PGlite, unset = 1): how many statements can run at once. */
  poolSize?: number;
  /**
   * PostgreSQL only: LISTEN on `channel` over a dedicated connection that re-LISTENs after it reconnects;
   * `onListen` runs after every (re)LISTEN, so the caller can tell that notifications may have been missed.
   */
  listen?(channel: string, onNotify: (payload: string) => void, onListen?: () => void): Promise<{ unlisten(): Promise<void> }>;
  /** Connection pool occupancy for /metrics: connections running a statement, idle ones, statements queued. */
  poolStats?(): Promise<PoolStats>;
  close(): Promise<void>;
}

export interface Queryable {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface PoolStats { size: number; active: number; idle: number; waiting?: number }

export interface DbTx {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** `copySql` is a `COPY … FROM STDIN` statement; `data` its input in the statement's format, whole or in chunks. */
  copyFrom(copySql: string, data: string | Buffer | Iterable<string>): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

export class DbError extends Error {
  code?: string;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'DbError';
    this.code = code;
  }
}

export interface OpenDbOptions {
  /** postgres://… ; unset = embedded PGlite. */
  url?: string;
  /** Directory for the embedded database; unset with no url = in-memory (tests). */
  dataDir?: string;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
}

export async function openDb(opts: OpenDbOptions = {}): Promise<Db> {
  return opts.url ? openPostgres(opts.url, opts.migrate ?? true) : openPglite(opts.dataDir, opts.migrate ?? true);
}

const POSTGRES_POOL = 10;
/** Names this process's pool in pg_stat_activity (poolStats), distinct from other replicas and pools. */
let poolSeq = 0;

async function openPostgres(url: string, runMigrations: boolean): Promise<Db> {
  const applicationName = `kiban:${process.pid}:${++poolSeq}`;
  const client = postgres(url, {
    max: POSTGRES_POOL, onnotice: () => {}, connection: { application_name: applicationName },
    ...(singleHost(url) ? { socket: noDelaySocket } : {}),
  } as postgres.Options<{}>);
  const orm = drizzlePostgres({ client, schema }) as unknown as Orm;
  try {
    if (runMigrations) await migratePostgres(orm as any, { migrationsFolder });
    const ext = await client`select 1 from pg_extension where extname = 'timescaledb'`;
    return {
      kind: ext.length > 0 ? 'timescaledb' : 'postgres',
      orm,
      query: async <T>(text: string, params: unknown[] = []) =>
        (await client.unsafe(text, params.map(arrayParam) as any[])) as unknown as T[],
      transaction: <T>(fn: (tx: DbTx) => Promise<T>) => client.begin(async (sql) => fn({
        query: async <R>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params.map(arrayParam) as any[])) as unknown as R[],
        copyFrom: async (copySql, data) => {
          await pipeline(Readable.from(typeof data === 'string' || Buffer.isBuffer(data) ? [data] : data), await sql.unsafe(copySql).writable());
        },
      })) as Promise<T>,
      atomic: <T>(fn: (q: Queryable) => Promise<T>) => client.begin(async (sql) => fn({
        query: async <R>(text: string, params: unknown[] = []) => (await sql.unsafe(text, params.map(arrayParam) as any[])) as unknown as R[],
      })) as Promise<T>,
      poolSize: POSTGRES_POOL,
      listen: async (channel, onNotify, onListen) => {
        const l = await client.listen(channel, onNotify, onListen);
        return { unlisten: () => l.unlisten() };
      },
      poolStats: async () => {
        // The LISTEN connection and the connection running this statement are not counted.
        const [r] = await client.unsafe(
          `select count(*) filter (where state = 'active')::int as active, count(*) filter (where state <> 'active')::int as idle
             from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid() and query not ilike 'listen %'`,
          [applicationName],
        );
        return { size: POSTGRES_POOL, active: Number(r.active), idle: Number(r.idle) };
      },
      close: () => client.end({ timeout: 5 }),
    };
  } catch (err) {
    await client.end({ timeout: 1 }).catch(() => {});
    throw err;
  }
}

/**
 * A connection with Nagle's algorithm off. postgres-js leaves it on, and its COPY writes the data and the
 * CopyDone message separately: the second small write then waits for the server's delayed ACK (40 ms on
 * Linux), twice per COPY — every ingest batch took ≥ 88 ms however small it was. (postgres-js hands the
 * options in; a connected socket is what it expects back; TLS is still negotiated by postgres-js over it.)
 */
function noDelaySocket(options: { host: string[]; port: number[]; path?: string | false; connect_timeout?: number }): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = options.path ? net.connect(options.path) : net.connect(options.port[0], options.host[0]);
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connecting to PostgreSQL at ${options.path || `${options.host[0]}:${options.port[0]}`} timed out`));
    }, 1000 * (options.connect_timeout ?? 30));
    socket.once('connect', () => { clearTimeout(timer); socket.off('error', reject); resolve(socket); });
    socket.once('error', (err) => { clearTimeout(timer); reject(err); });
  });
}

/** One host in the URL (a list of hosts means failover, which postgres-js's own sockets handle). */
function singleHost(url: string): boolean {
  try {
    return !new URL(url).host.includes(',');
  } catch {
    return false; // host lists do not parse as a URL
  }
}

/**
 * postgres-js cannot bind a JS array to a parameter whose type it has not fetched, so arrays go over the wire as
 * PostgreSQL array literals (`{1,2,NULL}`) and the SQL casts them (`$1::int4[]`).
 */
function arrayParam(v: unknown): unknown {
  if (!Array.isArray(v)) return v;
  return `{${v.map((x) => {
    if (x === null || x === undefined) return 'NULL';
    if (typeof x === 'number' || typeof x === 'bigint') return String(x);
    return `"${String(x).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  }).join(',')}}`;
}

interface Pending { resolve: (v: { rows: any[] }) => void; reject: (e: Error) => void }

/**
 * PGlite has no lock of its own: two processes on one data directory would corrupt it. A pid file refuses
 * the second one with a clear message; a pid file left by a crashed process is taken over.
 */
function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lockFile = path.join(dir, 'kiban.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return () => rmSync(lockFile, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(lockFile, 'utf8'));
      let alive = false;
      if (Number.isInteger(holder) && holder > 0) {
        try { process.kill(holder, 0); alive = true; } catch (e) { alive = (e as NodeJS.ErrnoException).code === "EPERM"; }
      }
      if (alive) throw new DbError(`embedded database at ${dir} is in use by process ${holder}; stop it or set KIBAN_DATA_DIR to another directory`, 'LOCKED');
      rmSync(lockFile, { force: true });
    }
  }
  throw new DbError(`could not lock the embedded database at ${dir}`, 'LOCKED');
}

async function openPglite(dataDir: string | undefined, runMigrations: boolean): Promise<Db> {
  const unlock = dataDir ? lockDataDir(path.resolve(dataDir)) : () => {};
  try {
    return await startPgliteWorker(dataDir, runMigrations, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

async function startPgliteWorker(dataDir: string | undefined, runMigrations: boolean, unlock: () => void): Promise<Db> {
  const worker = new Worker(new URL('./pglite/worker.mjs', import.meta.url), {
    workerData: { dataDir: dataDir ? path.resolve(dataDir) : undefined, migrationsFolder, runMigrations },
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;

  await new Promise<void>((resolve, reject) => {
    const onMessage = (msg: any) => {
      if (msg.ready) { worker.off('error', reject); resolve(); }
      else if (msg.initError) {
        worker.terminate();
        reject(new DbError(`embedded database failed to open${dataDir ? ` at ${dataDir}` : ''}: ${msg.initError.message}`, msg.initError.code));
      }
    };
    worker.once('message', onMessage);
    worker.once('error', reject);
  });

  worker.on('message', (msg: any) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.error) p.reject(new DbError(msg.error.message, msg.error.code));
    else p.resolve({ rows: msg.rows });
  });
  worker.on('error', (err) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });
  // A worker that dies without an error (out of memory in WASM, process.exit) must not leave callers waiting forever.
  worker.on('exit', (code) => {
    if (closed) return;
    closed = true;
    unlock();
    const err = new DbError(`embedded database worker exited (code ${code})`, 'WORKER_EXIT');
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  });

  const call = (msg: Record<string, unknown>) => new Promise<{ rows: any[] }>((resolve, reject) => {
    if (closed) return reject(new DbError('database is closed'));
    const id = nextId++;
    pending.set(id, { resolve, reject });
    worker.postMessage({ ...msg, id });
  });

  const orm = drizzleProxy(
    async (sql, params, method) => call({ op: 'query', sql, params, rowMode: method === 'all' ? 'array' : 'object' }),
    { schema },
  ) as unknown as Orm;

  return {
    kind: 'pglite',
    orm,
    query: async <T>(text: string, params: unknown[] = []) => (await call({ op: 'query', sql: text, params })).rows as T[],
    atomic: async <T>(fn: (q: Queryable) => Promise<T>) => {
      const txId = nextId;
      await call({ op: 'txBegin' });
      let result: T;
      try {
        result = await fn({ query: async <R>(text: string, params: unknown[] = []) => (await call({ op: 'query', sql: text, params, txId })).rows as R[] });
      } catch (err) {
        await call({ op: 'txEnd', txId, commit: false }).catch(() => {});
        throw err;
      }
      await call({ op: 'txEnd', txId, commit: true });
      return result;
    },
    poolSize: 1,
    poolStats: async () => ({ size: 1, active: pending.size > 0 ? 1 : 0, idle: pending.size > 0 ? 0 : 1, waiting: Math.max(0, pending.size - 1) }),
    close: async () => {
      if (closed) return;
      await call({ op: 'close' });
      closed = true;
      await worker.terminate();
      unlock();
    },
  };
}
