/**
 * The rooms of a site (or one room) with their cooling units, the units' key points kept live from the stream.
 * Shared by the floor plan (supply air beside each unit) and the cooling page (every key point). Values live in a
 * Map outside any reactive store; one `version` signal is bumped at most once per frame when one changed.
 */
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js';
import { floorApi, type CoolingPointName, type FloorCoolingUnit, type FloorResponse } from '../../api/floor.ts';
import type { SampleQuality } from '../../api/types.ts';
import { createFrameScheduler } from '../../charts/frameScheduler.ts';
import { subscribeLive } from '../../stores/liveStream.ts';

export interface FloorScope { site?: string; room?: string }

export interface LivePointValue { value: number | null; tsMs: number; quality: SampleQuality | null }

/** The stream takes at most this many devices in one subscription; more go by room. */
const MAX_DEVICE_SUBSCRIPTION = 400;

export interface CoolingUnitsLive {
  floor: Accessor<FloorResponse | undefined>;
  loading: Accessor<boolean>;
  error: Accessor<unknown>;
  /** Bumped (at most once per frame) when a unit's point changed; read it to re-run on changes. */
  version: Accessor<number>;
  /** Latest value of a unit's key point (tracks `version`). */
  point(unit: FloorCoolingUnit, name: CoolingPointName): LivePointValue | undefined;
  reload(): Promise<void>;
}

export function createCoolingUnitsLive(scope: Accessor<FloorScope | undefined>): CoolingUnitsLive {
  const [floor, setFloor] = createSignal<FloorResponse | undefined>();
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const [version, setVersion] = createSignal(0);
  const values = new Map<string, LivePointValue>();
  let unsubscribe: (() => void) | undefined;
  let abort: AbortController | undefined;
  let generation = 0;
  const frame = createFrameScheduler(() => setVersion((v) => v + 1));

  async function load(current: FloorScope | undefined): Promise<void> {
    const mine = ++generation;
    abort?.abort();
    unsubscribe?.();
    unsubscribe = undefined;
    if (!current) { setFloor(undefined); return; }
    const controller = new AbortController();
    abort = controller;
    setLoading(true);
    try {
      const body = await floorApi.floor(current, controller.signal);
      if (mine !== generation) return;
      values.clear();
      const units = body.rooms.flatMap((r) => r.coolingUnits);
      for (const u of units) {
        for (const p of Object.values(u.points)) {
          if (p) values.set(p.key, { value: p.value, tsMs: p.ts ? Date.parse(p.ts) : Number.NaN, quality: p.quality });
        }
      }
      setFloor(body);
      setError(undefined);
      setVersion((v) => v + 1);
      const devices = [...new Set(units.flatMap((u) => u.devices))];
      if (devices.length > 0) {
        const filter = devices.length <= MAX_DEVICE_SUBSCRIPTION ? { devices } : { locations: body.rooms.map((r) => r.key) };
        unsubscribe = subscribeLive(filter, {
          onSamples: (samples) => {
            let changed = false;
            for (const s of samples) {
              const held = values.get(s.point);
              if (!held) continue;
              const tsMs = Date.parse(s.ts);
              if (tsMs < held.tsMs) continue;
              values.set(s.point, { value: s.value, tsMs, quality: s.quality });
              changed = true;
            }
            if (changed) frame.schedule();
          },
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
  onCleanup(() => {
    generation++;
    abort?.abort();
    unsubscribe?.();
    frame.cancel();
  });

  return {
    floor, loading, error, version,
    point(unit, name) {
      version();
      const p = unit.points[name];
      return p ? values.get(p.key) : undefined;
    },
    reload: () => load(scope()),
  };
}

/** A value worth showing: measured, and of good quality. */
export function goodValue(p: LivePointValue | undefined): number | null {
  return p && p.value !== null && (p.quality === 'ok' || p.quality === null) ? p.value : null;
}
