/**
 * GET /api/v1/racks and /api/v1/racks/{key}/elevation on the real app and database: a small CMDB (site →
 * rooms → row → racks with PDUs, a sensor, servers on outlets, feeds) and samples ingested through the ingest
 * API, so every number is checked against a value we sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';
import { applyPlan } from '../../domain/cmdb/apply.ts';
import { STARTER_MODELS } from '../../domain/cmdb/starter-models.ts';
import { rackSummaries } from '../../domain/racks/summary.ts';
import type { RackSummary } from '../../domain/racks/types.ts';

let t: TestApp;
const NOW = Date.now();
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

type PointSpec = { metric: string; unit: string; role?: string; states?: Record<string, string>; description?: string };
function batch(device: string, kind: string, profile: string, specs: PointSpec[], samples: Array<[string, number, number | null, string?]>) {
  return {
    batchId: crypto.randomUUID(),
    collector: 'collector-1',
    devices: [{ name: device, kind, protocol: 'snmp', address: '127.0.0.1:161', profile }],
    points: specs.map((p) => ({ key: `${device}/${p.metric}`, device, metric: p.metric, unit: p.unit, kind: 'gauge', role: p.role, states: p.states, description: p.description })),
    samples: samples.map(([metric, secondsAgo, value, quality]) => ({ point: `${device}/${metric}`, ts: ago(secondsAgo), value, quality: quality ?? 'ok' })),
  };
}

const PDU_POINTS: PointSpec[] = [
  { metric: 'inlet.1.power', unit: 'W', role: 'pdu.inlet.power' },
  { metric: 'inlet.1.apparent_power', unit: 'VA', role: 'pdu.inlet.apparent_power' },
  { metric: 'outlet.1.power', unit: 'W', role: 'pdu.outlet.power' },
  { metric: 'outlet.2.power', unit: 'W', role: 'pdu.outlet.power' },
  { metric: 'outlet.1.state', unit: '', role: 'pdu.outlet.state', states: { 7: 'on', 8: 'off' } },
  { metric: 'outlet.2.state', unit: '', role: 'pdu.outlet.state', states: { 7: 'on', 8: 'off' } },
];
const SENSOR_POINTS: PointSpec[] = [
  { metric: 'inlet.top.temperature', unit: 'degC' },
  { metric: 'inlet.middle.temperature', unit: 'degC' },
  { metric: 'inlet.bottom.temperature', unit: 'degC' },
  { metric: 'outlet.temperature', unit: 'degC' },
];

async function ingest(body: unknown) {
  const res = await t.call('/api/v1/ingest', { method: 'POST', json: body, token: t.tokens.collector });
  expect(res.status, await res.clone().text()).toBe(200);
}

beforeAll(async () => {
  t = await createTestApp();
  const result = await applyPlan(t.db, {
    source: 'test', models: STARTER_MODELS,
    cis: [
      { key: 's1', type: 'site', name: 'Site 1' },
      { key: 'b1', type: 'building', name: 'Building 1', parent: 's1' },
      { key: 'hall-a', type: 'room', name: 'Hall A', parent: 'b1' },
      { key: 'hall-b', type: 'room', name: 'Hall B', parent: 'b1' },
      { key: 'row-1', type: 'row', name: 'Row 1', parent: 'hall-a' },
      { key: 'pdp-1', type: 'panel', name: 'Panel 1', parent: 'b1' },
      { key: 'rk1', type: 'rack', name: 'Rack 1', parent: 'row-1', model: 'apc/ar3300', attributes: { uHeight: 42, maxKw: 5, gridX: 2, gridY: 1 } },
      { key: 'rk2', type: 'rack', name: 'Rack 2', parent: 'row-1', attributes: { uHeight: 24, gridX: 3, gridY: 1 } },
      { key: 'rk3', type: 'rack', name: 'Rack 3', parent: 'hall-b', attributes: { uHeight: 42, maxKw: 8, descendingUnits: true } },
      { key: 'feed-rk1-a', type: 'feed', name: 'Feed A', parent: 'rk1', attributes: { side: 'A', voltageV: 230, ratedA: 16, maxUtilization: 0.8 } },
      { key: 'feed-rk1-b', type: 'feed', name: 'Feed B', parent: 'rk1', attributes: { side: 'B', voltageV: 230, ratedA: 16 } },
      { key: 'rk1-pdu-a', type: 'pdu', name: 'PDU A', parent: 'rk1', model: 'raritan/px3-5493v', devices: ['rk1-pdu-a'], face: 'rear' },
      { key: 'rk1-pdu-b', type: 'pdu', name: 'PDU B', parent: 'rk1', model: 'raritan/px3-5493v', devices: ['rk1-pdu-b'], face: 'rear' },
      { key: 'rk1-sensor', type: 'sensor', name: 'Sensor 1', parent: 'rk1', model: 'kiban/rack-env-sensor', devices: ['rk1-sensor'], face: 'front' },
      { key: 'srv1', type: 'server', name: 'web-01', parent: 'rk1', model: 'dell/poweredge-r650', positionU: 2, face: 'front' },
      { key: 'srv2', type: 'server', name: 'db-01', parent: 'rk1', model: 'dell/poweredge-r750', positionU: 10, face: 'front' },
      { key: 'sw1', type: 'switch', name: 'tor-01', parent: 'rk1', model: 'cisco/nexus-93180yc-fx', positionU: 42, face: 'rear' },
      { key: 'rk3-sensor', type: 'sensor', name: 'Sensor 3', parent: 'rk3', devices: ['rk3-sensor'] },
    ],
    relations: [
      { kind: 'powered_by', from: 'feed-rk1-a', to: 'pdp-1' },
      { kind: 'powered_by', from: 'rk1', to: 'feed-rk1-a', feed: 'A' },
      { kind: 'powered_by', from: 'rk1', to: 'feed-rk1-b', feed: 'B' },
      { kind: 'powered_by', from: 'rk1-pdu-a', to: 'feed-rk1-a', feed: 'A' },
      { kind: 'powered_by', from: 'rk1-pdu-b', to: 'feed-rk1-b', feed: 'B' },
      { kind: 'powered_by', from: 'srv1', to: 'rk1-pdu-a', feed: 'A', port: '1' },
      { kind: 'powered_by', from: 'srv1', to: 'rk1-pdu-b', feed: 'B', port: '1' },
      { kind: 'powered_by', from: 'srv2', to: 'rk1-pdu-a', feed: 'A', port: '2' },
      { kind: 'powered_by', from: 'srv2', to: 'rk1-pdu-b', feed: 'B', port: '2' },
      { kind: 'monitored_by', from: 'rk1', to: 'rk1-sensor' },
    ],
  }, { actor: 'test', mode: 'all-or-nothing' });
  expect(result.created).toBeGreaterThan(10);

  // PDU A: inlet 1,200 W then 1,500 W (latest); apparent power must not count. PDU B: 900 W. Sum 2,400 W.
  await ingest(batch('rk1-pdu-a', 'pdu', 'raritan-px2', PDU_POINTS, [
    ['inlet.1.power', 60, 1200], ['inlet.1.power', 5, 1500], ['inlet.1.apparent_power', 5, 1650],
    ['outlet.1.power', 5, 180], ['outlet.2.power', 5, 410], ['outlet.1.state', 5, 7], ['outlet.2.state', 5, 7],
  ]));
  await ingest(batch('rk1-pdu-b', 'pdu', 'raritan-px2', PDU_POINTS, [
    ['inlet.1.power', 5, 900], ['outlet.1.power', 5, 170], ['outlet.2.power', 5, 395], ['outlet.1.state', 5, 7], ['outlet.2.state', 5, 8],
  ]));
  // Inlets 22.5 / 24.1 / 23.0 °C: the hottest is 24.1. The 35 °C exhaust (outlet.temperature) is not an inlet.
  await ingest(batch('rk1-sensor', 'sensor', 'kiban-rack-env-json', SENSOR_POINTS, [
    ['inlet.top.temperature', 5, 24.1], ['inlet.middle.temperature', 5, 23.0], ['inlet.bottom.temperature', 5, 22.5], ['outlet.temperature', 5, 35],
  ]));
  // Rack 3's sensor lost communication: its latest sample carries no value.
  await ingest(batch('rk3-sensor', 'sensor', 'kiban-rack-env-json', SENSOR_POINTS.slice(0, 1), [
    ['inlet.top.temperature', 120, 21.0], ['inlet.top.temperature', 5, null, 'comm_loss'],
  ]));
});
afterAll(async () => { await t?.close(); });

async function list(query = '', token?: string | null) {
  const res = await t.call(`/api/v1/racks${query}`, token === undefined ? {} : { token });
  return { status: res.status, body: await res.json() as any };
}
const byKey = (items: RackSummary[]) => new Map(items.map((r) => [r.key, r]));

describe('GET /api/v1/racks', () => {
  it('sums the latest PDU inlet power, takes the hottest inlet, counts used U', async () => {
    const { status, body } = await list('?site=s1', t.tokens.viewer);
    expect(status).toBe(200);
    const racks = byKey(body.items);
    expect([...racks.keys()]).toEqual(['rk1', 'rk2', 'rk3']);
    const rk1 = racks.get('rk1')!;
    expect(rk1).toMatchObject({
      name: 'Rack 1', siteKey: 's1', roomKey: 'hall-a', rowKey: 'row-1', gridX: 2, gridY: 1,
      uHeight: 42, usedU: 4, freeU: 38, maxKw: 5, powerW: 2400, inletC: 24.1, stale: false,
    });
    expect(rk1.points.power.sort()).toEqual(['rk1-pdu-a/inlet.1.power', 'rk1-pdu-b/inlet.1.power']);
    expect(rk1.points.inlet.sort()).toEqual(['rk1-sensor/inlet.bottom.temperature', 'rk1-sensor/inlet.middle.temperature', 'rk1-sensor/inlet.top.temperature']);
    expect(Date.parse(rk1.measuredAt!)).toBeGreaterThan(NOW - 10_000);
  });

  it('an empty rack has all its U free and no readings; a rack whose sensor lost contact is stale', async () => {
    const racks = byKey((await list()).body.items);
    expect(racks.get('rk2')).toMatchObject({ uHeight: 24, usedU: 0, freeU: 24, powerW: null, inletC: null, maxKw: null, stale: false, points: { power: [], inlet: [] } });
    expect(racks.get('rk3')).toMatchObject({ roomKey: 'hall-b', rowKey: null, inletC: null, stale: true, points: { power: [], inlet: ['rk3-sensor/inlet.top.temperature'] } });
  });

  it('filters by room and by rack list', async () => {
    expect((await list('?room=hall-b')).body.items.map((r: RackSummary) => r.key)).toEqual(['rk3']);
    expect((await list('?racks=rk2,rk3')).body.items.map((r: RackSummary) => r.key)).toEqual(['rk2', 'rk3']);
    expect((await list('?site=s1&room=hall-a')).body.items.map((r: RackSummary) => r.key)).toEqual(['rk1', 'rk2']);
  });

  it('old samples make a rack stale but keep their value', async () => {
    const [rk1] = await rackSummaries(t.db, { racks: ['rk1'] }, { now: new Date(NOW + 3_600_000) });
    expect(rk1).toMatchObject({ powerW: 2400, inletC: 24.1, stale: true });
  });

  it('unknown site or room is 404, a key of the wrong type or a malformed key is 400', async () => {
    const unknown = await list('?site=nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('nowhere');
    expect((await list('?room=nowhere')).status).toBe(404);
    const wrongType = await list('?site=hall-a');
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error.message).toContain('room');
    const malformed = await list('?room=%20bad%20key');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.issues[0].path).toBe('room');
  });

  it('needs a token', async () => {
    const res = await list('', null);
    expect(res.status).toBe(401);
  });
});

describe('GET /api/v1/racks/{key}/elevation', () => {
  async function elevation(key: string, token?: string | null) {
    const res = await t.call(`/api/v1/racks/${encodeURIComponent(key)}/elevation`, token === undefined ? { token: t.tokens.viewer } : { token });
    return { status: res.status, body: await res.json() as any };
  }

  it('places devices at their U with the model height, on their face, full depth', async () => {
    const { status, body } = await elevation('rk1');
    expect(status).toBe(200);
    expect(body.rack).toMatchObject({ key: 'rk1', name: 'Rack 1', uHeight: 42, descendingUnits: false, maxKw: 5 });
    expect(body.rack.path.map((p: any) => p.key)).toEqual(['s1', 'b1', 'hall-a', 'row-1']);
    expect(body.devices.map((d: any) => [d.key, d.positionU, d.uHeight, d.face, d.fullDepth])).toEqual([
      ['sw1', 42, 1, 'rear', true], ['srv2', 10, 2, 'front', true], ['srv1', 2, 1, 'front', true],
    ]);
    expect(body.unmounted.map((u: any) => u.key).sort()).toEqual(['feed-rk1-a', 'feed-rk1-b', 'rk1-pdu-a', 'rk1-pdu-b', 'rk1-sensor']);
    expect(body.emptyRanges).toEqual([{ from: 1, to: 1, size: 1 }, { from: 3, to: 9, size: 7 }, { from: 12, to: 41, size: 30 }]);
    expect(body.summary).toMatchObject({ powerW: 2400, inletC: 24.1, usedU: 4 });
  });

  it('gives each device the power of the outlets that feed it, and lists outlets with device, power and state', async () => {
    const { body } = await elevation('rk1');
    const dev = new Map(body.devices.map((d: any) => [d.key, d]));
    expect(dev.get('srv1')).toMatchObject({ powerW: 350, nameplateW: 1100 }); // 180 + 170
    expect((dev.get('srv1') as any).powerPoints.sort()).toEqual(['rk1-pdu-a/outlet.1.power', 'rk1-pdu-b/outlet.1.power']);
    expect(dev.get('srv2')).toMatchObject({ powerW: 805 }); // 410 + 395
    expect(dev.get('sw1')).toMatchObject({ powerW: null, powerPoints: [] });
    const pduB = body.pdus.find((p: any) => p.key === 'rk1-pdu-b');
    expect(pduB.feed).toBe('B');
    expect(pduB.inletPower).toEqual([expect.objectContaining({ key: 'rk1-pdu-b/inlet.1.power', value: 900, quality: 'ok' })]);
    expect(pduB.outlets.map((o: any) => [o.outlet, o.device?.key ?? null, o.power?.value ?? null, o.state?.label ?? null])).toEqual([
      ['1', 'srv1', 170, 'on'], ['2', 'srv2', 395, 'off'],
    ]);
  });

  it('shows feeds A/B with load against the rating and the 80 % line, and inlet temperatures top to bottom', async () => {
    const { body } = await elevation('rk1');
    expect(body.feeds).toEqual([
      expect.objectContaining({ key: 'feed-rk1-a', side: 'A', ratedW: 3680, maxUtilization: 0.8, loadW: 1500, loadPoints: ['rk1-pdu-a/inlet.1.power'], source: { key: 'pdp-1', name: 'Panel 1' } }),
      expect.objectContaining({ key: 'feed-rk1-b', side: 'B', ratedW: 3680, maxUtilization: 0.8, loadW: 900, source: null }),
    ]);
    expect(body.inlets.map((i: any) => [i.position, i.value, i.unit])).toEqual([['top', 24.1, 'degC'], ['middle', 23, 'degC'], ['bottom', 22.5, 'degC']]);
  });

  it('a rack numbered top-down says so; an empty rack is one free range', async () => {
    const rk3 = (await elevation('rk3')).body;
    expect(rk3.rack).toMatchObject({ descendingUnits: true, path: [{ key: 's1' }, { key: 'b1' }, { key: 'hall-b' }] });
    expect(rk3.inlets).toEqual([expect.objectContaining({ position: 'top', value: null, quality: 'comm_loss' })]);
    expect((await elevation('rk2')).body.emptyRanges).toEqual([{ from: 1, to: 24, size: 24 }]);
  });

  it('unknown rack or a CI that is not a rack is 404; a malformed key 400; no token 401', async () => {
    const unknown = await elevation('nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toContain('nope');
    const notRack = await elevation('srv1');
    expect(notRack.status).toBe(404);
    expect(notRack.body.error.message).toContain('not a rack');
    expect((await elevation('bad key!')).status).toBe(400);
    expect((await elevation('rk1', null)).status).toBe(401);
  });
});

// Last: it changes rk1's data.
describe('a lost poll', () => {
  it('keeps the PDU\'s last value for up to a minute, so the rack keeps its power and keeps reporting', async () => {
    // PDU B read 900 W 5 s ago; its latest poll (1 s ago) was lost.
    await ingest(batch('rk1-pdu-b', 'pdu', 'raritan-px2', PDU_POINTS, [['inlet.1.power', 1, null, 'comm_loss']]));
    const rk1 = byKey((await list()).body.items).get('rk1')!;
    expect(rk1).toMatchObject({ powerW: 2400, stale: false });
    expect(rk1.latest!.power).toContainEqual(expect.objectContaining({ value: 900, fresh: true }));
    // A point whose last value is older than a minute is not held (rk3's sensor, 120 s): no value, stale.
    expect(byKey((await list()).body.items).get('rk3')).toMatchObject({ inletC: null, stale: true });
  });
});
