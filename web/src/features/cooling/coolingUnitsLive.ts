/**
 * The rooms of a site (or one room) with their cooling units, the units' key points kept live from the stream.
 * Shared by the floor plan (supply air beside each unit) and the cooling page (every key point). Values live in the
 * shared latest-value store (web/src/stores/latestValues.ts); this file adds the scope: which units, which stream.
 */
import { createEffect, createSignal, on, onCleanup, type Accessor } from 'solid-js';
import { floorApi, type CoolingPointName, type FloorCoolingUnit, type FloorResponse } from '../../api/floor.ts';
import { createLatestValues, type LatestValue } from '../../stores/latestValues.ts';

export interface FloorScope { site?: string; room?: string }

export type LivePointValue = Pick<LatestValue, 'value' | 'tsMs' | 'quality'>;

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
  const live = createLatestValues();
  let abort: AbortController | undefined;
  let generation = 0;

  async function load(current: FloorScope | undefined): Promise<void> {
    const mine = ++generation;
    abort?.abort();
    live.unfollow();
    if (!current) { setFloor(undefined); return; }
    const controller = new AbortController();
    abort = controller;
    setLoading(true);
    try {
      const body = await floorApi.floor(current, controller.signal);
      if (mine !== generation) return;
      const units = body.rooms.flatMap((r) => r.coolingUnits);
      live.seed(units.flatMap((u) => Object.values(u.points).flatMap((p) => (p ? [p] : []))));
      setFloor(body);
      setError(undefined);
      const devices = [...new Set(units.flatMap((u) => u.devices))];
      if (devices.length > 0) {
        const filter = devices.length <= MAX_DEVICE_SUBSCRIPTION ? { devices } : { locations: body.rooms.map((r) => r.key) };
        live.follow(filter, { onResumed: () => { void load(scope()); } });
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
  });

  return {
    floor, loading, error, version: live.version,
    point(unit, name) {
      const p = unit.points[name];
      return p ? live.get(p.key) : undefined;
    },
    reload: () => load(scope()),
  };
}

/** A value worth showing: measured, and of good quality. */
export function goodValue(p: LivePointValue | undefined): number | null {
  return p && p.value !== null && (p.quality === 'ok' || p.quality === null) ? p.value : null;
}
