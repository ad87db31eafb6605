/**
 * Latest value of each point shown on the rack elevation, kept outside reactive stores: a Map updated by the
 * stream and one `version` signal bumped at most once per frame, which the views read to re-render.
 */
import { createSignal } from 'solid-js';
import type { StreamSample } from '../../api/types.ts';
import { createFrameScheduler } from '../../charts/frameScheduler.ts';

export interface PointValue { value: number | null; tsMs: number; quality: string | null }

export interface LivePointValues {
  /** Forget everything and start from these (known points only are tracked afterwards). */
  seed(points: Iterable<{ key: string; value: number | null; ts: string | null; quality: string | null }>): void;
  apply(samples: readonly StreamSample[]): void;
  get(key: string): PointValue | undefined;
  /** Sum of the valid latest values of `keys`; null when none has one. */
  sum(keys: readonly string[]): number | null;
  version(): number;
  dispose(): void;
}

export function createLivePointValues(): LivePointValues {
  const values = new Map<string, PointValue>();
  const [version, setVersion] = createSignal(0);
  const frame = createFrameScheduler(() => setVersion((v) => v + 1));
  return {
    seed(points) {
      values.clear();
      for (const p of points) values.set(p.key, { value: p.value, tsMs: p.ts ? Date.parse(p.ts) : Number.NaN, quality: p.quality });
      setVersion((v) => v + 1);
    },
    apply(samples) {
      let changed = false;
      for (const s of samples) {
        const held = values.get(s.point);
        if (!held) continue;
        const tsMs = Date.parse(s.ts);
        if (tsMs < held.tsMs) continue;
        values.set(s.point, { value: s.quality === 'ok' ? s.value : null, tsMs, quality: s.quality });
        changed = true;
      }
      if (changed) frame.schedule();
    },
    get(key) {
      version();
      return values.get(key);
    },
    sum(keys) {
      version();
      let total: number | null = null;
      for (const k of keys) {
        const v = values.get(k)?.value;
        if (v !== null && v !== undefined) total = (total ?? 0) + v;
      }
      return total;
    },
    version,
    dispose: () => frame.cancel(),
  };
}
