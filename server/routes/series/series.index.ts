import { pointsByKey } from '../../../db/queries/devices.ts';
import { rawBuckets, rawSamples, rollupBuckets, type SeriesBucket } from '../../../db/queries/series.ts';
import { aggregateValue, MAX_RAW_RANGE_MS, planSeries, type SeriesAgg } from '../../domain/series/resolution.ts';
import { createRouter } from '../../lib/create-router.ts';
import { errorJson } from '../../lib/errors.ts';
import { getSeriesRoute } from './series.routes.ts';

const MAX_RANGE_MS = 10 * 366 * 86_400_000;

const bucketSample = (agg: SeriesAgg) => (b: SeriesBucket) =>
  ({ ts: b.ts.toISOString(), value: aggregateValue(agg, b), min: b.min, max: b.max, n: b.n });

export const seriesRouter = createRouter().openapi(getSeriesRoute, async (c) => {
  const { db } = c.get('deps');
  const q = c.req.valid('query');
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 3_600_000);
  if (!(from < to)) return errorJson(c, 400, 'invalid_request', 'from must be before to', { issues: [{ path: 'from', message: 'must be before to' }] });
  const rangeMs = to.getTime() - from.getTime();
  if (rangeMs > MAX_RANGE_MS) return errorJson(c, 400, 'invalid_request', 'range longer than 10 years', { issues: [{ path: 'from', message: 'range too long' }] });
  if (q.resolution === 'raw' && rangeMs > MAX_RAW_RANGE_MS) {
    return errorJson(c, 400, 'invalid_request', 'resolution=raw reads at most 7 days; use auto or a rollup resolution', { issues: [{ path: 'resolution', message: 'range too long for raw' }] });
  }
  const points = await pointsByKey(db, q.points);
  const unknown = q.points.filter((k) => !points.some((p) => p.key === k));
  if (unknown.length) return errorJson(c, 404, 'not_found', `unknown point ${unknown.slice(0, 5).join(', ')}`, { unknown });
  const ordered = q.points.map((key) => points.find((p) => p.key === key)!);
  const ids = ordered.map((p) => p.id);

  const maxSamples = 2 * q.width;
  const plan = planSeries({ fromMs: from.getTime(), toMs: to.getTime(), width: q.width, resolution: q.resolution, agg: q.agg, pointCount: ids.length });
  const items = [];
  if (plan.source === 'raw') {
    // One more than fits tells us which points need bucketing; only those are read again, bucketed.
    const raw = await rawSamples(db, ids, from, to, maxSamples + 1);
    const overflow = ids.filter((id) => raw.get(id)!.length > maxSamples);
    const bucketed = overflow.length ? await rawBuckets(db, overflow, from, to, plan.bucketSeconds) : new Map<number, SeriesBucket[]>();
    for (const p of ordered) {
      const buckets = bucketed.get(p.id);
      items.push(buckets
        ? { point: p.key, unit: p.unit, resolution: `${plan.bucketSeconds}s`, source: 'raw' as const, agg: q.agg, samples: buckets.map(bucketSample(q.agg)) }
        : { point: p.key, unit: p.unit, resolution: 'raw', source: 'raw' as const, agg: null, samples: raw.get(p.id)!.map((s) => ({ ts: s.ts.toISOString(), value: s.value })) });
    }
  } else {
    const rollups = await rollupBuckets(db, plan.source, ids, from, to, plan.bucketSeconds);
    for (const p of ordered) {
      items.push({
        point: p.key, unit: p.unit, resolution: `${plan.bucketSeconds}s`, source: plan.source, agg: q.agg,
        samples: rollups.get(p.id)!.map(bucketSample(q.agg)),
      });
    }
  }
  return c.json({ from: from.toISOString(), to: to.toISOString(), items }, 200);
});
