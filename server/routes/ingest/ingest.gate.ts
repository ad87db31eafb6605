/**
 * Backpressure for the ingest route. Two bounds, both checked before a body is read:
 * - bytes: the declared sizes of every request admitted and not yet answered (queued or writing) stay under
 *   `maxQueuedBytes`, so a burst of large batches cannot grow the heap without bound;
 * - writers: at most `maxConcurrent` batches touch the database at once (sized to the connection pool, leaving
 *   connections for reads); at most `maxWaiting` more wait for a slot, each for at most `maxWaitMs`.
 * Past either bound the route answers 503 with Retry-After, and the collector keeps the batch and retries.
 */
import os from 'node:os';
import type { Db } from '../../../db/client.ts';

export interface IngestGateLimits {
  maxConcurrent: number;
  maxWaiting: number;
  maxQueuedBytes: number;
  maxWaitMs: number;
  /** Seconds a refused client is told to wait. */
  retryAfterS: number;
}

/**
 * Writers at once. PGlite runs one statement at a time in its worker: a second writer only prepares its batch
 * meanwhile. PostgreSQL: as many as this machine has cores (at least 2), within the pool less two connections
 * for reads — more writers than cores only make the database's backends and this server's event loop take the
 * cores from each other (the loop then stalls) without writing faster. KIBAN_INGEST_WRITERS overrides it, e.g.
 * when the database has a machine of its own.
 */
export function defaultGateLimits(db: Db, env: NodeJS.ProcessEnv = process.env): IngestGateLimits {
  const pool = db.poolSize ?? 1;
  const configured = Number(env.KIBAN_INGEST_WRITERS);
  const maxConcurrent = pool <= 1 ? 2
    : Number.isInteger(configured) && configured > 0 ? Math.min(configured, Math.max(1, pool - 2))
      : Math.max(1, Math.min(pool - 2, Math.max(2, os.availableParallelism())));
  return { maxConcurrent, maxWaiting: 4 * maxConcurrent, maxQueuedBytes: 128 * 1024 * 1024, maxWaitMs: 10_000, retryAfterS: 2 };
}

export class Overloaded extends Error {
  constructor(readonly reason: string, readonly retryAfterS: number) { super(reason); }
}

export class IngestGate {
  queuedBytes = 0;
  active = 0;
  private readonly waiters: Array<{ grant: () => void; timer: NodeJS.Timeout }> = [];
  /** Requests refused with 503 since start. */
  refused = 0;
  /** When a batch last took or gave back a write slot (ms since epoch). */
  private lastBusyAt = 0;

  constructor(public limits: IngestGateLimits) {}

  get waiting(): number { return this.waiters.length; }

  /** True while batches are writing or waiting, and for `graceMs` after the last one finished. */
  busy(graceMs = 1000): boolean {
    return this.active > 0 || this.waiters.length > 0 || Date.now() - this.lastBusyAt < graceMs;
  }

  /** Reserves `bytes` of queue budget for one request; the returned function gives it back. */
  admit(bytes: number): () => void {
    if (this.queuedBytes > 0 && this.queuedBytes + bytes > this.limits.maxQueuedBytes) {
      throw this.refuse(`ingest queue full (${this.queuedBytes} bytes of batches pending)`);
    }
    if (this.waiters.length >= this.limits.maxWaiting) {
      throw this.refuse(`database is behind (${this.active} batches writing, ${this.waiters.length} waiting)`);
    }
    this.queuedBytes += bytes;
    let released = false;
    return () => { if (!released) { released = true; this.queuedBytes -= bytes; } };
  }

  /** Waits for a write slot (at most maxWaitMs); the returned function frees it. */
  async acquire(): Promise<() => void> {
    this.lastBusyAt = Date.now();
    if (this.active < this.limits.maxConcurrent) {
      this.active++;
    } else {
      if (this.waiters.length >= this.limits.maxWaiting) {
        throw this.refuse(`database is behind (${this.active} batches writing, ${this.waiters.length} waiting)`);
      }
      await new Promise<void>((resolve, reject) => {
        const entry = {
          grant: () => { clearTimeout(entry.timer); resolve(); },
          timer: setTimeout(() => {
            const i = this.waiters.indexOf(entry);
            if (i >= 0) this.waiters.splice(i, 1);
            reject(this.refuse(`database is behind: no write slot within ${this.limits.maxWaitMs} ms`));
          }, this.limits.maxWaitMs),
        };
        this.waiters.push(entry);
      });
      // The slot was handed over by release(): `active` already counts it.
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.lastBusyAt = Date.now();
      const next = this.waiters.shift();
      if (next) next.grant();
      else this.active--;
    };
  }

  private refuse(reason: string): Overloaded {
    this.refused++;
    return new Overloaded(reason, this.limits.retryAfterS);
  }
}

const gates = new WeakMap<Db, IngestGate>();

/** The gate of one database handle (one per server process and database). */
export function ingestGate(db: Db): IngestGate {
  let gate = gates.get(db);
  if (!gate) gates.set(db, (gate = new IngestGate(defaultGateLimits(db))));
  return gate;
}
