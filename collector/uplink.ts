/**
 * Uplink: sends sealed outbox batches to the server, oldest first, and deletes a batch only after the
 * server acknowledged it with a 2xx (it answers after commit; the batchId makes replays harmless).
 *
 * - network error, 408, 429, 5xx: keep the file, retry with exponential backoff (honours Retry-After)
 * - 400, 413, 422 (the server will never accept this batch): move it to rejected/ and log it once
 * - 401, 403: keep the file, log a clear auth error, retry slowly
 * - other 4xx (e.g. 404 from a wrong --server URL): keep the file, log, retry slowly
 */
import type { Logger } from './logger.ts';
import type { Outbox } from './outbox.ts';

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
}

type SendOutcome =
  | { kind: 'sent' }
  | { kind: 'rejected' }
  | { kind: 'retry'; delayMs: number; slow: boolean };

const REJECT_STATUSES = new Set([400, 413, 422]);

export class Uplink {
  batchesSent = 0;
  batchesRejected = 0;
  private readonly endpoint: string;
  private readonly opts: Required<Omit<UplinkOptions, 'outbox' | 'logger' | 'token' | 'serverUrl'>>;
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
        await this.sleep(this.opts.idlePollMs, true);
        continue;
      }
      for (const file of files) {
        if (!this.running) return;
        const outcome = await this.send(file, this.opts.requestTimeoutMs, this.stopController.signal);
        if (!this.running) return;
        if (outcome.kind === 'retry') {
          await this.sleep(outcome.delayMs);
          break; // re-list: keep strict oldest-first order
        }
      }
    }
  }

  private async send(file: string, timeoutMs: number, cancel: AbortSignal): Promise<SendOutcome> {
    const { outbox, logger } = this.options;
    let body: string;
    let batchId: string | undefined;
    try {
      const batch = await outbox.read(file);
      batchId = batch.batchId;
      body = JSON.stringify(batch);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'sent' }; // acked meanwhile
      await outbox.reject(file, `unreadable batch file: ${(err as Error).message}`);
      this.batchesRejected++;
      logger.error({ file, err: (err as Error).message }, 'outbox batch file is unreadable; moved to rejected/');
      return { kind: 'rejected' };
    }

    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.options.token}` },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), cancel]),
      });
    } catch (err) {
      if (cancel.aborted && !this.running) return { kind: 'retry', delayMs: 0, slow: false };
      const delayMs = this.backoff();
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
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
      return { kind: 'sent' };
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
