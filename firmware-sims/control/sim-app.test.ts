import { describe, expect, it } from 'vitest';
import { SiteModel } from '../physics/site-model.ts';
import { defaultDemoSite } from '../site/spec.ts';
import type { SimEndpoint } from '../site/types.ts';
import { createSimControlApp } from './sim-app.ts';

const T0 = Date.UTC(2025, 6, 1, 3, 0, 0);

function setup() {
  const model = new SiteModel(defaultDemoSite(1), { startSimTimeMs: T0 });
  const endpoints: SimEndpoint[] = [
    { id: 'ups-a1', kind: 'ups', protocol: 'snmp', host: '127.0.0.1', port: 16100, profile: 'rfc1628-ups', vendor: 'Kiban', model: 'sim', snmp: { version: '2c', community: 'public' } },
    { id: 'crac-r1-a', kind: 'crac', protocol: 'modbus', host: '127.0.0.1', port: 15020, profile: 'liebert-icom', vendor: 'Vertiv', model: 'sim', modbus: { unitId: 1 } },
  ];
  const app = createSimControlApp({ endpoints: () => endpoints, model });
  const post = (body: unknown) => app.request('/sim/v1/faults', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { app, model, post };
}

describe('control API /sim/v1', () => {
  it('lists devices', async () => {
    const { app } = setup();
    const res = await app.request('/sim/v1/devices');
    expect(res.status).toBe(200);
    expect((await res.json()).items.map((d: SimEndpoint) => d.id)).toEqual(['ups-a1', 'crac-r1-a']);
  });

  it('summarises the site', async () => {
    const { app } = setup();
    const body = await (await app.request('/sim/v1/site')).json();
    expect(body).toMatchObject({ racks: 8, rooms: 1, rows: 2, devices: { ups: 2, pdu: 16, crac: 2, sensor: 8, meter: 4 }, endpoints: { ups: 1, crac: 1 }, activeFaults: 0 });
    expect(body.facility.totalW).toBeGreaterThan(body.facility.itW);
    expect(body.simTime).toBe(new Date(T0).toISOString());
  });

  it('returns ground truth per device and for the facility; 404 for unknown', async () => {
    const { app, model } = setup();
    const ups = await (await app.request('/sim/v1/truth/ups-a1')).json();
    expect(ups).toMatchObject({ device: 'ups-a1', kind: 'ups', ts: new Date(T0).toISOString(), values: { source: 'normal' } });
    expect(ups.values.outputPowerW).toBe(model.state().ups.get('ups-a1')!.outputPowerW);
    const pdu = await (await app.request('/sim/v1/truth/r1-a01-pdu-a')).json();
    expect(pdu.values.outlets).toHaveLength(24);
    expect((await (await app.request('/sim/v1/truth/r1-a01-sensor')).json())).toMatchObject({ kind: 'sensor', values: { rackId: 'r1-a01' } });
    expect((await (await app.request('/sim/v1/truth/meter-pv')).json()).values.kind).toBe('pv');
    const facility = await (await app.request('/sim/v1/truth/facility')).json();
    expect(facility.values.totalW).toBe(model.state().facility.totalW);
    const missing = await app.request('/sim/v1/truth/ups-z9');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('injects, lists, reads and clears a fault; the model reacts at once', async () => {
    const { app, model, post } = setup();
    const res = await post({ kind: 'utility_failure', target: 'ups-a1' });
    expect(res.status).toBe(201);
    const fault = await res.json();
    expect(fault).toMatchObject({ id: 'f1', kind: 'utility_failure', target: 'ups-a1', params: { generator: true } });
    expect(res.headers.get('location')).toBe('/sim/v1/faults/f1');
    expect(model.state().ups.get('ups-a1')!.source).toBe('battery');
    expect((await (await app.request('/sim/v1/faults')).json()).items).toHaveLength(1);
    expect((await app.request('/sim/v1/faults/f1')).status).toBe(200);
    const del = await app.request('/sim/v1/faults/f1', { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect(model.state().ups.get('ups-a1')!.source).toBe('normal');
    expect((await (await app.request('/sim/v1/faults')).json()).items).toEqual([]);
  });

  it('400 for a bad kind, bad params, wrong target type, bad JSON or missing fields, naming the field', async () => {
    const { post } = setup();
    const cases: [unknown, string, string][] = [
      [{ kind: 'nope', target: 'ups-a1' }, 'invalid_kind', 'kind'],
      [{ kind: 'outlet_overload', target: 'r1-a01-pdu-a', params: { outlet: 0 } }, 'invalid_params', 'params.outlet'],
      [{ kind: 'crac_failure', target: 'ups-a1' }, 'invalid_target', 'target'],
      [{ target: 'ups-a1' }, 'invalid_request', 'kind'],
      [{ kind: 'battery_bad', target: 'ups-a1', params: 'x' }, 'invalid_request', 'params'],
    ];
    for (const [body, code, field] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code, details: { field } } });
    }
    const bad = await post('{not json');
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('invalid_json');
  });

  it('404 for an unknown target and for an unknown fault id', async () => {
    const { app, post } = setup();
    const res = await post({ kind: 'crac_failure', target: 'crac-r9-z' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'unknown_target', details: { field: 'target' } } });
    const del = await app.request('/sim/v1/faults/f42', { method: 'DELETE' });
    expect(del.status).toBe(404);
    expect((await del.json()).error.code).toBe('unknown_fault');
    expect((await app.request('/sim/v1/faults/f42')).status).toBe(404);
    expect((await app.request('/sim/v1/nothing')).status).toBe(404);
  });
});
