/**
 * Per-target polling: every target has its own timer and deadline, so a slow or dead device never
 * delays another. A poll that overruns its interval skips the missed slots instead of piling up.
 */
import { setMaxListeners } from 'node:events';
export interface PollJob {
  id: string;
  intervalMs: number;
  /** Runs one poll; `signal` aborts at the deadline (one interval) or on stop. */
  run(signal: AbortSignal): Promise<void>;
}

export interface SchedulerHooks {
  onError?(jobId: string, err: unknown): void;
  onOverrun?(jobId: string, skippedSlots: number): void;
}

export class PollScheduler {
  private readonly stopController = new AbortController();
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly jobs: PollJob[], private readonly hooks: SchedulerHooks = {}) {
    // Every target's loop listens on the one stop signal: a collector with more than 10 targets is normal,
    // not a listener leak.
    setMaxListeners(0, this.stopController.signal);
  }

  start(): void {
    for (const [i, job] of this.jobs.entries()) {
      // Spread first polls over the interval so many targets do not fire in one burst.
      const offsetMs = this.jobs.length > 1 ? Math.floor((job.intervalMs * i) / this.jobs.length) % job.intervalMs : 0;
      this.loops.push(this.loop(job, offsetMs));
    }
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    await Promise.all(this.loops);
  }

  private async loop(job: PollJob, offsetMs: number): Promise<void> {
    const stop = this.stopController.signal;
    let nextAt = Date.now() + offsetMs;
    while (!stop.aborted) {
      await sleepUntil(nextAt, stop);
      if (stop.aborted) return;
      const signal = AbortSignal.any([stop, AbortSignal.timeout(job.intervalMs)]);
      try {
        await job.run(signal);
      } catch (err) {
        if (!stop.aborted) this.hooks.onError?.(job.id, err);
      }
      nextAt += job.intervalMs;
      const now = Date.now();
      if (nextAt <= now) {
        const skipped = Math.floor((now - nextAt) / job.intervalMs) + 1;
        nextAt += skipped * job.intervalMs;
        this.hooks.onOverrun?.(job.id, skipped);
      }
    }
  }
}

function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  const ms = at - Date.now();
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
