/**
 * Points of the device on screen and the latest sample of each. The point list is reconciled by key;
 * latest samples are a keyed record so one SSE message only touches the rows it names.
 */
import { batch } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { api } from '../api/client.ts';
import type { Point, SampleQuality, StreamSample } from '../api/types.ts';

export interface LatestValue {
  tsMs: number;
  value: number | null;
  quality: SampleQuality;
}

interface DevicePointsState {
  device: string | undefined;
  points: Point[];
  latest: Record<string, LatestValue | undefined>;
  loaded: boolean;
}

const [devicePoints, setDevicePoints] = createStore<DevicePointsState>({
  device: undefined, points: [], latest: {}, loaded: false,
});
export { devicePoints };

export async function loadDevicePoints(device: string, signal?: AbortSignal): Promise<void> {
  const pointList = await api.listPoints(device, signal);
  const points = [...pointList.items].sort((a, b) => a.metric.localeCompare(b.metric, undefined, { numeric: true }));
  const latest = points.length > 0 ? await api.latest(points.map((p) => p.key), signal) : { items: [] };
  const latestByPoint: Record<string, LatestValue> = {};
  for (const sample of latest.items) {
    latestByPoint[sample.point] = { tsMs: Date.parse(sample.ts), value: sample.value, quality: sample.quality };
  }
  batch(() => {
    if (devicePoints.device !== device) setDevicePoints('latest', reconcile({}));
    setDevicePoints('device', device);
    setDevicePoints('points', reconcile(points, { key: 'key' }));
    setDevicePoints('latest', reconcile(latestByPoint));
    setDevicePoints('loaded', true);
  });
}

/** Applies live samples; an older sample never overwrites a newer one. */
export function applyLiveSamples(samples: readonly StreamSample[]): void {
  batch(() => {
    for (const sample of samples) {
      const tsMs = Date.parse(sample.ts);
      const current = devicePoints.latest[sample.point];
      if (current && current.tsMs > tsMs) continue;
      setDevicePoints('latest', sample.point, { tsMs, value: sample.value, quality: sample.quality });
    }
  });
}

export function resetDevicePoints(): void {
  setDevicePoints({ device: undefined, points: [], latest: {}, loaded: false });
}
