/**
 * GET /api/v1/floor through the real app and embedded database: a generated two-room site written through the
 * CMDB import path, its cooling units' points fed through the real ingest route with a collector token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSite } from '../../../firmware-sims/site/spec.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { applyPlan } from '../../domain/cmdb/apply.ts';
import { sitePlan } from '../../domain/cmdb/site-plan.ts';

let t: TestApp;
// Eleven rooms of six racks, rows of three, one CRAC per row (r2 comes before r10).
const spec = generateSite({ racks: 66, racksPerRow: 3, maxRacksPerRoom: 6, seed: 3 });
const crac = spec.cracs[0];
const ts = new Date(Date.now() - 5_000).toISOString();

beforeAll(async () => {
  t = await createTestApp();
  const result = await applyPlan(t.db, sitePlan(spec, { siteKey: 'dc1' }), { actor: 'test', mode: 'all-or-nothing' });
  expect(result.issues).toEqual([]);
  const metrics = [
    ['supply_air.temperature', 'degC', 'crac.supply_air.temperature', 17.5],
    ['return_air.temperature', 'degC', 'crac.return_air.temperature', 29.1],
    ['return_air.humidity', '%RH', 'crac.return_air.humidity', 44],
    ['fan.speed', '%', 'crac.fan.speed', 62],
    ['cooling.capacity', '%', 'crac.cooling.capacity', 55],
    ['system.operating_state', '', 'crac.operating_state', 1],
  ] as const;
  const res = await t.call('/api/v1/ingest', {
    method: 'POST', token: t.tokens.collector,
    json: {
      batchId: crypto.randomUUID(), collector: 'collector-1',
      devices: [{ name: crac.id, kind: 'crac', protocol: 'modbus', profile: 'liebert-icom' }],
      points: metrics.map(([metric, unit, role]) => ({
        key: `${crac.id}/${metric}`, device: crac.id, metric, unit, kind: 'gauge', role,
        ...(metric === 'system.operating_state' ? { states: { 0: 'off', 1: 'on', 2: 'standby' } } : {}),
      })),
      samples: metrics.map(([metric, , , value]) => ({ point: `${crac.id}/${metric}`, ts, value, quality: 'ok' })),
    },
  });
  expect(res.status, await res.clone().text()).toBe(200);
}, 60_000);
afterAll(async () => { await t?.close(); });

describe('GET /api/v1/floor', () => {
  it('lists the rooms of a site with their grid, rows and CRACs with their latest supply air, capacity and fan', async () => {
    const res = await t.call('/api/v1/floor?site=dc1');
    expect(res.status).toBe(200);
    const body = await res.json() as any;
    expect(body.site).toEqual({ key: 'dc1', name: spec.name });
    expect(body.rooms.map((r: any) => r.key)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9', 'r10', 'r11']);
    const room = body.rooms[0];
    expect(room).toMatchObject({ name: 'Room 1', gridColumns: 7, gridRows: 8, tileMm: 600 });
    expect(room.rows).toEqual([
      { key: 'r1-a', name: 'Row A', gridRow: 1, aisle: 'cold' },
      { key: 'r1-b', name: 'Row B', gridRow: 4, aisle: 'cold' },
    ]);
    expect(room.coolingUnits.map((u: any) => u.key)).toEqual(spec.cracs.filter((c) => c.room === 'r1').map((c) => c.id));
    const unit = room.coolingUnits.find((u: any) => u.key === crac.id);
    expect(unit).toMatchObject({ type: 'crac', gridX: 0, gridY: 1, coolingKw: crac.ratedCoolingW / 1000, devices: [crac.id], rowKey: null });
    expect(unit.points.supplyAirC).toMatchObject({ key: `${crac.id}/supply_air.temperature`, unit: 'degC', value: 17.5, ts, quality: 'ok' });
    expect(unit.points.returnAirC.value).toBe(29.1);
    expect(unit.points.returnHumidityPct.value).toBe(44);
    expect(unit.points.fanSpeedPct.value).toBe(62);
    expect(unit.points.coolingCapacityPct.value).toBe(55);
    expect(unit.points.operatingState).toMatchObject({ value: 1, states: { 1: 'on' } });
    expect(unit.points.status).toBeNull(); // its device reports no status point
    // A CRAC whose device never reported: known, without values.
    const silent = room.coolingUnits.find((u: any) => u.key !== crac.id);
    expect(Object.values(silent.points).every((p) => p === null)).toBe(true);
  });

  it('one room by key, with the site it stands in; viewers may read it', async () => {
    const res = await t.call('/api/v1/floor?room=r2', { token: t.tokens.viewer });
    expect(res.status).toBe(200);
    const body = await res.json() as any;
    expect(body.site.key).toBe('dc1');
    expect(body.rooms.map((r: any) => r.key)).toEqual(['r2']);
    expect(body.rooms[0].coolingUnits.every((u: any) => u.key.startsWith('crac-r2-'))).toBe(true);
  });

  it('an unknown site or room is 404, a rack given as room is 404, no site or room is 400', async () => {
    for (const q of ['site=nowhere', 'room=nowhere', 'room=r1-a01', 'site=r1', 'site=dc1&room=nope']) {
      const res = await t.call(`/api/v1/floor?${q}`);
      expect(res.status, q).toBe(404);
      expect((await res.json() as any).error.code).toBe('not_found');
    }
    const res = await t.call('/api/v1/floor');
    expect(res.status).toBe(400);
    expect((await res.json() as any).error.message).toMatch(/site or room/);
  });

  it('needs a signed-in reader: 401 without a token, 403 for a collector token', async () => {
    const anonymous = await t.call('/api/v1/floor?site=dc1', { token: null });
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json() as any).error.code).toBe('unauthorized');
    const collector = await t.call('/api/v1/floor?site=dc1', { token: t.tokens.collector });
    expect(collector.status).toBe(403);
  });
});
