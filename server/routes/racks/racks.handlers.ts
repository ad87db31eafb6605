import type { Context } from 'hono';
import { ciHeads } from '../../../db/queries/cmdb.ts';
import { rackElevation, RackNotFoundError } from '../../domain/racks/elevation.ts';
import { rackSummaries } from '../../domain/racks/summary.ts';
import type { AppEnv } from '../../lib/context.ts';
import { errorJson } from '../../lib/errors.ts';

type C = Context<AppEnv, any, any>;

export async function handleListRacks(c: C) {
  const { db } = c.get('deps');
  const { site, room, racks } = c.req.valid('query') as { site?: string; room?: string; racks?: string[] };
  const wanted: Array<[string | undefined, string]> = [[site, 'site'], [room, 'room']];
  const given = wanted.filter(([k]) => k !== undefined) as Array<[string, string]>;
  if (given.length > 0) {
    const heads = await ciHeads(db, given.map(([k]) => k));
    for (const [key, type] of given) {
      const head = heads.get(key);
      if (!head) return errorJson(c, 404, 'not_found', `unknown ${type} ${key}`);
      if (head.type !== type) {
        return errorJson(c, 400, 'invalid_request', `${key} is a ${head.type}, not a ${type}`, { issues: [{ path: type, message: `not a ${type}` }] });
      }
    }
  }
  return c.json({ items: await rackSummaries(db, { site, room, racks }) }, 200);
}

export async function handleRackElevation(c: C) {
  const { db } = c.get('deps');
  const { key } = c.req.valid('param') as { key: string };
  try {
    return c.json(await rackElevation(db, key), 200);
  } catch (err) {
    if (err instanceof RackNotFoundError) return errorJson(c, 404, 'not_found', err.message);
    throw err;
  }
}
