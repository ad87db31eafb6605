import { pointsByKey } from '../../../db/queries/devices.ts';
import { bucketedSeries, countSamples, rawSeries } from '../../../db/queries/samples.ts';
import { createRouter } from '../../lib/create-router.ts';
import { errorJson } from '../../lib/errors.ts';
import { getSeriesRoute } from './series.routes.ts';

const MAX_RANGE_MS = 10 * 366 * 86_400_000;

export const seriesRouter = createRouter().openapi(getSeriesRoute, async (c) => {
  const { db } = c.get('deps');
  const q = c.req.valid('query');
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 3_600_000);
  if (!(from < to)) return errorJson(c, 400, 'invalid_request', 'from must be before to', { issues: [{ path: 'from', message: 'must be before to' }] });
  if (to.getTime() - from.getTime() > MAX_RANGE_MS) return errorJson(c, 400, 'invalid_request', 'range longer than 10 years', { issues: [{ path: 'from', message: 'range too long' }] });
  const points = await pointsByKey(db, q.points);
  const unknown = q.points.filter((k) => !points.some((p) => p.key === k));
  if (unknown.length) return errorJson(c, 404, 'not_found', `unknown point ${unknown.slice(0, 5).join(', ')}`, { unknown });

  const maxSamples = 2 * q.width;
  const counts = await countSamples(db, points.map((p) => p.id), from, to);
  const bucketSeconds = Math.max(1, Math.ceil((to.getTime() - from.getTime()) / 1000 / maxSamples));
  const items = [];
  for (const key of q.points) {
    const p = points.find((x) => x.key === key)!;
    const raw = (counts.get(p.id) ?? 0) <= maxSamples;
    const samples = raw ? await rawSeries(db, p.id, from, to, maxSamples) : await bucketedSeries(db, p.id, from, to, bucketSeconds);
    items.push({
      point: p.key, unit: p.unit, resolution: raw ? 'raw' : `${bucketSeconds}s`,
      samples: samples.map((s) => ({ ts: s.ts.toISOString(), value: s.value, ...(raw ? {} : { min: s.min ?? null, max: s.max ?? null }) })),
    });
  }
  return c.json({ from: from.toISOString(), to: to.toISOString(), items }, 200);
});
