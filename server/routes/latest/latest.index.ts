import { pointsByKey } from '../../../db/queries/devices.ts';
import { latestSamples } from '../../../db/queries/samples.ts';
import { deviceExists } from '../../../db/queries/devices.ts';
import { findLocations, latestByDevice, latestByLocation, type LatestPointRow } from '../../../db/queries/series.ts';
import { createRouter } from '../../lib/create-router.ts';
import { errorJson } from '../../lib/errors.ts';
import { getLatestRoute } from './latest.routes.ts';

export const latestRouter = createRouter().openapi(getLatestRoute, async (c) => {
  const { db } = c.get('deps');
  const { points: keys, device, location } = c.req.valid('query');
  const given = [keys, device, location].filter((x) => x !== undefined).length;
  if (given !== 1) {
    return errorJson(c, 400, 'invalid_request', 'give exactly one of points=<keys>, device=<name> or location=<id|name>',
      { issues: [{ path: 'points', message: given ? 'only one of points, device, location' : 'required' }] });
  }
  let rows: LatestPointRow[];
  if (keys) {
    const points = await pointsByKey(db, keys);
    const unknown = keys.filter((k) => !points.some((p) => p.key === k));
    if (unknown.length) return errorJson(c, 404, 'not_found', `unknown point ${unknown.slice(0, 5).join(', ')}`, { unknown });
    const byId = new Map(points.map((p) => [p.id, p]));
    rows = (await latestSamples(db, points.map((p) => p.id))).map((r) => ({ ...r, key: byId.get(r.pointId)!.key, unit: byId.get(r.pointId)!.unit }));
  } else if (device) {
    rows = await latestByDevice(db, device);
    if (rows.length === 0 && !(await deviceExists(db, device))) return errorJson(c, 404, 'not_found', `unknown device ${device}`);
  } else {
    const matches = await findLocations(db, location!);
    if (matches.length === 0) return errorJson(c, 404, 'not_found', `unknown location ${location}`);
    if (matches.length > 1) {
      return errorJson(c, 400, 'invalid_request', `location name ${location} is ambiguous; give its id`,
        { issues: [{ path: 'location', message: 'ambiguous name' }], candidates: matches });
    }
    rows = await latestByLocation(db, matches[0].id);
  }
  return c.json({
    items: rows.map((r) => ({ point: r.key, ts: r.ts.toISOString(), value: r.value, quality: r.quality, unit: r.unit })),
  }, 200);
});
