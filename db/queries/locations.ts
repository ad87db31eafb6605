/**
 * Locations as the live stream and the latest-values API need them: a location is any configuration item of
 * the CMDB (a site, room, row, rack — or a UPS), and the devices "at" it are the collector devices of it and
 * of every CI located below it.
 */
import type { Db } from '../client.ts';

/**
 * Names of the collector devices of the CIs `locationIds` (CI ids) and of every CI located below them, and which of
 * the ids exist at all.
 */
export async function devicesUnderLocations(db: Db, locationIds: number[]): Promise<{ devices: string[]; found: number[] }> {
  if (locationIds.length === 0) return { devices: [], found: [] };
  const rows = await db.query<{ device: string | null; root: number }>(
    `with recursive tree(id, root) as (
       select id, id from cis where id = any($1::int4[])
       union all
       select c.id, t.root from cis c join tree t on c.parent_id = t.id
     )
     select d.device, t.root from tree t left join ci_devices d on d.ci_id = t.id`,
    [locationIds],
  );
  const devices = new Set<string>();
  const found = new Set<number>();
  for (const r of rows) {
    found.add(Number(r.root));
    if (r.device) devices.add(r.device);
  }
  return { devices: [...devices], found: [...found] };
}

/**
 * Location references → CI ids: a numeric id, a CI key, or a CI name. A name may match several CIs (racks of
 * different rows share names): those come back in `ambiguous`; references matching nothing in `unknown`.
 */
export async function locationIdsByRef(db: Db, refs: string[]): Promise<{ ids: number[]; unknown: string[]; ambiguous: Array<{ ref: string; ids: number[] }> }> {
  if (refs.length === 0) return { ids: [], unknown: [], ambiguous: [] };
  const rows = await db.query<{ ref: string; id: number; by_key: boolean }>(
    `select r.ref, c.id, (c.key = r.ref) as by_key from unnest($1::text[]) as r(ref)
       join cis c on case when r.ref ~ '^[0-9]{1,9}$' then c.id = r.ref::int4 else c.key = r.ref or c.name = r.ref end
      order by c.id`,
    [refs],
  );
  const byRef = new Map<string, Array<{ id: number; byKey: boolean }>>();
  for (const r of rows) byRef.set(r.ref, [...(byRef.get(r.ref) ?? []), { id: Number(r.id), byKey: Boolean(r.by_key) }]);
  const ids = new Set<number>();
  const unknown: string[] = [];
  const ambiguous: Array<{ ref: string; ids: number[] }> = [];
  for (const ref of refs) {
    const found = byRef.get(ref) ?? [];
    // A key is unique and wins over names that happen to equal it.
    const exact = found.filter((f) => f.byKey);
    const matches = exact.length > 0 ? exact : found;
    if (matches.length === 0) unknown.push(ref);
    else if (matches.length > 1) ambiguous.push({ ref, ids: matches.map((m) => m.id) });
    else ids.add(matches[0].id);
  }
  return { ids: [...ids], unknown, ambiguous };
}
