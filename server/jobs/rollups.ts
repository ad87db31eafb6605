/**
 * The rollup job: every few seconds it folds dirty minutes into the 1m/1h/1d rollups (db/queries/rollups.ts)
 * and, where TimescaleDB is absent, deletes expired rows. Safe with N replicas: each chunk of rollup work runs
 * in a transaction holding a PostgreSQL advisory lock, so exactly one replica computes at a time; the others
 * find the lock taken and wait for their next tick. Its progress is exposed for /metrics by getRollupJobStats().
 */
import type { Db } from '../../db/client.ts';
import {
  DEFAULT_RETENTION, deleteExpired, refreshRollups, rollupBacklog, syncTimescaleRetention, type Retention,
} from '../../db/queries/rollups.ts';
import type { Logger } from '../lib/logger.ts';

export interface RollupJobOptions {
  db: Db;
  logger?: Logger;
  /** Pause between ticks when nothing is left to do (ms); default 5000. */
  intervalMs?: number;
  /** Dirty marks per statement; default 2000. */
  chunk?: number;
  /** Statements per resolution per tick, so one tick never monopolises the database; default 20. */
  maxChunksPerTick?: number;
  /** Default: retentionFromEnv(process.env). */
  retention?: Retention;
  /** How often Kiban's own retention deletes run where TimescaleDB is absent (ms); default 10 minutes. */
  retentionEveryMs?: number;
  /**
   * Ingest first: while this returns true (batches are being written: on embedded PGlite every rollup statement
   * holds up the next acknowledgement on the one connection; on PostgreSQL rollups take cores from ingest), the
   * job works in small steps — one chunk per resolution per tick, one tick per second — as long as its lag
   * stays under `maxYieldS`. Past that it works at full speed again, so rollups are never starved.
   */
  yieldTo?: () => boolean;
  /** Lag (s) up to which the job gives way to `yieldTo`; default 120. */
  maxYieldS?: number;
}

export interface RollupJobStats {
  /** Age in seconds of the oldest unprocessed dirty minute (0 when caught up). */
  lagSeconds: number;
  dirtyMinutes: number;
  dirtyHours: number;
  dirtyDays: number;
  /** Buckets recomputed since start, per resolution. */
  processed: { minutes: number; hours: number; days: number };
  /** Rows deleted by Kiban's own retention since start, per table. */
  retentionDeleted: Record<string, number>;
  ticks: number;
  /** Ticks kept to one small step to give way to ingest (see RollupJobOptions.yieldTo). */
  yieldedTicks: number;
  errors: number;
  lastTickAt: Date | null;
  lastTickMs: number;
  lastError: string | null;
}

export interface RollupJob {
  stats(): RollupJobStats;
  /** Runs one tick now (tests, CLI); resolves when it is done. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const DAY_MS = 86_400_000;

/**
 * Retention from the environment, in days: KIBAN_RETENTION_RAW_DAYS (90), KIBAN_RETENTION_1M_DAYS (400),
 * KIBAN_RETENTION_1H_DAYS and KIBAN_RETENTION_1D_DAYS (forever). `forever`, `0` or empty keeps forever.
 */
export function retentionFromEnv(env: NodeJS.ProcessEnv = process.env): Retention {
  const days = (name: string, fallback: number | null): number | null => {
    const raw = env[name];
    if (raw === undefined) return fallback;
    const v = raw.trim().toLowerCase();
    if (v === '' || v === 'forever' || v === '0') return null;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number of days or "forever", got "${raw}"`);
    return n;
  };
  return {
    rawDays: days('KIBAN_RETENTION_RAW_DAYS', DEFAULT_RETENTION.rawDays),
    minuteDays: days('KIBAN_RETENTION_1M_DAYS', DEFAULT_RETENTION.minuteDays),
    hourDays: days('KIBAN_RETENTION_1H_DAYS', DEFAULT_RETENTION.hourDays),
    dayDays: days('KIBAN_RETENTION_1D_DAYS', DEFAULT_RETENTION.dayDays),
  };
}

let current: RollupJob | null = null;

/** Stats of the job started by startRollupJob in this process (null when none runs): for /metrics. */
export function getRollupJobStats(): RollupJobStats | null {
  return current ? current.stats() : null;
}

export function startRollupJob(opts: RollupJobOptions): RollupJob {
  const { db, logger } = opts;
  const intervalMs = opts.intervalMs ?? 5000;
  const retention = opts.retention ?? retentionFromEnv();
  const retentionEveryMs = opts.retentionEveryMs ?? 600_000;
  const stats: RollupJobStats = {
    lagSeconds: 0, dirtyMinutes: 0, dirtyHours: 0, dirtyDays: 0,
    processed: { minutes: 0, hours: 0, days: 0 }, retentionDeleted: {},
    ticks: 0, yieldedTicks: 0, errors: 0, lastTickAt: null, lastTickMs: 0, lastError: null,
  };
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | null = null;
  let lastRetentionAt = 0;
  let timescaleSynced = db.kind !== 'timescaledb';
  const maxYieldS = opts.maxYieldS ?? 120;
  /** Giving way to ingest now? */
  const yielding = () => !!opts.yieldTo?.() && stats.lagSeconds < maxYieldS;

  async function runTick(): Promise<void> {
    const started = Date.now();
    try {
      if (!timescaleSynced) {
        const changed = await syncTimescaleRetention(db, retention);
        if (changed.length) logger?.info({ tables: changed, retention }, 'TimescaleDB retention policies updated');
        timescaleSynced = true;
      }
      // Minutes older than the raw retention (less a day of slack for deletion lag) are not recomputed:
      // their raw samples may be partly gone.
      const notBefore = retention.rawDays === null ? undefined : new Date(started - (retention.rawDays - 1) * DAY_MS);
      const small = yielding();
      if (small) stats.yieldedTicks++;
      const maxChunks = small ? 1 : opts.maxChunksPerTick ?? 20;
      const done = await refreshRollups(db, { chunk: opts.chunk, maxChunks, notBefore });
      stats.processed.minutes += done.minutes;
      stats.processed.hours += done.hours;
      stats.processed.days += done.days;
      if (db.kind !== 'timescaledb' && started - lastRetentionAt >= retentionEveryMs) {
        lastRetentionAt = started;
        const deleted = await deleteExpired(db, retention, new Date(started));
        for (const [table, n] of Object.entries(deleted)) stats.retentionDeleted[table] = (stats.retentionDeleted[table] ?? 0) + n;
      }
      Object.assign(stats, await rollupBacklog(db));
    } catch (err) {
      stats.errors++;
      stats.lastError = (err as Error).message;
      logger?.error({ err: stats.lastError }, 'rollup tick failed');
    } finally {
      stats.ticks++;
      stats.lastTickAt = new Date();
      stats.lastTickMs = Date.now() - started;
    }
  }

  function schedule(ms: number) {
    if (stopped) return;
    timer = setTimeout(() => {
      if (inFlight) return schedule(intervalMs); // a manual tick() is running
      const errorsBefore = stats.errors;
      inFlight = runTick().finally(() => {
        inFlight = null;
        // Behind: continue soon (bounded chunks per tick leave room for ingest in between); after an error, back off.
        const behind = stats.dirtyMinutes + stats.dirtyHours + stats.dirtyDays > 0;
        schedule(behind && stats.errors === errorsBefore ? (yielding() ? 1000 : 250) : intervalMs);
      });
    }, ms);
    timer.unref?.();
  }

  const job: RollupJob = {
    stats: () => ({ ...stats, processed: { ...stats.processed }, retentionDeleted: { ...stats.retentionDeleted } }),
    tick: async () => {
      while (inFlight) await inFlight;
      inFlight = runTick();
      try { await inFlight; } finally { inFlight = null; }
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      while (inFlight) await inFlight;
      if (current === job) current = null;
    },
  };
  current = job;
  schedule(Math.min(intervalMs, 1000));
  return job;
}
