/**
 * Site power, the power chain and device reporting through the real app and embedded database: a small site
 * documented in the CMDB (utility and generator meters, a transformer, one UPS, a distribution panel feeding
 * two racks' PDUs, a mechanical panel feeding a metered CRAC) with samples ingested by a collector, checked
 * number by number; then the error and security paths.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../domain/cmdb/apply.ts';
import type { ImportPlan } from '../../domain/cmdb/types.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

const plan: ImportPlan = {
  source: 'test',
  models: [],
  cis: [
    { key: 'dc1', type: 'site', name: 'DC 1', attributes: {} },
    { key: 'dc1-b', type: 'building', name: 'Building', parent: 'dc1', attributes: {} },
    { key: 'dc1-r', type: 'room', name: 'Room', parent: 'dc1-b', attributes: {} },
    { key: 'dc1-row', type: 'row', name: 'Row', parent: 'dc1-r', attributes: {} },
    { key: 'utility-1', type: 'utility', name: 'Utility', parent: 'dc1', attributes: { contractKw: 50 } },
    { key: 'gen-1', type: 'generator', name: 'Generator', parent: 'dc1', attributes: { ratedKw: 40 } },
    { key: 'meter-u', type: 'meter', name: 'Utility meter', parent: 'dc1-b', devices: ['mu'], attributes: { measures: 'utility' } },
    { key: 'meter-g', type: 'meter', name: 'Generator meter', parent: 'dc1-b', devices: ['mg'], attributes: { measures: 'generator' } },
    { key: 'meter-c', type: 'meter', name: 'Cooling meter', parent: 'dc1-b', devices: ['mc'], attributes: { measures: 'cooling' } },
    { key: 'tr-1', type: 'transformer', name: 'Transformer', parent: 'dc1-b', attributes: { ratedKva: 100 } },
    { key: 'ups-1', type: 'ups', name: 'UPS 1', parent: 'dc1-b', devices: ['ups-1'], attributes: { ratedKva: 12.5, ratedKw: 10 } },
    { key: 'pdp-1', type: 'panel', name: 'Panel 1', parent: 'dc1-b', attributes: { voltageV: 400, phase: 'three' } },
    { key: 'mcc-1', type: 'panel', name: 'Mechanical panel', parent: 'dc1-b', attributes: {} },
    { key: 'crac-1', type: 'crac', name: 'CRAC 1', parent: 'dc1-r', devices: ['crac-1'], attributes: { coolingKw: 30 } },
    { key: 'rack-1', type: 'rack', name: 'Rack 1', parent: 'dc1-row', attributes: { uHeight: 42, maxKw: 5 } },
    { key: 'rack-2', type: 'rack', name: 'Rack 2', parent: 'dc1-row', attributes: { uHeight: 42, maxKw: 5 } },
    { key: 'feed-1a', type: 'feed', name: 'Feed 1A', parent: 'rack-1', attributes: { side: 'A' } },
    { key: 'feed-2a', type: 'feed', name: 'Feed 2A', parent: 'rack-2', attributes: { side: 'A' } },
    { key: 'pdu-1a', type: 'pdu', name: 'PDU 1A', parent: 'rack-1', devices: ['pdu-1a'], attributes: { ratedA: 16, voltageV: 230 } },
    { key: 'pdu-2a', type: 'pdu', name: 'PDU 2A', parent: 'rack-2', devices: ['pdu-2a'], attributes: { ratedA: 16, voltageV: 230 } },
    // Documented with a device the collector has never declared.
    { key: 'sensor-1', type: 'sensor', name: 'Sensor 1', parent: 'rack-1', devices: ['ghost-sensor'], attributes: {} },
  ],
  relations: [
    { kind: 'monitored_by', from: 'utility-1', to: 'meter-u' },
    { kind: 'monitored_by', from: 'gen-1', to: 'meter-g' },
    { kind: 'monitored_by', from: 'crac-1', to: 'meter-c' },
    { kind: 'powered_by', from: 'tr-1', to: 'utility-1' },
    { kind: 'powered_by', from: 'ups-1', to: 'tr-1' },
    { kind: 'powered_by', from: 'ups-1', to: 'gen-1' },
    { kind: 'powered_by', from: 'pdp-1', to: 'ups-1' },
    { kind: 'powered_by', from: 'mcc-1', to: 'tr-1' },
    { kind: 'powered_by', from: 'crac-1', to: 'mcc-1' },
    { kind: 'powered_by', from: 'feed-1a', to: 'pdp-1' },
    { kind: 'powered_by', from: 'feed-2a', to: 'pdp-1' },
    { kind: 'powered_by', from: 'rack-1', to: 'feed-1a', feed: 'A' },
    { kind: 'powered_by', from: 'rack-2', to: 'feed-2a', feed: 'A' },
    { kind: 'powered_by', from: 'pdu-1a', to: 'feed-1a', feed: 'A' },
    { kind: 'powered_by', from: 'pdu-2a', to: 'feed-2a', feed: 'A' },
  ],
};

type Kind = 'ups' | 'pdu' | 'crac' | 'meter';
const POINTS: Array<{ device: string; kind: Kind; metric: string; unit: string; role: string; value: number | null; states?: Record<string, string> }> = [
  { device: 'mu', kind: 'meter', metric: 'active_power', unit: 'W', role: 'meter.active_power', value: 10_000 },
  { device: 'mg', kind: 'meter', metric: 'active_power', unit: 'W', role: 'meter.active_power', value: 0 },
  { device: 'mc', kind: 'meter', metric: 'active_power', unit: 'W', role: 'meter.active_power', value: 4_000 },
  { device: 'ups-1', kind: 'ups', metric: 'input.l1.power', unit: 'W', role: 'ups.input.power', value: 5_300 },
  { device: 'ups-1', kind: 'ups', metric: 'output.l1.power', unit: 'W', role: 'ups.output.power', value: 4_800 },
  { device: 'ups-1', kind: 'ups', metric: 'output.l1.load', unit: '%', role: 'ups.output.load', value: 48 },
  { device: 'ups-1', kind: 'ups', metric: 'output.source', unit: '', role: 'ups.output.source', value: 3, states: { 3: 'normal', 5: 'battery' } },
  { device: 'ups-1', kind: 'ups', metric: 'battery.charge', unit: '%', role: 'ups.battery.charge', value: 100 },
  { device: 'ups-1', kind: 'ups', metric: 'battery.runtime', unit: 's', role: 'ups.battery.runtime', value: 1_200 },
  { device: 'pdu-1a', kind: 'pdu', metric: 'inlet.1.power', unit: 'W', role: 'pdu.inlet.power', value: 3_000 },
  { device: 'pdu-2a', kind: 'pdu', metric: 'inlet.1.power', unit: 'W', role: 'pdu.inlet.power', value: 1_500 },
  { device: 'crac-1', kind: 'crac', metric: 'fan.speed', unit: '%', role: 'crac.fan.speed', value: 60 },
];

let t: TestApp;

/** One collector batch: the devices, their points and one sample of each (value overrides by point key). */
async function ingest(ts: Date, values: Record<string, number | null> = {}) {
  const devices = [...new Map(POINTS.map((p) => [p.device, p])).values()]
    .map((p) => ({ name: p.device, kind: p.kind, protocol: p.kind === 'meter' ? 'modbus' : 'snmp', address: '127.0.0.1:1161' }));
  const body = {
    batchId: crypto.randomUUID(),
    collector: 'collector-1',
    devices,
    points: POINTS.map((p) => ({ key: `${p.device}/${p.metric}`, device: p.device, metric: p.metric, unit: p.unit, kind: 'gauge', role: p.role, ...(p.states ? { states: p.states } : {}) })),
    samples: POINTS.map((p) => {
      const key = `${p.device}/${p.metric}`;
      const value = key in values ? values[key] : p.value;
      return { point: key, ts: ts.toISOString(), value, quality: value === null ? 'comm_loss' : 'ok' };
    }),
  };
  const res = await t.call('/api/v1/ingest', { method: 'POST', json: body, token: t.tokens.collector });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
}

const get = async (path: string) => {
  const res = await t.call(path);
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return res.json() as Promise<any>;
};

beforeAll(async () => {
  t = await createTestApp();
  const result = await applyPlan(t.db, plan, { actor: 'test', mode: 'all-or-nothing' });
  expect(result.issues).toEqual([]);
  await ingest(new Date(Date.now() - 4 * 60_000));
}, 60_000);
afterAll(async () => { await t.close(); });

describe('GET /api/v1/overview/power', () => {
  it('utility from the supply meters, IT from the PDU inlets, cooling from its meter, and the losses between them', async () => {
    const body = await get('/api/v1/overview/power?site=dc1');
    expect(body.site).toEqual({ key: 'dc1', name: 'DC 1' });
    expect(body.utility).toMatchObject({ kw: 10, basis: 'meters', coverage: { reported: 2, expected: 2 }, flags: [] });
    expect(body.utility.points.sort()).toEqual(['mg/active_power', 'mu/active_power']);
    expect(body.it).toMatchObject({ kw: 4.5, basis: 'pdu-inlets', points: ['pdu-1a/inlet.1.power', 'pdu-2a/inlet.1.power'], coverage: { reported: 2, expected: 2 }, flags: [] });
    expect(body.cooling).toMatchObject({ kw: 4, basis: 'meters', points: ['mc/active_power'], coverage: { reported: 1, expected: 1 } });
    expect(body.losses).toEqual({ kw: 1.5, flags: [] });
    // The readings behind the figures come along, so a page can keep them live.
    expect(body.readings['mu/active_power']).toMatchObject({ value: 10_000, quality: 'ok', unit: 'W' });
  });

  it('the UPS: output, load, on mains, battery charge and runtime in minutes', async () => {
    const { ups } = await get('/api/v1/overview/power?site=dc1');
    expect(ups).toHaveLength(1);
    expect(ups[0]).toMatchObject({ key: 'ups-1', devices: ['ups-1'], kw: 4.8, ratedKw: 10, loadPct: 48, onBattery: false, batteryChargePct: 100, runtimeMin: 20 });
    expect(ups[0].points.source).toEqual([{ key: 'ups-1/output.source', states: { 3: 'normal', 5: 'battery' } }]);
  });

  it('the first site when none is named', async () => {
    const body = await get('/api/v1/overview/power');
    expect(body.site.key).toBe('dc1');
  });
});

describe('GET /api/v1/power-chain', () => {
  it('nodes in columns utility → transformer → UPS → panels → PDUs → racks, with kW, rating and load', async () => {
    const { nodes } = await get('/api/v1/power-chain?site=dc1');
    const byKey = new Map<string, any>(nodes.map((n: any) => [n.key, n]));
    expect(nodes.map((n: any) => `${n.column}:${n.key}`)).toEqual([
      'source:gen-1', 'source:utility-1', 'transformer:tr-1', 'ups:ups-1', 'panel:mcc-1', 'panel:pdp-1',
      'pdu:pdu-1a', 'pdu:pdu-2a', 'load:crac-1', 'load:rack-1', 'load:rack-2',
    ]);
    expect(byKey.get('utility-1')).toMatchObject({ basis: 'measured', kw: 10, ratedKw: 50, loadPct: 20, points: ['mu/active_power'] });
    // The transformer has no meter: its only supplier's meter measures it.
    expect(byKey.get('tr-1')).toMatchObject({ basis: 'upstream', kw: 10, ratedKva: 100, loadPct: 10 });
    expect(byKey.get('ups-1')).toMatchObject({ basis: 'measured', kw: 4.8, ratedKw: 10, ratedKva: 12.5, loadPct: 48, loadPoints: ['ups-1/output.l1.load'] });
    // The distribution panel is all its UPS feeds; the mechanical panel (behind a transformer that feeds more)
    // is the sum of what it feeds: its CRAC's meter.
    expect(byKey.get('pdp-1')).toMatchObject({ basis: 'upstream', kw: 4.8, points: ['ups-1/output.l1.power'], upsKeys: ['ups-1'] });
    expect(byKey.get('mcc-1')).toMatchObject({ basis: 'downstream', kw: 4, upsKeys: [] });
    // 16 A × 230 V = 3.68 kVA; 3 kW on it is 81.5 %.
    expect(byKey.get('pdu-1a')).toMatchObject({ basis: 'measured', kw: 3, ratedKva: 3.68, loadPct: 81.522, upsKeys: ['ups-1'] });
    expect(byKey.get('rack-1')).toMatchObject({ basis: 'measured', kw: 3, ratedKw: 5, loadPct: 60, points: ['pdu-1a/inlet.1.power'], upsKeys: ['ups-1'] });
    expect(byKey.get('crac-1')).toMatchObject({ basis: 'measured', kw: 4 });
  });

  it('links supplier → consumer with the flow where it is measurable, feeds folded in with their side, the standby generator idle', async () => {
    const { links } = await get('/api/v1/power-chain?site=dc1');
    const view = links.map((l: any) => [l.from, l.to, l.side, l.via.join('+'), l.kw, l.idle]);
    expect(view).toEqual([
      ['gen-1', 'ups-1', null, '', 0, true],
      ['mcc-1', 'crac-1', null, '', 4, false],
      ['pdp-1', 'pdu-1a', 'A', 'feed-1a', 3, false],
      ['pdp-1', 'pdu-2a', 'A', 'feed-2a', 1.5, false],
      ['pdu-1a', 'rack-1', 'A', '', 3, false],
      ['pdu-2a', 'rack-2', 'A', '', 1.5, false],
      ['tr-1', 'mcc-1', null, '', 4, false],
      ['tr-1', 'ups-1', null, '', 5.3, false],
      ['ups-1', 'pdp-1', null, '', 4.8, false],
      ['utility-1', 'tr-1', null, '', 10, false],
    ]);
    const upsIn = links.find((l: any) => l.from === 'tr-1' && l.to === 'ups-1');
    expect(upsIn.points).toEqual(['ups-1/input.l1.power']);
  });
});

describe('when devices stop reporting', () => {
  it('a PDU in comm_loss: IT falls back to the UPS output (complete); the chain shows the PDU and its rack without a value', async () => {
    await ingest(new Date(Date.now() - 2 * 60_000), { 'pdu-2a/inlet.1.power': null });
    const power = await get('/api/v1/overview/power?site=dc1');
    expect(power.it).toMatchObject({ kw: 4.8, basis: 'ups-outputs', coverage: { reported: 1, expected: 1 } });
    const chain = await get('/api/v1/power-chain?site=dc1');
    const byKey = new Map<string, any>(chain.nodes.map((n: any) => [n.key, n]));
    expect(byKey.get('pdu-2a')).toMatchObject({ kw: null, loadPct: null, coverage: { reported: 0, expected: 1 } });
    expect(byKey.get('rack-2')).toMatchObject({ kw: null, coverage: { reported: 0, expected: 1 } });
    // The panel is measured by its UPS and keeps its figure.
    expect(byKey.get('pdp-1')).toMatchObject({ kw: 4.8, coverage: { reported: 1, expected: 1 } });
    expect(chain.links.find((l: any) => l.from === 'pdp-1' && l.to === 'pdu-2a')).toMatchObject({ kw: null, points: ['pdu-2a/inlet.1.power'] });
    expect(chain.readings['pdu-2a/inlet.1.power']).toMatchObject({ value: null, quality: 'comm_loss' });
  });

  it('GET /api/v1/overview/devices lists the devices not reporting first, with why and since when', async () => {
    const body = await get('/api/v1/overview/devices?site=dc1');
    expect(body).toMatchObject({ site: { key: 'dc1' }, total: 8, notReporting: 2, staleAfterSeconds: 600, silentAfterSeconds: 60 });
    expect(body.items[0]).toMatchObject({ device: 'ghost-sensor', ci: { key: 'sensor-1', type: 'sensor' }, reporting: false, reason: 'never', lastSample: null, lastValue: null });
    // Its only point is in comm_loss: the collector cannot reach it, and its last value (the first batch) is minutes old.
    expect(body.items[1]).toMatchObject({ device: 'pdu-2a', ci: { key: 'pdu-2a', type: 'pdu' }, reporting: false, reason: 'comm_loss', probePoint: 'pdu-2a/inlet.1.power' });
    expect(new Date(body.items[1].lastSample).getTime()).toBeGreaterThan(new Date(body.items[1].lastValue).getTime());
    const reporting = body.items.filter((d: any) => d.reporting).map((d: any) => d.device);
    expect(reporting).toEqual(['crac-1', 'mc', 'mg', 'mu', 'pdu-1a', 'ups-1']);
  });

  it('both PDUs silent: IT from the UPS output; a meter that missed one poll a moment ago still reports and keeps its value', async () => {
    const pdus = Object.fromEntries(POINTS.filter((p) => p.device.startsWith('pdu-')).map((p) => [`${p.device}/${p.metric}`, null]));
    await ingest(new Date(Date.now() - 30_000), pdus);
    await ingest(new Date(), { ...pdus, 'mc/active_power': null });
    const body = await get('/api/v1/overview/devices?site=dc1');
    expect(body.notReporting).toBe(3);
    expect(body.items.slice(0, 3).map((d: any) => d.device)).toEqual(['ghost-sensor', 'pdu-1a', 'pdu-2a']);
    expect(body.items.find((d: any) => d.device === 'mc')).toMatchObject({ reporting: true, reason: null });
    const power = await get('/api/v1/overview/power?site=dc1');
    expect(power.it).toMatchObject({ basis: 'ups-outputs', kw: 4.8 });
    // The cooling meter's lost poll holds its value from 30 s ago.
    expect(power.cooling).toMatchObject({ kw: 4, coverage: { reported: 1, expected: 1 }, flags: [] });
    expect(power.readings['mc/active_power']).toMatchObject({ value: null, quality: 'comm_loss', lastValue: 4_000 });
    expect(power.losses).toEqual({ kw: 1.2, flags: [] });
  });
});

describe('errors and security', () => {
  it('an unknown site is 404 on every route', async () => {
    for (const path of ['/api/v1/overview/power?site=nowhere', '/api/v1/power-chain?site=nowhere', '/api/v1/overview/devices?site=nowhere']) {
      const res = await t.call(path);
      expect(res.status, path).toBe(404);
      expect((await res.json()).error).toMatchObject({ code: 'not_found', message: 'no site nowhere' });
    }
  });

  it('a site key that is not one is a 400 naming the field', async () => {
    const res = await t.call(`/api/v1/power-chain?site=${'x'.repeat(200)}`);
    expect(res.status).toBe(400);
    expect((await res.json()).error.details.issues[0].path).toBe('site');
  });

  it('401 without a token; a viewer may read', async () => {
    for (const path of ['/api/v1/overview/power', '/api/v1/power-chain', '/api/v1/overview/devices']) {
      expect((await t.call(path, { token: null })).status, path).toBe(401);
      expect((await t.call(path, { token: t.tokens.viewer })).status, path).toBe(200);
    }
  });
});
