/**
 * Imports through the API on the real app and embedded database: NetBox REST JSON (the fixture is written in
 * NetBox's API format), CSV export → import, Kiban JSON, dry runs, bad rows reported by row and field.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/app.ts';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(async () => { await t.close(); });

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../../../test/fixtures/netbox/${name}`, import.meta.url), 'utf8'));
const get = async (path: string) => {
  const res = await t.call(path);
  expect(res.status, path).toBe(200);
  return res.json() as Promise<any>;
};

describe('NetBox import', () => {
  it('a dry run reports what would change and writes nothing', async () => {
    const res = await t.call('/api/v1/cmdb/import/netbox?dryRun=true', { method: 'POST', json: fixture('small-site.json') });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ dryRun: true, errors: [] });
    expect(body.created).toBeGreaterThan(20);
    expect((await get('/api/v1/cis?limit=1')).items).toEqual([]);
  });

  it('imports racks, devices, power panels and feeds, linked; importing again changes nothing', async () => {
    const input = fixture('small-site.json');
    const res = await t.call('/api/v1/cmdb/import/netbox', { method: 'POST', json: input });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.errors).toEqual([]);
    const racks = (await get('/api/v1/cis?type=rack')).items;
    expect(racks).toHaveLength(input.racks.results?.length ?? input.racks.length);
    const panels = (await get('/api/v1/cis?type=panel')).items;
    expect(panels).toHaveLength(2);
    const feeds = (await get('/api/v1/cis?type=feed')).items;
    expect(feeds).toHaveLength(5);
    // Every feed is powered by a panel, and every rack with a feed is powered by it with its A/B side.
    for (const feed of feeds) {
      const detail = await get(`/api/v1/cis/${feed.key}`);
      expect(detail.relations.some((r: any) => r.kind === 'powered_by' && r.from.key === feed.key && r.to.type === 'panel')).toBe(true);
    }
    const rackWithFeeds = await Promise.all(racks.map((r: any) => get(`/api/v1/cis/${r.key}`)));
    const fed = rackWithFeeds.filter((d) => d.relations.some((r: any) => r.kind === 'powered_by' && r.from.key === d.ci.key));
    expect(fed.length).toBeGreaterThan(0);
    expect(fed[0].relations.filter((r: any) => r.kind === 'powered_by' && r.from.key === fed[0].ci.key).map((r: any) => r.feed).sort()).toEqual(['A', 'B']);
    // Devices sit in their racks at their U with their model from the device type.
    const devices = (await get('/api/v1/cis?type=server,switch,pdu,ups,storage')).items;
    expect(devices.length).toBe(input.devices.results?.length ?? input.devices.length);
    const placed = devices.find((d: any) => d.positionU !== null);
    expect(placed.parent).toBeTruthy();
    expect(placed.model?.vendor).toBeTruthy();
    // The power path of a server runs through a PDU or feed to a panel.
    const server = devices.find((d: any) => d.type === 'server');
    const path = await get(`/api/v1/cis/${server.key}/power-path`);
    expect(path.nodes.some((n: any) => n.type === 'panel')).toBe(true);
    // Imported changes are in the history, attributed to the import.
    const history = await get(`/api/v1/cis/${server.key}/history`);
    expect(history.items.at(-1)).toMatchObject({ action: 'create', source: 'import:netbox', actor: 'admin' });

    const again = await (await t.call('/api/v1/cmdb/import/netbox', { method: 'POST', json: input })).json();
    expect(again).toMatchObject({ created: 0, updated: 0, relationsCreated: 0, relationsUpdated: 0, errors: [] });
  });

  it('bad rows are reported by collection, row and field; the good rows are imported', async () => {
    const res = await t.call('/api/v1/cmdb/import/netbox', { method: 'POST', json: fixture('bad-rows.json') });
    expect(res.status).toBe(200);
    const body = await res.json();
    const where = body.errors.map((e: any) => `${e.collection}[${e.row}].${e.field}`);
    expect(where).toEqual(expect.arrayContaining(['racks[2].u_height']));
    expect(body.errors.some((e: any) => e.collection === 'devices' && e.field === 'rack')).toBe(true);
    expect(body.errors.some((e: any) => e.collection === 'devices' && /device_type/.test(e.field))).toBe(true);
    expect(body.errors.some((e: any) => e.collection === 'devices' && e.field === 'position')).toBe(true);
    expect(body.errors.some((e: any) => e.collection === 'power_feeds' && e.field === 'power_panel')).toBe(true);
    for (const e of body.errors) expect(e.message.length).toBeGreaterThan(5);
    expect(body.created).toBeGreaterThan(0);
  });

  it('a body that is not a NetBox export is refused with a reason, and viewers may not import', async () => {
    const res = await t.call('/api/v1/cmdb/import/netbox', { method: 'POST', json: { racks: 'lots' } });
    const body = await res.json();
    expect(body.errors[0]).toMatchObject({ collection: 'racks' });
    expect((await t.call('/api/v1/cmdb/import/netbox', { method: 'POST', json: {}, token: t.tokens.viewer })).status).toBe(403);
    const broken = await t.call('/api/v1/cmdb/import/netbox', { method: 'POST', body: '{"racks": [', headers: { 'content-type': 'application/json' } });
    expect(broken.status).toBe(400);
  });
});

describe('CSV export and import', () => {
  it('exports racks as CSV and imports the edited file back, reporting bad rows by row and column', async () => {
    const res = await t.call('/api/v1/cmdb/export/csv?type=rack');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const csv = await res.text();
    const lines = csv.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    const racks = (await get('/api/v1/cis?type=rack')).items;
    expect(lines).toHaveLength(racks.length + 1);
    const header = lines[0].split(',');
    expect(header).toEqual(expect.arrayContaining(['key', 'name', 'parent', 'attr.uHeight', 'attr.maxWeightKg']));

    // Rename the first rack, break the height of the second, add a new one.
    const keyCol = header.indexOf('key');
    const nameCol = header.indexOf('name');
    const heightCol = header.indexOf('attr.uHeight');
    const rows = lines.slice(1).map((l) => l.split(','));
    rows[0][nameCol] = 'Renamed rack';
    rows[1][heightCol] = 'tall';
    const fresh = [...rows[0]];
    fresh[keyCol] = 'csv-new-rack';
    fresh[nameCol] = 'New from CSV';
    const edited = [header, ...rows, fresh].map((r) => r.join(',')).join('\r\n');
    const imported = await t.call('/api/v1/cmdb/import/csv?type=rack', { method: 'POST', body: edited, headers: { 'content-type': 'text/csv' } });
    expect(imported.status).toBe(200);
    const body = await imported.json();
    expect(body.errors).toEqual([expect.objectContaining({ row: 3, field: 'attr.uHeight' })]);
    expect(body).toMatchObject({ created: 1, updated: 1 });
    expect((await get(`/api/v1/cis/${rows[0][keyCol]}`)).ci.name).toBe('Renamed rack');
    expect((await get('/api/v1/cis/csv-new-rack')).ci.parent).toBe(racks[0].parent);
  });
});

describe('Kiban JSON import', () => {
  it('skips invalid items, reports them, and writes the rest in one go', async () => {
    const site = (await get('/api/v1/cis?type=site')).items[0].key;
    const res = await t.call('/api/v1/cmdb/import', {
      method: 'POST', json: {
        cis: [
          { key: 'svc-json-a', type: 'service', name: 'Service A' },
          { key: 'svc-json-b', type: 'service', name: 'Service B' },
          { key: 'bad-building', type: 'building', name: 'No site', parent: 'nowhere' },
          { key: 'json-bldg', type: 'building', name: 'Annex', parent: site },
        ],
        relations: [
          { kind: 'depends_on', from: 'svc-json-a', to: 'svc-json-b' },
          { kind: 'depends_on', from: 'svc-json-b', to: 'svc-json-a' },
        ],
      },
    });
    const body = await res.json();
    expect(body).toMatchObject({ created: 3, relationsCreated: 1 });
    expect(body.errors.map((e: any) => [e.collection, e.row, e.field])).toEqual([['cis', 3, 'parent'], ['relations', 2, 'to']]);
    expect(body.errors[1].message).toContain('relationship cycle');
  });
});
