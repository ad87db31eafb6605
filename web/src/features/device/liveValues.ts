/**
 * Latest value of each point on a device or point page, kept current from the live stream. A keyed
 * store: one live sample touches only the row of its point. Local to the page (not the UPS page's store),
 * so two pages never fight over one device.
 */
import { batch } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import type { LatestSample, SampleQuality, StreamSample } from '../../api/types.ts';

export interface LiveValue {
  tsMs: number;
  value: number | null;
  quality: SampleQuality;
}

export function createLiveValues() {
  const [latest, setLatest] = createStore<Record<string, LiveValue | undefined>>({});
  return {
    latest,
    /** Values from GET /latest; a newer live value already shown is kept. */
    load(samples: readonly LatestSample[]) {
      const next: Record<string, LiveValue> = {};
      for (const s of samples) next[s.point] = { tsMs: Date.parse(s.ts), value: s.value, quality: s.quality };
      for (const [key, value] of Object.entries(latest)) {
        if (value && (!next[key] || next[key].tsMs < value.tsMs)) next[key] = value;
      }
      setLatest(reconcile(next));
    },
    /** Live samples; an older sample never overwrites a newer one. */
    apply(samples: readonly StreamSample[], accept: (point: string) => boolean) {
      batch(() => {
        for (const sample of samples) {
          if (!accept(sample.point)) continue;
          const tsMs = Date.parse(sample.ts);
          const current = latest[sample.point];
          if (current && current.tsMs > tsMs) continue;
          setLatest(sample.point, { tsMs, value: sample.value, quality: sample.quality });
        }
      });
    },
  };
}

export type LiveValues = ReturnType<typeof createLiveValues>;
