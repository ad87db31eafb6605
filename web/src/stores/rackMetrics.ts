/**
 * Live rack metrics for the floor plan, the rack list and the overview: the rack summaries of a scope (site,
 * room or rack list), kept live from the stream. Power is the sum of the latest value of each PDU inlet power
 * point, inlet temperature the max of the latest value of each inlet point, as on the server.
 *
 * Built to stay cheap at 2,000 racks: the values live in typed arrays outside any reactive store (RackLiveModel),
 * one `version` signal is bumped at most once per animation frame however many samples arrive, and canvas
 * views can listen for the keys that changed (`onChange`) instead of diffing the lot.
 */
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js';
import { racksApi, type RackScope, type RackSummary } from '../api/racks.ts';
import type { StreamFilter } from '../api/client.ts';
import type { StreamSample } from '../api/types.ts';
import { createFrameScheduler } from '../charts/frameScheduler.ts';
import { HOLD_LAST_VALUE_MS } from './latestValues.ts';
import { subscribeLive } from './liveStream.ts';

/** A latest value older than this makes its rack stale (as the server's summaries do). */
export const RACK_STALE_AFTER_MS = 10 * 60_000;
/**
 * A point whose latest poll was lost keeps the value it had just before for this long (as the server's rack
 * summaries and site power figures do): a blip is not a rack that stopped reporting.
 */
export const RACK_HOLD_LAST_VALUE_MS = HOLD_LAST_VALUE_MS;
/** Up to this many points the stream is subscribed point by point; above, by the scope's locations. */
const MAX_POINT_SUBSCRIPTION = 300;

interface PointValue {
  value: number | null;
  /** NaN when the point never reported. */
  tsMs: number;
  ok: boolean;
  /** The last good value and when (NaN: none known), held through lost polls. */
  lastOk: number | null;
  lastOkMs: number;
}

type Role = 'power' | 'inlet';

/**
 * The math, apart from Solid: racks by index, their live power/inlet/stale in typed arrays, the latest value of
 * every point in a Map, and which racks each point feeds.
 */
export class RackLiveModel {
  racks: RackSummary[] = [];
  powerW = new Float64Array(0);
  inletC = new Float64Array(0);
  stale = new Uint8Array(0);
  private readonly index = new Map<string, number>();
  private readonly latest = new Map<string, PointValue>();
  private readonly feeds = new Map<string, Array<{ rack: number; role: Role }>>();

  constructor(private readonly staleAfterMs = RACK_STALE_AFTER_MS) {}

  load(racks: readonly RackSummary[], nowMs = Date.now()): void {
    this.racks = [...racks];
    const n = racks.length;
    this.powerW = new Float64Array(n);
    this.inletC = new Float64Array(n);
    this.stale = new Uint8Array(n);
    this.index.clear();
    this.latest.clear();
    this.feeds.clear();
    racks.forEach((rack, i) => {
      this.index.set(rack.key, i);
      for (const role of ['power', 'inlet'] as const) {
        rack.points[role].forEach((key, j) => {
          const seed = rack.latest?.[role][j];
          if (!this.latest.has(key)) {
            const tsMs = seed?.ts ? Date.parse(seed.ts) : Number.NaN;
            this.latest.set(key, seed && seed.value !== null
              ? { value: seed.value, tsMs, ok: true, lastOk: seed.value, lastOkMs: tsMs }
              : { value: null, tsMs, ok: false, lastOk: null, lastOkMs: Number.NaN });
          }
          const list = this.feeds.get(key);
          if (list) list.push({ rack: i, role }); else this.feeds.set(key, [{ rack: i, role }]);
        });
      }
      if (rack.latest) this.recompute(i, nowMs);
      else {
        // No per-point values to start from: show the summary's own until the stream brings them.
        this.powerW[i] = rack.powerW ?? Number.NaN;
        this.inletC[i] = rack.inletC ?? Number.NaN;
        this.stale[i] = rack.stale ? 1 : 0;
      }
    });
  }

  /** Every point key behind the loaded racks. */
  pointKeys(): string[] {
    return [...this.feeds.keys()];
  }

  /** Applies live samples; returns the indices of the racks whose values may have changed. */
  apply(samples: readonly StreamSample[], nowMs = Date.now()): Set<number> {
    const touched = new Set<number>();
    for (const s of samples) {
      const feeds = this.feeds.get(s.point);
      if (!feeds) continue;
      const tsMs = Date.parse(s.ts);
      const held = this.latest.get(s.point);
      if (held && tsMs < held.tsMs) continue; // an older sample never overwrites a newer one
      const ok = s.quality === 'ok' && s.value !== null;
      this.latest.set(s.point, ok
        ? { value: s.value, tsMs, ok, lastOk: s.value, lastOkMs: tsMs }
        : { value: null, tsMs, ok, lastOk: held?.lastOk ?? null, lastOkMs: held?.lastOkMs ?? Number.NaN });
      for (const f of feeds) touched.add(f.rack);
    }
    const changed = new Set<number>();
    for (const i of touched) if (this.recompute(i, nowMs)) changed.add(i);
    return changed;
  }

  /** Re-evaluates staleness by age (values that stopped arriving); returns the racks that changed. */
  recheck(nowMs = Date.now()): Set<number> {
    const changed = new Set<number>();
    for (let i = 0; i < this.racks.length; i++) if (this.racks[i].latest !== undefined || this.seen(i)) if (this.recompute(i, nowMs)) changed.add(i);
    return changed;
  }

  indexOf(key: string): number | undefined {
    return this.index.get(key);
  }

  power(key: string): number | null {
    const i = this.index.get(key);
    return i === undefined || Number.isNaN(this.powerW[i]) ? null : this.powerW[i];
  }

  inlet(key: string): number | null {
    const i = this.index.get(key);
    return i === undefined || Number.isNaN(this.inletC[i]) ? null : this.inletC[i];
  }

  isStale(key: string): boolean {
    const i = this.index.get(key);
    return i !== undefined && this.stale[i] === 1;
  }

  /** The summaries with their live values. */
  snapshot(): RackSummary[] {
    return this.racks.map((r, i) => ({
      ...r,
      powerW: Number.isNaN(this.powerW[i]) ? null : this.powerW[i],
      inletC: Number.isNaN(this.inletC[i]) ? null : this.inletC[i],
      stale: this.stale[i] === 1,
    }));
  }

  private seen(i: number): boolean {
    const rack = this.racks[i];
    return [...rack.points.power, ...rack.points.inlet].some((k) => !Number.isNaN(this.latest.get(k)?.tsMs ?? Number.NaN));
  }

  private recompute(i: number, nowMs: number): boolean {
    const rack = this.racks[i];
    let power = Number.NaN;
    let inlet = Number.NaN;
    let stale = 0;
    for (const key of rack.points.power) {
      const p = this.latest.get(key);
      if (!this.fresh(p, nowMs)) stale = 1;
      const v = this.valueOf(p, nowMs);
      if (v !== null) power = (Number.isNaN(power) ? 0 : power) + v;
    }
    for (const key of rack.points.inlet) {
      const p = this.latest.get(key);
      if (!this.fresh(p, nowMs)) stale = 1;
      const v = this.valueOf(p, nowMs);
      if (v !== null) inlet = Number.isNaN(inlet) ? v : Math.max(inlet, v);
    }
    const changed = !same(this.powerW[i], power) || !same(this.inletC[i], inlet) || this.stale[i] !== stale;
    this.powerW[i] = power;
    this.inletC[i] = inlet;
    this.stale[i] = stale;
    return changed;
  }

  /** The point's value now: the latest good one, or through lost polls the last good one for a while. */
  private valueOf(p: PointValue | undefined, nowMs: number): number | null {
    if (!p) return null;
    if (p.ok) return p.value;
    return this.held(p, nowMs) ? p.lastOk : null;
  }

  private held(p: PointValue, nowMs: number): boolean {
    return !p.ok && p.lastOk !== null && nowMs - p.lastOkMs <= RACK_HOLD_LAST_VALUE_MS;
  }

  private fresh(p: PointValue | undefined, nowMs: number): boolean {
    if (!p) return false;
    if (this.held(p, nowMs)) return true;
    return p.ok && p.value !== null && !Number.isNaN(p.tsMs) && nowMs - p.tsMs <= this.staleAfterMs;
  }
}

const same = (a: number, b: number) => a === b || (Number.isNaN(a) && Number.isNaN(b));

/** The rack with the hottest inlet (undefined when none is measured). */
export function hottest<T extends Pick<RackSummary, 'key' | 'inletC'>>(racks: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const r of racks) {
    if (r.inletC === null) continue;
    if (!best || r.inletC > best.inletC! || (r.inletC === best.inletC && r.key < best.key)) best = r;
  }
  return best;
}

/** The `n` racks with the least free U (fullest first; ties by key). */
export function leastFreeU<T extends Pick<RackSummary, 'key' | 'freeU'>>(racks: readonly T[], n: number): T[] {
  return [...racks].sort((a, b) => a.freeU - b.freeU || a.key.localeCompare(b.key)).slice(0, Math.max(0, n));
}

export interface RackMetrics {
  /** The racks of the scope as loaded (static facts: name, place, U, budget). Replaced on (re)load only. */
  racks: Accessor<readonly RackSummary[]>;
  loading: Accessor<boolean>;
  error: Accessor<unknown>;
  /** Bumped (at most once per frame) whenever a live value changed; read it to re-run on changes. */
  version: Accessor<number>;
  /** Live values; each tracks `version`. */
  powerW(key: string): number | null;
  inletC(key: string): number | null;
  stale(key: string): boolean;
  /** All summaries with live values (tracks `version`): feed it to hottest() / leastFreeU(). */
  live(): RackSummary[];
  /** Called once per frame with the keys of the racks whose values changed; returns an unsubscribe. */
  onChange(listener: (keys: readonly string[]) => void): () => void;
  /** The model itself, for views that read the typed arrays directly (the floor plan canvas). */
  model: RackLiveModel;
  reload(): Promise<void>;
}

/** The stream filter for these racks: their points when few, else the scope's locations (filtered locally). */
export function liveFilter(scope: RackScope, racks: readonly RackSummary[], pointKeys: readonly string[]): StreamFilter {
  if (pointKeys.length <= MAX_POINT_SUBSCRIPTION) return { points: pointKeys };
  if (scope.room) return { locations: [scope.room] };
  if (scope.site) return { locations: [scope.site] };
  const rooms = [...new Set(racks.map((r) => r.roomKey ?? r.siteKey).filter((k): k is string => k !== null))];
  return rooms.length > 0 && rooms.length <= 50 ? { locations: rooms } : { points: pointKeys.slice(0, MAX_POINT_SUBSCRIPTION) };
}

/**
 * Rack summaries of `scope` kept live. Call inside a component (or another reactive owner): it loads when the
 * scope changes, subscribes to the stream, and lets go of both on cleanup. `scope` undefined = nothing loaded.
 */
export function createRackMetrics(scope: Accessor<RackScope | undefined>): RackMetrics {
  const model = new RackLiveModel();
  const [racks, setRacks] = createSignal<readonly RackSummary[]>([]);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>(undefined);
  const [version, setVersion] = createSignal(0);
  const listeners = new Set<(keys: readonly string[]) => void>();
  let pending = new Set<number>();
  let unsubscribe: (() => void) | undefined;
  let abort: AbortController | undefined;
  let generation = 0;

  const frame = createFrameScheduler(() => {
    if (pending.size === 0) return;
    const keys = [...pending].map((i) => model.racks[i]?.key).filter((k): k is string => k !== undefined);
    pending = new Set();
    setVersion((v) => v + 1);
    for (const l of [...listeners]) l(keys);
  });
  const changed = (indices: Set<number>) => {
    if (indices.size === 0) return;
    for (const i of indices) pending.add(i);
    frame.schedule();
  };

  async function load(current: RackScope | undefined): Promise<void> {
    const mine = ++generation;
    abort?.abort();
    unsubscribe?.();
    unsubscribe = undefined;
    if (!current) {
      model.load([]);
      setRacks([]);
      return;
    }
    const controller = new AbortController();
    abort = controller;
    setLoading(true);
    try {
      const { items } = await racksApi.summaries(current, controller.signal);
      if (mine !== generation) return;
      model.load(items);
      setRacks(items);
      setError(undefined);
      setVersion((v) => v + 1);
      const keys = model.pointKeys();
      if (keys.length > 0) {
        unsubscribe = subscribeLive(liveFilter(current, items, keys), {
          onSamples: (samples) => changed(model.apply(samples)),
          onResumed: () => { void load(scope()); },
        });
      }
    } catch (err) {
      if (mine !== generation || (err instanceof DOMException && err.name === 'AbortError')) return;
      setError(err);
    } finally {
      if (mine === generation) setLoading(false);
    }
  }

  createEffect(on(() => JSON.stringify(scope() ?? null), () => { void load(scope()); }));
  const staleTimer = setInterval(() => changed(model.recheck()), 30_000);
  onCleanup(() => {
    generation++;
    abort?.abort();
    unsubscribe?.();
    frame.cancel();
    clearInterval(staleTimer);
    listeners.clear();
  });

  return {
    racks, loading, error, version, model,
    powerW: (key) => { version(); return model.power(key); },
    inletC: (key) => { version(); return model.inlet(key); },
    stale: (key) => { version(); return model.isStale(key); },
    live: () => { version(); return model.snapshot(); },
    onChange: (listener) => { listeners.add(listener); return () => listeners.delete(listener); },
    reload: () => load(scope()),
  };
}
