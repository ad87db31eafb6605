/**
 * Live power figures from named points: the server hands over, with each figure, the points whose sum is the
 * figure and their latest readings; the page keeps those readings current from the stream and sums them
 * again. The readings live in a plain Map outside any reactive store; one `version` signal is bumped at most
 * once per animation frame however many samples arrive.
 */
import { createSignal, onCleanup, type Accessor } from 'solid-js';
import type { ReadingJson } from '../../api/overview.ts';
import type { StreamSample } from '../../api/types.ts';
import { createFrameScheduler } from '../../charts/frameScheduler.ts';
import { subscribeLive } from '../../stores/liveStream.ts';

/** The stream carries at most this many points for one page; beyond, the page's periodic refresh covers the rest. */
export const MAX_LIVE_POINTS = 1500;
/** A lost poll keeps the point's last value this long (as the server does: a blip is not a drop in load). */
export const HOLD_LAST_VALUE_MS = 60_000;

interface Held {
  value: number | null;
  tsMs: number;
  unit: string;
  /** The last value the point had and when (NaN: none known). */
  lastValue: number | null;
  lastValueMs: number;
}

/** W per unit of a power point (undefined: not a power unit). */
export function wattsPerUnit(unit: string): number | undefined {
  return unit === 'W' || unit === '' ? 1 : unit === 'kW' ? 1e3 : unit === 'MW' ? 1e6 : undefined;
}

export class LiveReadings {
  private readonly held = new Map<string, Held>();

  /** Replaces every reading with the server's snapshot. */
  load(readings: Record<string, ReadingJson>): void {
    this.held.clear();
    for (const [key, r] of Object.entries(readings)) {
      const value = r.quality === 'comm_loss' ? null : r.value;
      const tsMs = Date.parse(r.ts);
      const lastValueMs = value !== null ? tsMs : r.lastValueTs ? Date.parse(r.lastValueTs) : Number.NaN;
      this.held.set(key, { value, tsMs, unit: r.unit, lastValue: value ?? r.lastValue ?? null, lastValueMs });
    }
  }

  /** Applies stream samples of known points; true when any of them changed a value. */
  apply(samples: readonly StreamSample[], watched: ReadonlySet<string>): boolean {
    let changed = false;
    for (const s of samples) {
      if (!watched.has(s.point)) continue;
      const tsMs = Date.parse(s.ts);
      const held = this.held.get(s.point);
      if (held && tsMs < held.tsMs) continue; // an older sample never overwrites a newer one
      const value = s.quality === 'comm_loss' ? null : s.value;
      if (!held || held.value !== value) changed = true;
      this.held.set(s.point, value === null
        ? { value, tsMs, unit: held?.unit ?? 'W', lastValue: held?.lastValue ?? null, lastValueMs: held?.lastValueMs ?? Number.NaN }
        : { value, tsMs, unit: held?.unit ?? 'W', lastValue: value, lastValueMs: tsMs });
    }
    return changed;
  }

  /** The point's value now: the latest, or through a lost poll the last one for up to HOLD_LAST_VALUE_MS. */
  value(key: string | null | undefined, nowMs = Date.now()): number | null {
    const h = key ? this.held.get(key) : undefined;
    if (!h) return null;
    if (h.value !== null) return h.value;
    return h.lastValue !== null && nowMs - h.lastValueMs <= HOLD_LAST_VALUE_MS ? h.lastValue : null;
  }

  /** The latest sample's value as it came (null for a lost poll). */
  current(key: string): number | null {
    return this.held.get(key)?.value ?? null;
  }

  unit(key: string): string | undefined {
    return this.held.get(key)?.unit;
  }

  /** Time of the newest sample of the point, ms (NaN when none). */
  sampleMs(key: string): number {
    return this.held.get(key)?.tsMs ?? Number.NaN;
  }

  /** When the point last had a value, ms (NaN when not seen since loading). */
  lastValueMs(key: string): number {
    return this.held.get(key)?.lastValueMs ?? Number.NaN;
  }

  /** Sum of power points in kW and how many reported; kw null when none did. */
  sumKw(keys: readonly string[], nowMs = Date.now()): { kw: number | null; reported: number } {
    let watts = 0;
    let reported = 0;
    for (const key of keys) {
      const v = this.value(key, nowMs);
      if (v === null) continue;
      watts += v * (wattsPerUnit(this.held.get(key)!.unit) ?? 1);
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
  const [version, setVersion] = createSignal(0);
  const frame = createFrameScheduler(() => setVersion((v) => v + 1));
  let unsubscribe: (() => void) | undefined;
  let watched = new Set<string>();
  let signature = '';

  onCleanup(() => {
    unsubscribe?.();
    frame.cancel();
  });

  return {
    readings,
    version,
    follow(snapshot, points, onResumed) {
      readings.load(snapshot);
      setVersion((v) => v + 1);
      const followed = [...new Set(points)].slice(0, MAX_LIVE_POINTS);
      const next = followed.slice().sort().join(',');
      watched = new Set(followed);
      if (next === signature && unsubscribe) return;
      signature = next;
      unsubscribe?.();
      unsubscribe = followed.length === 0 ? undefined : subscribeLive({ points: followed }, {
        onSamples: (samples) => { if (readings.apply(samples, watched)) frame.schedule(); },
        onResumed: () => onResumed?.(),
      });
    },
  };
}
