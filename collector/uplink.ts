/**
 * Uplink: sends sealed outbox batches to the server, oldest first, and deletes a batch only after the
 * server acknowledged it with a 2xx (it answers after commit; the batchId makes replays harmless).
 *
 * - network error, 408, 429, 5xx: keep the file, retry with exponential backoff (honours Retry-After)
 * - 400, 413, 422 (the server will never accept this batch): move it to rejected/ and log it once
 * - 401, 403: keep the file, log a clear auth error, retry slowly
 * - other 4xx (e.g. 404 from a wrong --server URL): keep the file, log, retry slowly
 *
 * Backfill. After an outage the outbox holds a backlog. It is replayed oldest-first, and merged: the
 * oldest run of never-sent batches becomes one request of up to 50k samples (INGEST_LIMITS), so the
 * backlog is caught up in few round trips. Live data is not starved meanwhile: a live lane sends the
 * newest batch (sealed within `liveMaxAgeMs`) after every `backfillPerLive` backfill requests, and first
 * of all when the server comes back, so dashboards and alarms see the present at once while the past
 * fills in behind it. The server accepts out-of-order samples; per point, storage is ordered by ts.
 * A batch that was ever sent is never merged (only resent as-is, same batchId), so nothing is applied
 * twice under two batch ids (see Outbox.beginSend).
 */
import { INGEST_LIMITS } from '../server/contracts/ingest.ts';
import type { Logger } from './logger.ts';
import { sealedAt, type MergeLimits, type Outbox } from './outbox.ts';

export interface UplinkOptions {
  serverUrl: string;
  token: string;
  outbox: Outbox;
  logger: Logger;
  requestTimeoutMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Delay between attempts while the server refuses the token or the URL is wrong. */
  slowRetryMs?: number;
  /** How often to look for batch files when nothing announced one. */
  idlePollMs?: number;
  /** Merge the oldest never-sent batches of a backlog into larger requests (default true). */
  mergeBacklog?: boolean;
  /** Send the newest batch between backfill requests (default true). Off: strictly oldest-first. */
  liveLane?: boolean;
  /** Backfill requests between two live-lane sends while a backlog is replayed (default 1). */
  backfillPerLive?: number;
  /** A batch sealed at most this long ago counts as live (default 15 s). */
  liveMaxAgeMs?: number;
  /** Bounds of one merged backfill request (default: the server's INGEST_LIMITS, 8 MiB of files). */
  mergeLimits?: Partial<MergeLimits>;
  /** Called after each acknowledged request (tests, self-monitoring). */
  onSent?: (info: SentInfo) => void;
}

export type Lane = 'live' | 'backfill';

export interface SentInfo {
  file: string;
  batchId: string | undefined;
  lane: Lane;
  samples: number;
  /** Files merged into this request (empty when it was sent as sealed). */
  mergedFrom: string[];
  duplicate: boolean;
}

export interface UplinkStats {
  batchesSent: number;
  batchesRejected: number;
  liveSent: number;
  backfillSent: number;
  /** Batch files merged into backfill requests. */
  filesMerged: number;
  backfilling: boolean;
}

export const DEFAULT_MERGE_LIMITS: MergeLimits = {
  maxSamples: INGEST_LIMITS.maxSamples,
  maxPoints: INGEST_LIMITS.maxPoints,
  maxDevices: INGEST_LIMITS.maxDevices,
  maxBytes: Math.floor(INGEST_LIMITS.maxBodyBytes / 2),
};

type SendOutcome =
  | { kind: 'sent'; batchId?: string; samples: number; duplicate: boolean }
  | { kind: 'rejected' }
  | { kind: 'retry'; delayMs: number; slow: boolean };

const REJECT_STATUSES = new Set([400, 413, 422]);
/** `<time>-<seq>-<batchId>.json`: the batch id in a batch file's name. */
const BATCH_ID = /-([0-9a-f-]{36})\.json$/;

export class Uplink {
  batchesSent = 0;
  batchesRejected = 0;
  private liveSent = 0;
  private backfillSent = 0;
  private filesMerged = 0;
  /** Backfill requests since the last live-lane send; starts "due" so the present goes first. */
  private backfillSinceLive: number;
  private backlog: { since: number; files: number; requests: number; samples: number } | undefined;
  private readonly mergeLimits: MergeLimits;
  private readonly endpoint: string;
  private readonly opts: Required<Omit<UplinkOptions, 'outbox' | 'logger' | 'token' | 'serverUrl' | 'mergeLimits' | 'onSent'>>;
  private running = false;
  private stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private sleepingIdle = false;
  private failures = 0;
  private authFailing = false;

  constructor(private readonly options: UplinkOptions) {
    this.endpoint = `${options.serverUrl.replace(/\/+$/, '')}/api/v1/ingest`;
    this.opts = {
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      initialBackoffMs: options.initialBackoffMs ?? 500,
      maxBackoffMs: options.maxBackoffMs ?? 60_000,
      slowRetryMs: options.slowRetryMs ?? 60_000,
      idlePollMs: options.idlePollMs ?? 5_000,
      mergeBacklog: options.mergeBacklog ?? true,
      liveLane: options.liveLane ?? true,
      backfillPerLive: Math.max(1, options.backfillPerLive ?? 1),
      liveMaxAgeMs: options.liveMaxAgeMs ?? 15_000,
    };
    this.mergeLimits = { ...DEFAULT_MERGE_LIMITS, ...options.mergeLimits };
    this.backfillSinceLive = this.opts.backfillPerLive;
  }

  stats(): UplinkStats {
    return {
      batchesSent: this.batchesSent, batchesRejected: this.batchesRejected, liveSent: this.liveSent,
      backfillSent: this.backfillSent, filesMerged: this.filesMerged, backfilling: this.backlog !== undefined,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopController = new AbortController();
    this.loop = this.run();
  }

  /** A batch was sealed: send it without waiting for the idle poll. */
  notify(): void {
    // Only an idle wait is cut short; a backoff after a failure is kept.
    if (this.sleepingIdle) this.wake?.();
  }

  /**
   * Stop the background loop. An in-flight request gets `graceMs` to finish, then is aborted: the batch
   * stays on disk, and if the server had already committed it, the replay is a no-op thanks to the batchId.
   */
  async stop(graceMs = 2000): Promise<void> {
    this.running = false;
    this.wake?.();
    const abortTimer = setTimeout(() => this.stopController.abort(), graceMs);
    try {
      await this.loop;
    } finally {
      clearTimeout(abortTimer);
    }
  }

  /**
   * One pass over the pending files, each tried once, stopping at the first failure; used for the final
   * send on shutdown. Resolves with the number of files still pending.
   */
  async drainOnce(budgetMs: number): Promise<number> {
    const deadline = Date.now() + budgetMs;
    const files = await this.options.outbox.pending();
    let remaining = files.length;
    for (const file of files) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const outcome = await this.send(file, Math.min(left, this.opts.requestTimeoutMs), AbortSignal.timeout(left));
      if (outcome.kind === 'retry') break;
      remaining--;
    }
    return remaining;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let files: string[];
      try {
        files = await this.options.outbox.pending();
      } catch (err) {
        this.options.logger.error({ err: (err as Error).message }, 'cannot list outbox');
        await this.sleep(this.opts.slowRetryMs);
        continue;
      }
      if (files.length === 0) {
        this.endBacklog();
        await this.sleep(this.opts.idlePollMs, true);
        continue;
      }
      let next: { file: string; lane: Lane; mergedFrom: string[] };
      try {
        next = await this.choose(files);
      } catch (err) {
        this.options.logger.error({ err: (err as Error).message }, 'could not prepare a backfill batch; sending unmerged');
        next = { file: files[0], lane: files.length > 1 ? 'backfill' : 'live', mergedFrom: [] };
      }
      if (!this.running) return;
      const outcome = await this.send(next.file, this.opts.requestTimeoutMs, this.stopController.signal);
      if (!this.running) return;
      if (outcome.kind === 'retry') {
        await this.sleep(outcome.delayMs);
        continue; // re-list: keep strict oldest-first order
      }
      if (outcome.kind === 'sent') this.sent(next, outcome);
    }
  }

  /**
   * The next request: normally the oldest file. With a backlog (the oldest pending batch is older than
   * `liveMaxAgeMs`), the newest batch if it is live and the live lane is due, else the oldest run of
   * batches, merged.
   */
  private async choose(files: string[]): Promise<{ file: string; lane: Lane; mergedFrom: string[] }> {
    // Not behind: everything pending is recent (e.g. one batch sealed while another was being sent).
    if (files.length === 1 || Date.now() - sealedAt(files[0]) <= this.opts.liveMaxAgeMs) {
      this.endBacklog();
      return { file: files[0], lane: 'live', mergedFrom: [] };
    }
    if (!this.backlog) {
      this.backlog = { since: Date.now(), files: files.length, requests: 0, samples: 0 };
      this.options.logger.info({ pendingBatches: files.length, oldestSealedAt: new Date(sealedAt(files[0])).toISOString() }, 'backfilling: sending the backlog oldest-first, live data in between');
    }
    const newest = files[files.length - 1];
    const newestIsLive = this.opts.liveLane && Date.now() - sealedAt(newest) <= this.opts.liveMaxAgeMs;
    if (newestIsLive && this.backfillSinceLive >= this.opts.backfillPerLive) {
      this.backfillSinceLive = 0;
      return { file: newest, lane: 'live', mergedFrom: [] };
    }
    this.backfillSinceLive++;
    const backlog = newestIsLive ? files.slice(0, -1) : files;
    const merged = this.opts.mergeBacklog ? await this.options.outbox.mergeOldest(backlog, this.mergeLimits) : undefined;
    if (merged) return { file: merged.file, lane: 'backfill', mergedFrom: merged.mergedFrom };
    return { file: backlog[0], lane: 'backfill', mergedFrom: [] };
  }

  private sent(next: { file: string; lane: Lane; mergedFrom: string[] }, outcome: Extract<SendOutcome, { kind: 'sent' }>): void {
    if (next.lane === 'live') this.liveSent++;
    else this.backfillSent++;
    this.filesMerged += next.mergedFrom.length;
    if (next.lane === 'backfill' && this.backlog) {
      this.backlog.requests++;
      this.backlog.samples += outcome.samples;
      this.options.logger.info({ file: next.file, batchId: outcome.batchId, samples: outcome.samples, mergedFiles: next.mergedFrom.length, duplicate: outcome.duplicate }, 'backfill batch sent');
    }
    this.options.onSent?.({ file: next.file, batchId: outcome.batchId, lane: next.lane, samples: outcome.samples, mergedFrom: next.mergedFrom, duplicate: outcome.duplicate });
  }

  private endBacklog(): void {
    if (!this.backlog) return;
    const b = this.backlog;
    this.backlog = undefined;
    this.backfillSinceLive = this.opts.backfillPerLive;
    this.options.logger.info({ backlogBatches: b.files, requests: b.requests, samples: b.samples, tookMs: Date.now() - b.since }, 'backfill complete');
  }

  private async send(file: string, timeoutMs: number, cancel: AbortSignal): Promise<SendOutcome> {
    const { outbox, logger } = this.options;
    // Claimed before reading, so the disk cap cannot drop the file while it is on its way.
    await outbox.beginSend(file);
    let reachedServer = false;
    try {
      // The file is sent as sealed: parsing and re-serialising a large backfill batch would block the
      // event loop, and with it the polls, for nothing. The batch id is the file name's last part.
      let body: string;
      const batchId = BATCH_ID.exec(file)?.[1];
      const samples = outbox.samplesIn(file);
      try {
        body = await outbox.readRaw(file);
        // Sealing is atomic, so this only catches a file damaged on disk (or written by hand).
        if (!body.slice(0, 64).trimStart().startsWith('{') || !body.slice(-64).trimEnd().endsWith('}')) throw new Error('not a JSON object (truncated?)');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'sent', samples: 0, duplicate: false }; // acked meanwhile
        await outbox.reject(file, `unreadable batch file: ${(err as Error).message}`);
        this.batchesRejected++;
        logger.error({ file, err: (err as Error).message }, 'outbox batch file is unreadable; moved to rejected/');
        return { kind: 'rejected' };
      }
      reachedServer = true;
      return await this.post(file, body, batchId, samples, timeoutMs, cancel, (v) => { reachedServer = v; });
    } finally {
      outbox.endSend(file, reachedServer);
    }
  }

  private async post(file: string, body: string, batchId: string | undefined, samples: number | undefined, timeoutMs: number, cancel: AbortSignal, setReached: (reached: boolean) => void): Promise<SendOutcome> {
    const { outbox, logger } = this.options;
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), cancel]),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      // Refused: the request never reached a server, so it cannot have been committed.
      if (cause === 'ECONNREFUSED') setReached(false);
      if (cancel.aborted && !this.running) return { kind: 'retry', delayMs: 0, slow: false };
      const delayMs = this.backoff();
      logger.warn({ batchId, endpoint: this.endpoint, err: cause, attempt: this.failures, retryInMs: delayMs }, 'ingest request failed; batch kept, will retry');
      return { kind: 'retry', delayMs, slow: false };
    }

    const status = response.status;
    const detail = await errorMessage(response);
    if (status >= 200 && status < 300) {
      await outbox.ack(file);
      this.batchesSent++;
      if (this.failures > 0 || this.authFailing) logger.info({ endpoint: this.endpoint }, 'ingest recovered');
      this.failures = 0;
      this.authFailing = false;
      let duplicate = false;
      let accepted: number | undefined;
      try {
        const result = JSON.parse(detail) as { duplicate?: boolean; accepted?: number };
        duplicate = result.duplicate === true;
        if (Number.isSafeInteger(result.accepted)) accepted = result.accepted;
      } catch { /* body is not the IngestResult (scripted test servers): not a duplicate then */ }
      return { kind: 'sent', batchId, samples: samples ?? accepted ?? 0, duplicate };
    }
    if (REJECT_STATUSES.has(status)) {
      await outbox.reject(file, `HTTP ${status}: ${detail}`);
      this.batchesRejected++;
      logger.error({ batchId, file, status, error: detail, movedTo: outbox.rejectedDir }, 'server rejected batch as malformed; moved to rejected/ and not retried');
      return { kind: 'rejected' };
    }
    if (status === 401 || status === 403) {
      if (!this.authFailing) {
        logger.error({ endpoint: this.endpoint, status, error: detail }, 'server refused the collector token (check --token / KIBAN_TOKEN); batches kept, retrying slowly');
      }
      this.authFailing = true;
      return { kind: 'retry', delayMs: this.opts.slowRetryMs, slow: true };
    }
    if (status === 408 || status === 429 || status >= 500) {
      const delayMs = retryAfterMs(response.headers.get('retry-after'), this.opts.maxBackoffMs) ?? this.backoff();
      if (status === 429 || status === 408) this.failures++;
      logger.warn({ batchId, status, error: detail, attempt: this.failures, retryInMs: delayMs }, 'server could not take the batch; kept, will retry');
      return { kind: 'retry', delayMs, slow: false };
    }
    logger.error({ endpoint: this.endpoint, status, error: detail }, 'unexpected ingest response (check --server); batches kept, retrying slowly');
    return { kind: 'retry', delayMs: this.opts.slowRetryMs, slow: true };
  }

  /** Exponential backoff with ±20 % jitter so many collectors do not retry in lockstep. */
  private backoff(): number {
    const base = Math.min(this.opts.maxBackoffMs, this.opts.initialBackoffMs * 2 ** this.failures);
    this.failures++;
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  private sleep(ms: number, idle = false): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.sleepingIdle = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepingIdle = idle;
      this.wake = done;
    });
  }
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function retryAfterMs(header: string | null, maxMs: number, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(maxMs, seconds * 1000);
  const date = Date.parse(header);
  if (Number.isFinite(date)) return Math.min(maxMs, Math.max(0, date - now));
  return undefined;
}

async function errorMessage(response: Response): Promise<string> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    return response.statusText;
  }
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string; code?: string } };
    if (parsed.error?.message) return parsed.error.code ? `${parsed.error.code}: ${parsed.error.message}` : parsed.error.message;
  } catch { /* not JSON */ }
  return text.slice(0, 500) || response.statusText;
}
