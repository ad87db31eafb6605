/**
 * Live power figures from named points: the server hands over, with each figure, the points whose sum is the
 * figure and their latest readings; the page keeps those readings current from the stream and sums them
 * again. The readings live in the shared latest-value store (web/src/stores/latestValues.ts: a plain Map, one
 * `version` signal bumped at most once per frame); this file adds what they mean for power: a lost poll holds
 * the last value for a while, and sums are in kW whatever the points' units.
 */
import type { Accessor } from 'solid-js';
import type { ReadingJson } from '../../api/overview.ts';
import type { StreamSample } from '../../api/types.ts';
import { createLatestValues, HOLD_LAST_VALUE_MS, LatestValues } from '../../stores/latestValues.ts';

/** The stream carries at most this many points for one page; beyond, the page's periodic refresh covers the rest. */
export const MAX_LIVE_POINTS = 1500;
/** A lost poll keeps the point's last value this long (as the server does: a blip is not a drop in load). */
export { HOLD_LAST_VALUE_MS };

/** W per unit of a power point (undefined: not a power unit). */
export function wattsPerUnit(unit: string): number | undefined {
  return unit === 'W' || unit === '' ? 1 : unit === 'kW' ? 1e3 : unit === 'MW' ? 1e6 : undefined;
}

const seeds = (readings: Record<string, ReadingJson>) => Object.entries(readings).map(([key, r]) => ({ key, ...r }));

/** Power semantics on the shared latest-value store: a lost poll (comm_loss) has no value. */
export class LiveReadings {
  readonly values = new LatestValues({ sampleValue: (s) => (s.quality === 'comm_loss' ? null : s.value) });

  /** Replaces every reading with the server's snapshot. */
  load(readings: Record<string, ReadingJson>): void {
    this.values.seed(seeds(readings));
  }

  /** Applies stream samples of watched points; true when any of them changed a reading. */
  apply(samples: readonly StreamSample[], watched: ReadonlySet<string>): boolean {
    return this.values.apply(samples, (point) => watched.has(point));
  }

  /** The point's value now: the latest, or through a lost poll the last one for up to HOLD_LAST_VALUE_MS. */
  value(key: string | null | undefined, nowMs = Date.now()): number | null {
    const h = key ? this.values.get(key) : undefined;
    if (!h) return null;
    if (h.value !== null) return h.value;
    return h.lastValue !== null && nowMs - h.lastValueMs <= HOLD_LAST_VALUE_MS ? h.lastValue : null;
  }

  /** The latest sample's value as it came (null for a lost poll). */
  current(key: string): number | null {
    return this.values.get(key)?.value ?? null;
  }

  /** The point's unit (W when only the stream has told of it). */
  unit(key: string): string | undefined {
    const h = this.values.get(key);
    return h ? h.unit ?? 'W' : undefined;
  }

  /** Time of the newest sample of the point, ms (NaN when none). */
  sampleMs(key: string): number {
    return this.values.get(key)?.tsMs ?? Number.NaN;
  }

  /** When the point last had a value, ms (NaN when not seen since loading). */
  lastValueMs(key: string): number {
    return this.values.get(key)?.lastValueMs ?? Number.NaN;
  }

  /** Sum of power points in kW and how many reported; kw null when none did. */
  sumKw(keys: readonly string[], nowMs = Date.now()): { kw: number | null; reported: number } {
    let watts = 0;
    let reported = 0;
    for (const key of keys) {
      const v = this.value(key, nowMs);
      if (v === null) continue;
      watts += v * (wattsPerUnit(this.unit(key)!) ?? 1);
      reported++;
    }
    return { kw: reported ? watts / 1000 : null, reported };
  }

  maxOf(keys: readonly string[]): number | null {
    let best: number | null = null;
    for (const key of keys) {
      const v = this.value(key);
      if (v !== null && (best === null || v > best)) best = v;
    }
    return best;
  }
}

export interface LiveReadingsHandle {
  readings: LiveReadings;
  /** Bumped when a followed value changed (at most once per frame); read it to re-run on changes. */
  version: Accessor<number>;
  /** Loads the snapshot and follows `points` (in priority order) on the stream, replacing what was followed. */
  follow(snapshot: Record<string, ReadingJson>, points: readonly string[], onResumed?: () => void): void;
}

/** Call inside a component: follows points on the stream until the component goes away. */
export function createLiveReadings(): LiveReadingsHandle {
  const readings = new LiveReadings();
  const live = createLatestValues(readings.values);
  let watched = new Set<string>();
  return {
    readings,
    version: live.version,
    follow(snapshot, points, onResumed) {
      live.seed(seeds(snapshot));
      const followed = [...new Set(points)].slice(0, MAX_LIVE_POINTS);
      watched = new Set(followed);
      live.follow({ points: followed }, { accept: (point) => watched.has(point), onResumed });
    },
  };
}
