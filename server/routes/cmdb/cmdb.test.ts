/**
 * The CMDB through the real app and embedded database: the demo site written through the import path, graph
 * queries (power path, impact with redundancy, dependent services), history and as-of state, validation
 * messages, and who may change what.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDemoSite } from '../../../firmware-sims/site/spec.ts';
import { rackServerLayout } from '../../../firmware-sims/site/rack-layout.ts';
import { applyPlan } from '../../domain/cmdb/apply.ts';
import { sitePlan } from '../../domain/cmdb/site-plan.ts';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

let t: TestApp;
const spec = defaultDemoSite();
beforeAll(async () => {
  t = await createTestApp();
  const result = await applyPlan(t.db, sitePlan(spec, { collector: 'demo-collector' }), { actor: 'demo', mode: 'all-or-nothing' });
  expect(result.issues).toEqual([]);
}, 60_000);
afterAll(async () => { await t.close(); });

const get = async (path: string, token?: string) => {
  const res = await t.call(path, token ? { token } : {});
  expect(res.status, `${path}: ${res.status}`).toBe(200);
  return res.json() as Promise<any>;
};
const send = (method: string, path: string, json: unknown, token?: string) => t.call(path, { method, json, ...(token ? { token } : {}) });

describe('the demo site as CIs', () => {
  it('every rack is in its row, room and building, with two feeds, two PDUs, its servers and a sensor', async () => {
    const rack = spec.racks[0];
    const body = await get(`/api/v1/cis/${rack.id}`);
    expect(body.ci).toMatchObject({ key: rack.id, type: 'rack', status: 'active', attributes: { uHeight: 42, maxWeightKg: 1363 } });
    expect(body.path.map((p: any) => p.type)).toEqual(['site', 'building', 'room', 'row']);
    const layout = rackServerLayout(rack);
    const servers = body.children.filter((c: any) => c.type === 'server');
    expect(servers).toHaveLength(layout.serverCount);
    expect(body.children.filter((c: any) => c.type === 'pdu').map((c: any) => c.key).sort()).toEqual([`${rack.id}-pdu-a`, `${rack.id}-pdu-b`]);
    const feeds = body.relations.filter((r: any) => r.kind === 'powered_by' && r.from.key === rack.id);
    expect(feeds.map((r: any) => [r.feed, r.to.key]).sort()).toEqual([['A', `feed-${rack.id}-a`], ['B', `feed-${rack.id}-b`]]);
    expect(body.relations.find((r: any) => r.kind === 'cooled_by')?.to.key).toBe(rack.crac);
  });

  it('the location tree nests site → building → room → row → rack', async () => {
    const { items } = await get('/api/v1/cmdb/tree');
    expect(items).toHaveLength(1);
    const room = items[0].children[0].children.find((c: any) => c.type === 'room');
    expect(room.children.map((r: any) => r.key)).toEqual(spec.rooms[0].rows);
    expect(room.children[0].children.map((r: any) => r.key)).toEqual(spec.racks.filter((r) => r.row === spec.rooms[0].rows[0]).map((r) => r.id));
  });

  it('search by substring and type; pages by key', async () => {
    const byName = await get('/api/v1/cis?q=srv01&type=server');
    expect(byName.items.length).toBe(spec.racks.length);
    const page1 = await get('/api/v1/cis?type=rack&limit=3');
    expect(page1.items).toHaveLength(3);
    const page2 = await get(`/api/v1/cis?type=rack&limit=100&cursor=${page1.next}`);
    expect(page1.items.length + page2.items.length).toBe(spec.racks.length);
    expect(page2.next).toBeUndefined();
  });

  it('finds the CI a collector device belongs to, whatever the device is named', async () => {
    // The UPS's SNMP and Modbus faces are two devices of one CI.
    for (const device of ['ups-a1', 'ups-a1-modbus']) {
      const { items } = await get(`/api/v1/cis?device=${device}`);
      expect(items.map((ci: any) => ci.key), device).toEqual(['ups-a1']);
    }
    expect((await get(`/api/v1/cis?device=${spec.racks[0].id}-sensor`)).items.map((ci: any) => ci.type)).toEqual(['sensor']);
    expect((await get('/api/v1/cis?device=no-such-device')).items).toEqual([]);
  });
});

describe('graph queries', () => {
  it('the power path of a rack reaches the utility and the generator through both feeds', async () => {
    const rack = spec.racks[0];
    const path = await get(`/api/v1/cis/${rack.id}/power-path`);
    const keys = path.nodes.map((n: any) => n.key);
    for (const k of [`feed-${rack.id}-a`, `feed-${rack.id}-b`, rack.upsA, rack.upsB, 'tr-1', 'utility-1', 'gen-1']) expect(keys).toContain(k);
    expect(path.sources).toEqual(['gen-1', 'utility-1']);
    expect(path.edges).toContainEqual({ from: rack.id, to: `feed-${rack.id}-a`, feed: 'A', port: null });
    // Nothing that does not feed the rack (the CRACs' mechanical panel) is on its path.
    expect(keys).not.toContain('mcc-1');
  });

  it('losing UPS A: servers and racks lose redundancy (feed B carries them), nothing loses power, no service goes down', async () => {
    const ups = spec.ups.find((u) => u.id.startsWith('ups-a'))!.id;
    const impact = await get(`/api/v1/cis/${ups}/impact`);
    const byKey = new Map(impact.affected.map((a: any) => [a.key, a]));
    const racksOnUps = spec.racks.filter((r) => r.upsA === ups);
    expect(racksOnUps.length).toBeGreaterThan(0);
    for (const r of racksOnUps) {
      expect(byKey.get(r.id)).toMatchObject({ effect: 'loses_redundancy', via: `feed-${r.id}-a` });
      expect(byKey.get(`${r.id}-pdu-a`)).toMatchObject({ effect: 'loses_power' });
      expect(byKey.get(`${r.id}-srv01`)).toMatchObject({ effect: 'loses_redundancy' });
    }
    expect(impact.counts.service_down).toBe(0);
    expect(impact.counts.service_degraded).toBeGreaterThan(0);
    expect(byKey.has('svc-portal')).toBe(true);
  });

  it('losing a distribution panel and then both UPS of a rack: with both feeds gone its servers lose power and services go down', async () => {
    const rack = spec.racks[0];
    const panel = await get(`/api/v1/cis/pdp-${rack.upsA.replace(/^ups-/, '')}/impact`);
    expect(panel.affected.find((a: any) => a.key === `feed-${rack.id}-a`)).toMatchObject({ effect: 'loses_power' });
    // The transformer feeds both UPS; the generator still backs them: redundancy lost, power kept.
    const tr = await get('/api/v1/cis/tr-1/impact');
    expect(tr.affected.find((a: any) => a.key === rack.id)).toMatchObject({ effect: 'loses_redundancy' });
    expect(tr.counts.loses_power).toBe(0);
    // A server whose only two PDUs are lost: simulate by failing the rack's feed A PDU's feed and then checking a
    // single-corded server added for the test.
    await send('POST', '/api/v1/cis', { key: 'lab-srv', type: 'server', name: 'single-corded lab server', parent: rack.id, positionU: 41, model: 'dell/poweredge-r650' }).then((r) => expect(r.status).toBe(201));
    await send('POST', '/api/v1/ci-relations', { kind: 'powered_by', from: 'lab-srv', to: `${rack.id}-pdu-a`, feed: 'A', port: '23' }).then((r) => expect(r.status).toBe(201));
    await send('POST', '/api/v1/cis', { key: 'svc-lab', type: 'service', name: 'Lab service' }).then((r) => expect(r.status).toBe(201));
    await send('POST', '/api/v1/ci-relations', { kind: 'depends_on', from: 'svc-lab', to: 'lab-srv' }).then((r) => expect(r.status).toBe(201));
    const ups = await get(`/api/v1/cis/${rack.upsA}/impact`);
    expect(ups.affected.find((a: any) => a.key === 'lab-srv')).toMatchObject({ effect: 'loses_power', via: `${rack.id}-pdu-a` });
    expect(ups.affected.find((a: any) => a.key === 'svc-lab')).toMatchObject({ effect: 'service_down', via: 'lab-srv' });
  });

  it('losing one CRAC: the racks of its row lose cooling, and so do the servers in them', async () => {
    const crac = spec.cracs[0].id;
    const impact = await get(`/api/v1/cis/${crac}/impact`);
    const racks = spec.racks.filter((r) => r.crac === crac);
    for (const r of racks) {
      expect(impact.affected.find((a: any) => a.key === r.id)).toMatchObject({ effect: 'loses_cooling', via: crac });
      expect(impact.affected.find((a: any) => a.key === `${r.id}-srv01`)).toMatchObject({ effect: 'loses_cooling', via: r.id });
    }
    const otherRow = spec.racks.find((r) => r.crac !== crac)!;
    expect(impact.affected.find((a: any) => a.key === otherRow.id)).toBeUndefined();
  });

  it('services that depend on a rack: through the servers located in it', async () => {
    const rack = spec.racks[0];
    const { items } = await get(`/api/v1/cis/${rack.id}/services`);
    expect(items.map((s: any) => s.key)).toEqual(expect.arrayContaining([`svc-${rack.row}`, 'svc-portal']));
    expect(items.find((s: any) => s.key === `svc-${rack.row}`).via).toMatch(new RegExp(`^${rack.id}-srv0[12]$`));
    const lastRack = spec.racks.filter((r) => r.row === rack.row).at(-1)!;
    expect((await get(`/api/v1/cis/${lastRack.id}/services`)).items.map((s: any) => s.key)).toContain(`svc-${rack.row}`);
  });
});

describe('validation', () => {
  const rack = () => spec.racks[1].id;
  it('U collision: names both devices and their U spans', async () => {
    const res = await send('POST', '/api/v1/cis', { key: 'clash-1', type: 'server', name: 'clash', parent: rack(), positionU: 2, model: 'dell/poweredge-r750' });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.details.issues[0]).toMatchObject({ path: 'positionU', code: 'u_collision' });
    expect(body.error.message).toContain(`U collision in rack ${rack()}: clash-1 at U2–U3 overlaps ${rack()}-srv01 at U2`);
  });

  it('a device that would stick out of the top of the rack', async () => {
    const res = await send('POST', '/api/v1/cis', { key: 'top-1', type: 'server', name: 'top', parent: rack(), positionU: 42, model: 'dell/poweredge-r750' });
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toContain('at U42 it would reach U43');
  });

  it('a device heavier than the rack allows', async () => {
    await send('POST', '/api/v1/ci-models', { key: 'test/anvil', type: 'storage', vendor: 'Test', model: 'Anvil 4U', uHeight: 4, weightKg: 1400 }).then((r) => expect(r.status).toBe(200));
    const res = await send('POST', '/api/v1/cis', { key: 'anvil-1', type: 'storage', name: 'anvil', parent: rack(), positionU: 36, model: 'test/anvil' });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.details.issues[0]).toMatchObject({ code: 'too_heavy' });
    expect(body.error.message).toContain(`anvil-1 weighs 1400 kg, more than rack ${rack()} may carry (1363 kg)`);
    // Within the limit alone, over it with what the rack already holds.
    await send('POST', '/api/v1/ci-models', { key: 'test/brick', type: 'storage', vendor: 'Test', model: 'Brick 4U', uHeight: 4, weightKg: 1300 }).then((r) => expect(r.status).toBe(200));
    const res2 = await send('POST', '/api/v1/cis', { key: 'brick-1', type: 'storage', name: 'brick', parent: rack(), positionU: 36, model: 'test/brick' });
    expect(res2.status).toBe(422);
    expect((await res2.json()).error.message).toMatch(new RegExp(`too heavy: rack ${rack()} may carry 1363 kg; it already holds [0-9.]+ kg and brick-1 weighs 1300 kg`));
  });

  it('a relationship cycle, shown as the whole loop', async () => {
    const res = await send('POST', '/api/v1/ci-relations', { kind: 'powered_by', from: 'tr-1', to: 'pdp-a1' });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.details.issues[0]).toMatchObject({ path: 'to', code: 'cycle' });
    expect(body.error.message).toContain('relationship cycle: tr-1 —powered_by→ pdp-a1 —powered_by→ ups-a1 —powered_by→ tr-1');
  });

  it('an unknown model', async () => {
    const res = await send('POST', '/api/v1/cis', { key: 'mystery-1', type: 'server', name: 'mystery', parent: rack(), positionU: 40, model: 'acme/warp-9000' });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.details.issues[0]).toMatchObject({ path: 'model', code: 'unknown_model' });
    expect(body.error.message).toContain("unknown model 'acme/warp-9000'");
  });

  it('impossible links, wrong parents, unknown attributes and bad shapes', async () => {
    const link = await send('POST', '/api/v1/ci-relations', { kind: 'powered_by', from: 'ups-a1', to: spec.racks[0].id });
    expect(link.status).toBe(422);
    expect((await link.json()).error.message).toContain('impossible link: a ups (ups-a1) cannot be powered by a rack');
    const parent = await send('POST', '/api/v1/cis', { key: 'rack-in-rack', type: 'rack', name: 'x', parent: rack(), attributes: { uHeight: 42 } });
    expect((await parent.json()).error.message).toContain('a rack cannot be located in a rack');
    const attrs = await send('POST', '/api/v1/cis', { key: 'r-bad', type: 'rack', name: 'x', parent: spec.racks[0].row, attributes: { uHeight: 42, colour: 'red' } });
    expect(attrs.status).toBe(422);
    expect((await attrs.json()).error.message).toContain("rack has no attribute 'colour'");
    const shape = await send('POST', '/api/v1/cis', { key: '../etc', type: 'toaster', name: '' });
    expect(shape.status).toBe(422);
    const issues = (await shape.json()).error.details.issues.map((i: any) => i.path);
    expect(issues).toEqual(expect.arrayContaining(['key', 'type', 'name']));
    const dup = await send('POST', '/api/v1/cis', { key: spec.racks[0].id, type: 'rack', name: 'again', parent: spec.racks[0].row, attributes: { uHeight: 42 } });
    expect(dup.status).toBe(409);
    expect((await t.call('/api/v1/cis/no-such-ci')).status).toBe(404);
  });
});

describe('history', () => {
  it('every API change is in the history with who, when, before and after; as-of shows the rack on a past date', async () => {
    const rack = spec.racks[2].id;
    const before = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const created = await send('POST', '/api/v1/cis', { key: 'hist-srv', type: 'server', name: 'db-07', parent: rack, positionU: 39, model: 'dell/poweredge-r650', serial: 'SN-1' });
    expect(created.status).toBe(201);
    const v1 = (await created.json()).ci.version;
    await new Promise((r) => setTimeout(r, 20));
    const afterCreate = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const patched = await send('PATCH', '/api/v1/cis/hist-srv', { serial: 'SN-2', positionU: 37, version: v1 }, t.tokens.admin);
    expect(patched.status).toBe(200);
    // A stale version is refused: someone else changed it.
    const stale = await send('PATCH', '/api/v1/cis/hist-srv', { serial: 'SN-3', version: v1 });
    expect(stale.status).toBe(409);
    expect((await stale.json()).error.message).toContain('changed by someone else');
    await send('POST', '/api/v1/ci-relations', { kind: 'powered_by', from: 'hist-srv', to: `${rack}-pdu-a`, feed: 'A', port: '22' }).then((r) => expect(r.status).toBe(201));

    const history = await get('/api/v1/cis/hist-srv/history');
    expect(history.items.map((h: any) => [h.entity, h.action])).toEqual([['relation', 'create'], ['ci', 'update'], ['ci', 'create']]);
    expect(history.items[1]).toMatchObject({ actor: 'admin', source: 'api' });
    expect(history.items[1].changes).toEqual(expect.arrayContaining([{ field: 'serial', before: 'SN-1', after: 'SN-2' }, { field: 'positionU', before: 39, after: 37 }]));

    const then = await get(`/api/v1/cis/${rack}/history?asOf=${encodeURIComponent(afterCreate.toISOString())}`);
    expect(then.ci.key).toBe(rack);
    expect(then.children.find((c: any) => c.key === 'hist-srv')).toMatchObject({ serial: 'SN-1', positionU: 39 });
    const earlier = await get(`/api/v1/cis/${rack}/history?asOf=${encodeURIComponent(before.toISOString())}`);
    expect(earlier.children.find((c: any) => c.key === 'hist-srv')).toBeUndefined();
    expect(earlier.children.filter((c: any) => c.type === 'server')).toHaveLength(rackServerLayout(spec.racks[2]).serverCount);
    const now = await get(`/api/v1/cis/${rack}/history?asOf=${encodeURIComponent(new Date().toISOString())}`);
    expect(now.children.find((c: any) => c.key === 'hist-srv')).toMatchObject({ serial: 'SN-2', positionU: 37 });

    // The in-memory graph follows every change (it replays the history): the new server is on the PDU's impact.
    expect((await get(`/api/v1/cis/${rack}-pdu-a/impact`)).affected.map((a: any) => a.key)).toContain('hist-srv');

    // Deleting keeps the history; the CI and its relations are gone now but not in the past.
    expect((await t.call('/api/v1/cis/hist-srv', { method: 'DELETE' })).status).toBe(204);
    expect((await get(`/api/v1/cis/${rack}-pdu-a/impact`)).affected.map((a: any) => a.key)).not.toContain('hist-srv');
    expect((await t.call('/api/v1/cis/hist-srv')).status).toBe(404);
    const gone = await get('/api/v1/cis/hist-srv/history');
    expect(gone.items.slice(0, 2).map((h: any) => [h.entity, h.action])).toEqual([['ci', 'delete'], ['relation', 'delete']]);
    const past = await get(`/api/v1/cis/hist-srv/history?asOf=${encodeURIComponent(afterCreate.toISOString())}`);
    expect(past.ci).toMatchObject({ key: 'hist-srv', serial: 'SN-1' });
  });

  it('a CI that still contains others cannot be deleted', async () => {
    const res = await t.call(`/api/v1/cis/${spec.racks[0].id}`, { method: 'DELETE' });
    expect(res.status).toBe(409);
    expect((await res.json()).error.message).toContain('still contains');
  });
});

describe('security', () => {
  it('viewers read, only admins change; no token, no access', async () => {
    expect((await t.call('/api/v1/cis', { token: null })).status).toBe(401);
    expect((await t.call('/api/v1/cis', { token: t.tokens.viewer })).status).toBe(200);
    const res = await send('POST', '/api/v1/cis', { key: 'v-1', type: 'service', name: 'viewer service' }, t.tokens.viewer);
    expect(res.status).toBe(403);
    expect((await send('PATCH', `/api/v1/cis/${spec.racks[0].id}`, { name: 'x' }, t.tokens.collector)).status).toBe(403);
    expect((await t.call(`/api/v1/cis/${spec.racks[0].id}`, { method: 'DELETE', token: t.tokens.viewer })).status).toBe(403);
  });

  it('hostile strings are stored as text and returned unchanged', async () => {
    const name = `<script>alert(1)</script>'; drop table cis; --`;
    const res = await send('POST', '/api/v1/cis', { key: 'svc-hostile', type: 'service', name, description: '\u0000'.replace('\u0000', '') + '💥'.repeat(10) });
    expect(res.status).toBe(201);
    expect((await get('/api/v1/cis/svc-hostile')).ci.name).toBe(name);
  });
});
