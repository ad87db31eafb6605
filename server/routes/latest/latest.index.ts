import { listPoints, pointsByKey, type PointView } from '../../../db/queries/devices.ts';
import { latestSamples } from '../../../db/queries/samples.ts';
import { createRouter } from '../../lib/create-router.ts';
import { errorJson } from '../../lib/errors.ts';
import { getLatestRoute } from './latest.routes.ts';

export const latestRouter = createRouter().openapi(getLatestRoute, async (c) => {
  const { db } = c.get('deps');
  const { points: keys, device } = c.req.valid('query');
  if (!keys && !device) return errorJson(c, 400, 'invalid_request', 'give points=<keys> or device=<name>', { issues: [{ path: 'points', message: 'required' }] });
  let points: PointView[];
  if (keys) {
    points = await pointsByKey(db, keys);
    const unknown = keys.filter((k) => !points.some((p) => p.key === k));
    if (unknown.length) return errorJson(c, 404, 'not_found', `unknown point ${unknown.slice(0, 5).join(', ')}`, { unknown });
  } else {
    points = await listPoints(db, { device });
    if (points.length === 0) return errorJson(c, 404, 'not_found', `unknown device ${device}`);
  }
  const byId = new Map(points.map((p) => [p.id, p]));
  const rows = await latestSamples(db, points.map((p) => p.id));
  return c.json({
    items: rows.map((r) => ({ point: byId.get(r.pointId)!.key, ts: r.ts.toISOString(), value: r.value, quality: r.quality, unit: byId.get(r.pointId)!.unit })),
  }, 200);
});
