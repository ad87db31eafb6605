/**
 * Per-target polling: every target has its own timer and its own deadline, so a slow or dead device never
 * delays another.
 *
 * Timing. Each target polls on a fixed grid `phase + k * interval`. The targets given at start are spread
 * evenly over their interval (target i of n at i/n of it) so a thousand targets do not fire in one burst,
 * each phase moved by a random ±`phaseJitter` of the interval so collectors started together do not
 * poll in lockstep; a target added later starts at a random phase. Every slot then fires at
 * its grid time plus a small random `cycleJitter` (a fraction of the interval). Jitter never accumulates:
 * slots stay on the grid, so sample spacing stays at the interval. A poll's deadline is `deadlineMs`
 * (default and at most: until the next slot) after its slot fired; should the timer itself fire late (a
 * stalled event loop) the deadline runs from when it fired, and the next slot follows right after.
 *
 * Concurrency. Polls of one protocol share a limited number of in-flight slots (snmp 64, modbus 32 by
 * default; protocols not listed are unlimited). Waiting for a slot counts against the poll's deadline: a
 * poll that gets no slot before its deadline is not run but recorded as skipped (`skip()` with reason
 * `no-slot`), so the target still produces a sample for that interval. A dead device holds its slot for
 * its whole deadline, so failing targets (last poll failed) may together hold at most `failingShare` of a
 * protocol's slots, and waiters are served healthy targets first, then by earliest deadline: a protocol
 * full of dead devices cannot starve the devices that still answer. Backoff (below) further cuts how
 * often dead devices hold a slot at all.
 *
 * Backoff. After `afterFailures` consecutive failed polls (run() threw or returned 'failed') the network
 * is tried only every 2, 4, 8 … intervals, up to `maxIntervalMs`. Every slot in between still calls the
 * job's `skip()` (reason `backoff`) so the target records a comm_loss sample each interval without
 * touching the network: no silent gap. The first successful poll returns the target to its normal cadence.
 *
 * Overrun. A run that ignores its abort signal and outlives later slots makes those slots `skip()`
 * (reason `overrun`) once it returns, so they are still visible as samples.
 *
 * Runtime changes. `add`, `remove` and `replace` change the job set while running. `remove` waits for an
 * in-flight poll to end (it is not aborted unless asked); `replace` keeps the timing phase when the
 * interval is unchanged.
 */
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';

export type PollOutcome = 'ok' | 'failed';

export interface PollContext {
  /** Time (ms since epoch) this slot was due to fire; the poll itself may start later (waiting for a slot). */
  slotAt: number;
}

export type SkipReason = 'backoff' | 'no-slot' | 'overrun';

export interface SkipContext {
  slotAt: number;
  reason: SkipReason;
  /** Consecutive failed polls of this target so far. */
  consecutiveFailures: number;
}

export interface PollJob {
  id: string;
  intervalMs: number;
  /** Concurrency class (normally the protocol: 'snmp', 'modbus'); unset = not limited. */
  protocol?: string;
  /** Whole-poll deadline after the slot fired; default and maximum: the time until the next slot. */
  deadlineMs?: number;
  /**
   * Runs one poll; `signal` aborts at the deadline (reason name TimeoutError) or on stop (AbortError).
   * Resolve 'failed' (or throw) when the target did not answer: that drives backoff. void counts as 'ok'.
   */
  run(signal: AbortSignal, ctx: PollContext): Promise<PollOutcome | void>;
  /** Called instead of run() for a slot that is not polled (backoff, no free slot, overrun). Must not do I/O
   * against the device; it should record that there is no reading (comm_loss). */
  skip?(ctx: SkipContext): void | Promise<void>;
}

export interface SchedulerHooks {
  onError?(jobId: string, err: unknown): void;
  onOverrun?(jobId: string, skippedSlots: number): void;
  /** A target entered backoff or its backoff grew: the next network poll is `nextTryInMs` away. */
  onBackoff?(jobId: string, info: { consecutiveFailures: number; everyIntervals: number; nextTryInMs: number }): void;
  /** A target in backoff answered again and is back to its normal cadence. */
  onRecover?(jobId: string, info: { consecutiveFailures: number }): void;
  /** A poll got no concurrency slot before its deadline. */
  onNoSlot?(jobId: string, protocol: string): void;
}

export interface SchedulerOptions {
  /** In-flight polls per protocol; merged over DEFAULT_CONCURRENCY. A protocol not listed is unlimited. */
  concurrency?: Record<string, number>;
  /** Share (0..1) of a protocol's slots that failing targets may hold together (at least one). Default 0.5. */
  failingShare?: number;
  /** Spread the first polls of the targets given at start evenly over their interval (default true);
   * false: all start at once (tests). */
  spreadStart?: boolean;
  /** Random shift of each start phase, ± this fraction of the interval (0..0.5). Default 0.05. */
  phaseJitter?: number;
  /** Per-slot random jitter as a fraction of the interval (± this much), 0..0.25. Default 0.02. */
  cycleJitter?: number;
  backoff?: {
    /** Consecutive failures before backoff starts. Default 3. */
    afterFailures?: number;
    /** Longest time between network tries of a dead target. Default 5 minutes. */
    maxIntervalMs?: number;
  };
  /** Injected randomness in [0, 1) (tests make timing deterministic with it). Default Math.random. */
  random?: () => number;
}

export const DEFAULT_CONCURRENCY: Readonly<Record<string, number>> = { snmp: 64, modbus: 32 };
export const DEFAULT_FAILING_SHARE = 0.5;
export const DEFAULT_BACKOFF = { afterFailures: 3, maxIntervalMs: 5 * 60_000 } as const;

export interface JobStats {
  id: string;
  protocol: string | undefined;
  intervalMs: number;
  consecutiveFailures: number;
  /** Network tried every this many intervals (1 = normal cadence). */
  everyIntervals: number;
  polls: number;
  failedPolls: number;
  skipped: Record<SkipReason, number>;
  inFlight: boolean;
}

export interface SchedulerStats {
  jobs: number;
  polls: number;
  failedPolls: number;
  skipped: Record<SkipReason, number>;
  /** Per concurrency class: limit, polls in flight now, polls waiting for a slot now. */
  protocols: Record<string, { limit: number; inFlight: number; waiting: number }>;
  /** Targets currently polled less often than their interval because they keep failing. */
  inBackoff: number;
}

interface Waiter {
  healthy: boolean;
  deadlineAt: number;
  seq: number;
  grant: () => void;
}

/**
 * In-flight slots of one protocol. Waiters are served healthy-first, then earliest deadline; targets that
 * are failing may hold at most `failingLimit` of the slots together, so the rest always stay free for the
 * devices that answer (a dead device holds its slot for its whole deadline).
 */
class SlotPool {
  inFlight = 0;
  failingInFlight = 0;
  private waiters: Waiter[] = [];
  private seq = 0;
  constructor(readonly limit: number, readonly failingLimit: number) {}

  get waiting(): number {
    return this.waiters.length;
  }

  private canGrant(healthy: boolean): boolean {
    return this.inFlight < this.limit && (healthy || this.failingInFlight < this.failingLimit);
  }

  private take(healthy: boolean): void {
    this.inFlight++;
    if (!healthy) this.failingInFlight++;
  }

  /** Resolves true with a slot held, or false when `signal` aborted first (nothing held then). */
  acquire(healthy: boolean, deadlineAt: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.canGrant(healthy)) {
      this.take(healthy);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        healthy, deadlineAt, seq: this.seq++,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(true);
        },
      };
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // Keep the queue sorted: healthy targets first, then earliest deadline, then arrival.
      let i = this.waiters.length;
      while (i > 0 && before(waiter, this.waiters[i - 1])) i--;
      this.waiters.splice(i, 0, waiter);
    });
  }

  release(healthy: boolean): void {
    this.inFlight--;
    if (!healthy) this.failingInFlight--;
    for (let i = 0; i < this.waiters.length && this.inFlight < this.limit; i++) {
      const w = this.waiters[i];
      if (!this.canGrant(w.healthy)) continue;
      this.waiters.splice(i, 1);
      i--;
      this.take(w.healthy);
      w.grant();
    }
  }
}

function before(a: Waiter, b: Waiter): boolean {
  if (a.healthy !== b.healthy) return a.healthy;
  if (a.deadlineAt !== b.deadlineAt) return a.deadlineAt < b.deadlineAt;
  return a.seq < b.seq;
}

interface JobState {
  job: PollJob;
  /** Grid time of the next slot and the (jittered) time it fires. */
  gridAt: number;
  fireAt: number;
  /** Ends this job's loop (remove/replace/stop): wakes sleeps and slot waits. */
  detach: AbortController;
  /** Aborts an in-flight poll (stop, or remove with abort). */
  abortPoll: AbortController;
  consecutiveFailures: number;
  /** Slots still to skip before the next network try. */
  backoffSkipsLeft: number;
  everyIntervals: number;
  polls: number;
  failedPolls: number;
  skipped: Record<SkipReason, number>;
  inFlight: boolean;
  loop: Promise<void>;
}

const MAX_CYCLE_JITTER = 0.25;
/** A concurrency slot granted with less than this share of the poll's deadline left is given back. */
const MIN_USEFUL_FRACTION = 0.1;
/** Missed slots filled with skip() after one overrun at most; beyond that (host suspended?) it is a gap. */
const MAX_OVERRUN_FILL = 3600;

export class PollScheduler {
  private readonly stopController = new AbortController();
  private readonly states = new Map<string, JobState>();
  /** Removed or replaced jobs whose in-flight poll has not ended yet. */
  private readonly retired = new Set<JobState>();
  private readonly pools = new Map<string, SlotPool>();
  private readonly concurrency: Record<string, number>;
  private readonly failingShare: number;
  private readonly spreadStart: boolean;
  private readonly phaseJitter: number;
  private readonly cycleJitter: number;
  private readonly afterFailures: number;
  private readonly maxBackoffMs: number;
  private readonly random: () => number;
  private started = false;
  private readonly totals = { polls: 0, failedPolls: 0, skipped: { backoff: 0, 'no-slot': 0, overrun: 0 } as Record<SkipReason, number> };

  constructor(jobs: PollJob[] = [], private readonly hooks: SchedulerHooks = {}, options: SchedulerOptions = {}) {
    // Every target's loop listens on the one stop signal: a collector with more than 10 targets is normal,
    // not a listener leak.
    setMaxListeners(0, this.stopController.signal);
    this.concurrency = { ...DEFAULT_CONCURRENCY, ...options.concurrency };
    for (const [protocol, limit] of Object.entries(this.concurrency)) {
      if (!(limit >= 1)) throw new RangeError(`scheduler: concurrency for '${protocol}' must be at least 1, got ${limit}`);
    }
    this.failingShare = clamp(options.failingShare ?? DEFAULT_FAILING_SHARE, 0, 1);
    this.spreadStart = options.spreadStart ?? true;
    this.phaseJitter = clamp(options.phaseJitter ?? 0.05, 0, 0.5);
    this.cycleJitter = clamp(options.cycleJitter ?? 0.02, 0, MAX_CYCLE_JITTER);
    this.afterFailures = Math.max(1, options.backoff?.afterFailures ?? DEFAULT_BACKOFF.afterFailures);
    this.maxBackoffMs = Math.max(0, options.backoff?.maxIntervalMs ?? DEFAULT_BACKOFF.maxIntervalMs);
    this.random = options.random ?? Math.random;
    for (const job of jobs) this.add(job);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const initial = [...this.states.values()];
    const now = Date.now();
    for (const [i, state] of initial.entries()) {
      const { intervalMs } = state.job;
      const even = this.spreadStart ? Math.floor((intervalMs * i) / initial.length) : 0;
      state.gridAt = now + Math.max(0, even + Math.round((this.random() * 2 - 1) * this.phaseJitter * intervalMs));
      state.fireAt = state.gridAt + this.jitter(intervalMs);
      this.launch(state);
    }
  }

  /** Stop every loop, abort in-flight polls and wait for them to end. */
  async stop(): Promise<void> {
    this.stopController.abort();
    const all = [...this.states.values(), ...this.retired];
    for (const s of all) {
      s.detach.abort();
      s.abortPoll.abort(this.stopController.signal.reason);
    }
    await Promise.all(all.map((s) => s.loop));
  }

  has(id: string): boolean {
    return this.states.has(id);
  }

  ids(): string[] {
    return [...this.states.keys()];
  }

  /** Add a target. Before start() it joins the even start spread; afterwards it starts at a random phase. */
  add(job: PollJob): void {
    if (this.stopController.signal.aborted) throw new Error(`scheduler: cannot add '${job.id}' after stop()`);
    if (this.states.has(job.id)) throw new Error(`scheduler: a job with id '${job.id}' already exists (use replace())`);
    validateJob(job);
    this.states.set(job.id, this.newState(job, this.started ? this.randomPhase(job.intervalMs) : 0));
    if (this.started) this.launch(this.states.get(job.id)!);
  }

  /**
   * Remove a target; resolves once its in-flight poll (if any) has ended, so nothing of this job runs
   * afterwards. `abort: true` also aborts that poll (signal reason AbortError) instead of letting it finish.
   */
  async remove(id: string, opts: { abort?: boolean } = {}): Promise<void> {
    const state = this.states.get(id);
    if (!state) return;
    this.states.delete(id);
    await this.retire(state, opts.abort ?? false);
  }

  /**
   * Swap a target's job (new address, profile, interval …). Same interval: the timing phase is kept, the
   * next slot fires when the old one would have. The old job's in-flight poll finishes (it is bounded by
   * its deadline, which never passes the next slot); the returned promise resolves when it has. Failure and
   * backoff state start fresh: the new configuration may well answer. Unknown id: same as add().
   */
  replace(job: PollJob): Promise<void> {
    const old = this.states.get(job.id);
    if (!old) {
      this.add(job);
      return Promise.resolve();
    }
    validateJob(job);
    this.states.delete(job.id);
    const sameInterval = old.job.intervalMs === job.intervalMs;
    // While a poll is in flight gridAt is still that poll's slot; the next one is a grid step later.
    const nextGrid = old.inFlight ? old.gridAt + old.job.intervalMs : old.gridAt;
    const gridAt = sameInterval ? nextGrid : this.randomPhase(job.intervalMs);
    const retiring = this.retire(old, false);
    const state = this.newState(job, gridAt);
    this.states.set(job.id, state);
    if (this.started) this.launch(state);
    return retiring;
  }

  stats(): SchedulerStats {
    const protocols: SchedulerStats['protocols'] = {};
    for (const [name, pool] of this.pools) protocols[name] = { limit: pool.limit, inFlight: pool.inFlight, waiting: pool.waiting };
    let inBackoff = 0;
    for (const s of this.states.values()) if (s.everyIntervals > 1) inBackoff++;
    return { jobs: this.states.size, polls: this.totals.polls, failedPolls: this.totals.failedPolls, skipped: { ...this.totals.skipped }, protocols, inBackoff };
  }

  jobStats(id: string): JobStats | undefined {
    const s = this.states.get(id);
    if (!s) return undefined;
    return {
      id, protocol: s.job.protocol, intervalMs: s.job.intervalMs, consecutiveFailures: s.consecutiveFailures,
      everyIntervals: s.everyIntervals, polls: s.polls, failedPolls: s.failedPolls, skipped: { ...s.skipped }, inFlight: s.inFlight,
    };
  }

  private newState(job: PollJob, gridAt: number): JobState {
    const detach = new AbortController();
    const abortPoll = new AbortController();
    setMaxListeners(0, detach.signal);
    return {
      // Before start() the phase is not known yet (start() sets both); no random draw for it then.
      job, gridAt, fireAt: this.started ? gridAt + this.jitter(job.intervalMs) : gridAt, detach, abortPoll,
      consecutiveFailures: 0, backoffSkipsLeft: 0, everyIntervals: 1, polls: 0, failedPolls: 0,
      skipped: { backoff: 0, 'no-slot': 0, overrun: 0 }, inFlight: false, loop: Promise.resolve(),
    };
  }

  private launch(state: JobState): void {
    state.loop = this.loop(state);
  }

  private async retire(state: JobState, abort: boolean): Promise<void> {
    state.detach.abort();
    if (abort) state.abortPoll.abort();
    this.retired.add(state);
    try {
      await state.loop;
    } finally {
      this.retired.delete(state);
    }
  }

  private randomPhase(intervalMs: number): number {
    return Date.now() + (this.spreadStart ? Math.floor(this.random() * intervalMs) : 0);
  }

  private jitter(intervalMs: number): number {
    return this.cycleJitter === 0 ? 0 : Math.round((this.random() * 2 - 1) * this.cycleJitter * intervalMs);
  }

  private pool(protocol: string | undefined): SlotPool | undefined {
    if (protocol === undefined) return undefined;
    const limit = this.concurrency[protocol];
    if (limit === undefined || limit === Infinity) return undefined;
    let pool = this.pools.get(protocol);
    if (!pool) this.pools.set(protocol, (pool = new SlotPool(limit, Math.max(1, Math.floor(limit * this.failingShare)))));
    return pool;
  }

  private advance(state: JobState): void {
    state.gridAt += state.job.intervalMs;
    state.fireAt = state.gridAt + this.jitter(state.job.intervalMs);
  }

  private async loop(state: JobState): Promise<void> {
    const detached = state.detach.signal;
    while (!detached.aborted) {
      await sleepUntil(state.fireAt, detached);
      if (detached.aborted) return;
      const slotAt = state.fireAt;
      const { intervalMs } = state.job;
      // The next slot's fire time bounds this one's deadline (jitter is drawn ahead for that).
      const nextFireAt = state.gridAt + intervalMs + this.jitter(intervalMs);
      if (state.backoffSkipsLeft > 0) {
        state.backoffSkipsLeft--;
        await this.skip(state, slotAt, 'backoff');
      } else {
        // The deadline runs from when the slot actually fired: a stalled event loop (GC, a CPU-starved host)
        // must not eat the poll's budget, while waiting for a concurrency slot does count against it.
        const firedAt = Math.max(slotAt, Date.now());
        await this.poll(state, slotAt, firedAt + Math.min(state.job.deadlineMs ?? intervalMs, intervalMs, Math.max(nextFireAt - slotAt, 1)));
      }
      state.gridAt += intervalMs;
      state.fireAt = nextFireAt;
      if (detached.aborted) return;
      // Slots whose successor is due too were missed entirely (the run outlived them): make them visible.
      let missed = 0;
      while (Date.now() >= state.gridAt + intervalMs && missed < MAX_OVERRUN_FILL) {
        if (state.backoffSkipsLeft > 0) state.backoffSkipsLeft--;
        await this.skip(state, state.fireAt, 'overrun');
        this.advance(state);
        missed++;
      }
      if (missed > 0) {
        if (Date.now() >= state.gridAt + intervalMs) {
          // Far behind (host suspended?): jump to now instead of filling more.
          const behind = Math.floor((Date.now() - state.gridAt) / intervalMs);
          state.gridAt += behind * intervalMs;
          state.fireAt = state.gridAt + this.jitter(intervalMs);
        }
        this.hooks.onOverrun?.(state.job.id, missed);
      }
    }
  }

  private async poll(state: JobState, slotAt: number, deadlineAt: number): Promise<void> {
    const { job } = state;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DOMException(`poll of '${job.id}' missed its deadline`, 'TimeoutError')), Math.max(0, deadlineAt - Date.now()));
    const signal = AbortSignal.any([state.abortPoll.signal, deadline.signal]);
    const pool = this.pool(job.protocol);
    const healthy = state.consecutiveFailures === 0;
    try {
      if (pool) {
        const waitSignal = AbortSignal.any([signal, state.detach.signal]);
        const got = await pool.acquire(healthy, deadlineAt, waitSignal);
        // A slot granted with almost no time left cannot finish a poll: count it as no slot, not as a
        // failure of the device.
        const useful = got && deadlineAt - Date.now() >= Math.max(1, MIN_USEFUL_FRACTION * (deadlineAt - slotAt));
        if (got && !useful) pool.release(healthy);
        if (!useful) {
          if (state.detach.signal.aborted) return;
          this.hooks.onNoSlot?.(job.id, job.protocol!);
          await this.skip(state, slotAt, 'no-slot');
          return;
        }
      }
      state.inFlight = true;
      let outcome: PollOutcome | void;
      try {
        outcome = await job.run(signal, { slotAt });
      } catch (err) {
        outcome = 'failed';
        if (!this.stopController.signal.aborted) this.hooks.onError?.(job.id, err);
      } finally {
        state.inFlight = false;
        pool?.release(healthy);
      }
      if (this.stopController.signal.aborted) return;
      state.polls++;
      this.totals.polls++;
      if (outcome === 'failed') {
        state.failedPolls++;
        this.totals.failedPolls++;
        this.failed(state);
      } else if (state.consecutiveFailures > 0) {
        if (state.everyIntervals > 1) this.hooks.onRecover?.(job.id, { consecutiveFailures: state.consecutiveFailures });
        state.consecutiveFailures = 0;
        state.everyIntervals = 1;
        state.backoffSkipsLeft = 0;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(state: JobState): void {
    state.consecutiveFailures++;
    if (state.consecutiveFailures < this.afterFailures) return;
    const { intervalMs } = state.job;
    const cap = Math.max(1, Math.floor(this.maxBackoffMs / intervalMs));
    state.everyIntervals = Math.min(cap, state.everyIntervals * 2);
    state.backoffSkipsLeft = state.everyIntervals - 1;
    if (state.backoffSkipsLeft > 0) {
      this.hooks.onBackoff?.(state.job.id, { consecutiveFailures: state.consecutiveFailures, everyIntervals: state.everyIntervals, nextTryInMs: state.everyIntervals * intervalMs });
    }
  }

  private async skip(state: JobState, slotAt: number, reason: SkipReason): Promise<void> {
    state.skipped[reason]++;
    this.totals.skipped[reason]++;
    if (!state.job.skip) return;
    try {
      await state.job.skip({ slotAt, reason, consecutiveFailures: state.consecutiveFailures });
    } catch (err) {
      if (!this.stopController.signal.aborted) this.hooks.onError?.(state.job.id, err);
    }
  }
}

function validateJob(job: PollJob): void {
  if (!(job.intervalMs > 0) || !Number.isFinite(job.intervalMs)) throw new RangeError(`scheduler: job '${job.id}' needs a positive intervalMs, got ${job.intervalMs}`);
  if (job.deadlineMs !== undefined && !(job.deadlineMs > 0)) throw new RangeError(`scheduler: job '${job.id}' deadlineMs must be positive, got ${job.deadlineMs}`);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** Resolves at time `at`, or at once when `signal` aborts. */
function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  const ms = at - Date.now();
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return delay(ms, undefined, { signal }).catch(() => {});
}
