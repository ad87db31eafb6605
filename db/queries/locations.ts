/** Locations (room → row → rack) as the live stream needs them: which devices sit at or below one. */
import type { Db } from '../client.ts';

/**
 * Names of the devices placed at any of `locationIds` or anywhere below them (a room's rows and racks), and
 * which of the ids exist at all.
 */
export async function devicesUnderLocations(db: Db, locationIds: number[]): Promise<{ devices: string[]; found: number[] }> {
  if (locationIds.length === 0) return { devices: [], found: [] };
  const rows = await db.query<{ device: string | null; root: number }>(
    `with recursive tree(id, root) as (
       select id, id from locations where id = any($1::int4[])
       union all
       select l.id, t.root from locations l join tree t on l.parent_id = t.id
     )
     select d.name as device, t.root from tree t left join devices d on d.location_id = t.id`,
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
 * Location references (a numeric id or a name) → ids. A name may match several locations (racks of different
 * rows share names): those come back in `ambiguous`; references matching nothing in `unknown`.
 */
export async function locationIdsByRef(db: Db, refs: string[]): Promise<{ ids: number[]; unknown: string[]; ambiguous: Array<{ ref: string; ids: number[] }> }> {
  if (refs.length === 0) return { ids: [], unknown: [], ambiguous: [] };
  const rows = await db.query<{ ref: string; id: number }>(
    `select r.ref, l.id from unnest($1::text[]) as r(ref)
       join locations l on case when r.ref ~ '^[0-9]{1,9}$' then l.id = r.ref::int4 else l.name = r.ref end
      order by l.id`,
    [refs],
  );
  const byRef = new Map<string, number[]>();
  for (const r of rows) byRef.set(r.ref, [...(byRef.get(r.ref) ?? []), Number(r.id)]);
  const ids = new Set<number>();
  const unknown: string[] = [];
  const ambiguous: Array<{ ref: string; ids: number[] }> = [];
  for (const ref of refs) {
    const found = byRef.get(ref) ?? [];
    if (found.length === 0) unknown.push(ref);
    else if (found.length > 1) ambiguous.push({ ref, ids: found });
    else ids.add(found[0]);
  }
  return { ids: [...ids], unknown, ambiguous };
}
