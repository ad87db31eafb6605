/**
 * The latest value of each point, kept live: a plain Map point → latest value outside any reactive store,
 * seeded from a server snapshot and kept current from stream samples, where an older sample never overwrites
 * a newer one. `createLatestValues()` wraps it for a component: one `version` signal bumped at most once per
 * animation frame however many samples arrive, an optional stream subscription, both ended on cleanup.
 *
 * What a value means stays with each page (a rack shows nothing for a sample of bad quality, the power views
 * hold the last value through a lost poll and sum in kW): see `sampleValue` and the pages' own readers.
 */
import { createSignal, getOwner, onCleanup, type Accessor } from 'solid-js';
import type { StreamFilter } from '../api/client.ts';
import type { LatestSample, SampleQuality, StreamSample } from '../api/types.ts';
import { createFrameScheduler } from '../charts/frameScheduler.ts';
import { subscribeLive } from './liveStream.ts';

export interface LatestValue {
  value: number | null;
  quality: SampleQuality | null;
  /** Time of the newest sample, ms (NaN: unknown). */
  tsMs: number;
  /** Unit the snapshot gave (kept when stream samples arrive). */
  unit?: string;
  /** The last non-null value the point had and when (NaN: none known). */
  lastValue: number | null;
  lastValueMs: number;
}

/** A point's value as a server snapshot gives it. */
export interface LatestSeed {
  key: string;
  value: number | null;
  ts: string | null;
  quality: SampleQuality | null;
  unit?: string;
  /** The last value known before this one (e.g. held through a lost poll) and when. */
  lastValue?: number | null;
  lastValueTs?: string | null;
}

/** GET /latest's answer as seeds. */
export const latestSeeds = (samples: readonly LatestSample[]): LatestSeed[] =>
  samples.map((s) => ({ key: s.point, value: s.value, ts: s.ts, quality: s.quality, unit: s.unit }));

export interface LatestValuesOptions {
  /** The value a sample (snapshot or stream) stands for; default: the value as it came. */
  sampleValue?: (sample: { value: number | null; quality: SampleQuality | null }) => number | null;
}

const asIs = (s: { value: number | null }) => s.value;

/**
 * A lost poll keeps the point's last value this long wherever a page shows a live total (site power, rack
 * power and inlet): a poll or two lost on a busy network is a blip, not a drop in load or a rack gone silent.
 */
export const HOLD_LAST_VALUE_MS = 60_000;

export class LatestValues {
  private readonly held = new Map<string, LatestValue>();
  private readonly sampleValue: NonNullable<LatestValuesOptions['sampleValue']>;

  constructor(options: LatestValuesOptions = {}) {
    this.sampleValue = options.sampleValue ?? asIs;
  }

  get size(): number {
    return this.held.size;
  }

  has(key: string): boolean {
    return this.held.has(key);
  }

  get(key: string): LatestValue | undefined {
    return this.held.get(key);
  }

  keys(): IterableIterator<string> {
    return this.held.keys();
  }

  /** Forgets everything and starts from `entries`. */
  seed(entries: Iterable<LatestSeed>): void {
    this.held.clear();
    for (const e of entries) this.held.set(e.key, this.fromSeed(e));
  }

  /** Adds `entries`, keeping any value already held that is newer; returns how many were taken. */
  merge(entries: Iterable<LatestSeed>): number {
    let taken = 0;
    for (const e of entries) {
      const next = this.fromSeed(e);
      const held = this.held.get(e.key);
      // A snapshot entry without a sample time (the point has none yet) never replaces a sample held.
      if (held && (held.tsMs > next.tsMs || (Number.isNaN(next.tsMs) && !Number.isNaN(held.tsMs)))) continue;
      this.held.set(e.key, next);
      taken++;
    }
    return taken;
  }

  /**
   * Applies stream samples of the points `accept` takes (default: the points already held); an older sample
   * never overwrites a newer one. Returns true when anything held changed.
   */
  apply(samples: readonly StreamSample[], accept: (point: string) => boolean = (p) => this.held.has(p)): boolean {
    let changed = false;
    for (const s of samples) {
      if (!accept(s.point)) continue;
      const tsMs = Date.parse(s.ts);
      const held = this.held.get(s.point);
      if (held && tsMs < held.tsMs) continue;
      const value = this.sampleValue(s);
      if (held && held.tsMs === tsMs && held.value === value && held.quality === s.quality) continue;
      this.held.set(s.point, {
        value, quality: s.quality, tsMs, unit: held?.unit,
        lastValue: value ?? held?.lastValue ?? null,
        lastValueMs: value !== null ? tsMs : held?.lastValueMs ?? Number.NaN,
      });
      changed = true;
    }
    return changed;
  }

  /** Sum of the non-null latest values of `keys`; null when none has one. */
  sum(keys: Iterable<string>): number | null {
    let total: number | null = null;
    for (const k of keys) {
      const v = this.held.get(k)?.value;
      if (v !== null && v !== undefined) total = (total ?? 0) + v;
    }
    return total;
  }

  private fromSeed(e: LatestSeed): LatestValue {
    const value = this.sampleValue(e);
    const tsMs = e.ts ? Date.parse(e.ts) : Number.NaN;
    return {
      value, quality: e.quality, tsMs, unit: e.unit,
      lastValue: value ?? e.lastValue ?? null,
      lastValueMs: value !== null ? tsMs : e.lastValueTs ? Date.parse(e.lastValueTs) : Number.NaN,
    };
  }
}

export interface FollowOptions {
  /** Which points of the stream to keep (default: the points already held). */
  accept?: (point: string) => boolean;
  /** The stream resumed after an interruption: refetch what may have been missed. */
  onResumed?: () => void;
}

export interface LatestValuesHandle {
  /** The plain store; reading it does not track `version`. */
  readonly values: LatestValues;
  /** Bumped when a value changed: at once on seed/merge, at most once per frame on stream samples. */
  version: Accessor<number>;
  /** The point's latest value (tracks `version`). */
  get(key: string): LatestValue | undefined;
  /** Sum of the points' non-null latest values, null when none has one (tracks `version`). */
  sum(keys: Iterable<string>): number | null;
  seed(entries: Iterable<LatestSeed>): void;
  merge(entries: Iterable<LatestSeed>): void;
  apply(samples: readonly StreamSample[], accept?: (point: string) => boolean): void;
  /**
   * Follows the live stream with `filter`, replacing an earlier follow (the same filter keeps its
   * subscription; the latest options apply). An empty filter follows nothing.
   */
  follow(filter: StreamFilter, options?: FollowOptions): void;
  unfollow(): void;
  /** Stops following and drops a pending redraw; done on cleanup when created inside a component. */
  dispose(): void;
}

function filterSignature(filter: StreamFilter): string {
  const sorted = (list: readonly string[] | undefined) => [...new Set(list ?? [])].sort();
  return JSON.stringify([sorted(filter.points), sorted(filter.devices), sorted(filter.locations)]);
}

const isEmpty = (filter: StreamFilter) => !filter.points?.length && !filter.devices?.length && !filter.locations?.length;

/** A store of latest values with a frame-coalesced `version`; disposed with the calling component. */
export function createLatestValues(values: LatestValues = new LatestValues()): LatestValuesHandle {
  const [version, setVersion] = createSignal(0);
  const bump = () => setVersion((v) => v + 1);
  const frame = createFrameScheduler(bump);
  let unsubscribe: (() => void) | undefined;
  let signature = '';
  let following: FollowOptions = {};

  const apply = (samples: readonly StreamSample[], accept?: (point: string) => boolean) => {
    if (values.apply(samples, accept)) frame.schedule();
  };
  const unfollow = () => {
    unsubscribe?.();
    unsubscribe = undefined;
    signature = '';
  };
  const dispose = () => {
    unfollow();
    frame.cancel();
  };
  if (getOwner()) onCleanup(dispose);

  return {
    values,
    version,
    get(key) {
      version();
      return values.get(key);
    },
    sum(keys) {
      version();
      return values.sum(keys);
    },
    seed(entries) {
      values.seed(entries);
      bump();
    },
    merge(entries) {
      values.merge(entries);
      bump();
    },
    apply,
    follow(filter, options = {}) {
      following = options;
      const next = filterSignature(filter);
      if (next === signature && unsubscribe) return;
      unfollow();
      if (isEmpty(filter)) return;
      signature = next;
      unsubscribe = subscribeLive(filter, {
        onSamples: (samples) => apply(samples, following.accept),
        onResumed: () => following.onResumed?.(),
      });
    },
    unfollow,
    dispose,
  };
}
