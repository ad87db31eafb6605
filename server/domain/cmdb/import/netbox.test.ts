import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CI_ATTRIBUTE_SCHEMAS, ciInput, ciModelInput, relationInput, type CiInput, type CiType } from '../types.ts';
import { importNetbox, netboxKeyPart, type NetboxExport, type NetboxPage } from './netbox.ts';

const fixture = (name: string): NetboxExport =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../../../test/fixtures/netbox/${name}`, import.meta.url)), 'utf8'));

/** The fixture's collections as plain arrays, to edit in a test. */
type Row = Record<string, any>;
function editable(name: string): Record<string, Row[]> {
  const exp = fixture(name) as Record<string, unknown>;
  const out: Record<string, Row[]> = {};
  for (const [k, v] of Object.entries(exp)) out[k] = structuredClone(Array.isArray(v) ? v : (v as NetboxPage<Row>).results) as Row[];
  return out;
}

const countByType = (cis: CiInput[]) => {
  const counts: Partial<Record<CiType, number>> = {};
  for (const ci of cis) counts[ci.type] = (counts[ci.type] ?? 0) + 1;
  return counts;
};
const ciOf = (cis: CiInput[], key: string) => {
  const ci = cis.find((c) => c.key === key);
  if (!ci) throw new Error(`no CI ${key} in ${cis.map((c) => c.key).join(', ')}`);
  return ci;
};

describe('importNetbox: small site', () => {
  const { plan, errors, warnings, summary } = importNetbox(fixture('small-site.json'));

  it('imports every row without errors', () => {
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(plan.source).toBe('import:netbox');
  });

  it('makes the right CIs by type', () => {
    expect(countByType(plan.cis)).toEqual({
      site: 1, room: 2, rack: 3, panel: 2, feed: 5, pdu: 3, switch: 2, server: 6, ups: 1,
    });
    expect(plan.models.map((m) => [m.key, m.type])).toEqual([
      ['dell/poweredge-r650', 'server'],
      ['cisco/n9k-c93180yc-fx', 'switch'],
      ['raritan/px3-5190r', 'pdu'],
      ['apc/smart-ups-srt-3000va-rm', 'ups'],
    ]);
  });

  it('puts racks in rooms, and racks NetBox left without a location in a synthesised room of their site', () => {
    expect(ciOf(plan.cis, 'data-hall-1')).toMatchObject({ type: 'room', parent: 'tyo1' });
    expect(ciOf(plan.cis, 'r01')).toMatchObject({ parent: 'data-hall-1', serial: 'RK-2023-0101', assetTag: 'TY1-RK-0101', attributes: { uHeight: 42, maxWeightKg: 1000, airflow: 'front-to-rear' } });
    expect(ciOf(plan.cis, 'r02').parent).toBe('data-hall-1');
    expect(ciOf(plan.cis, 'r03').parent).toBe('tyo1-unassigned');
    expect(ciOf(plan.cis, 'tyo1-unassigned')).toMatchObject({ type: 'room', name: 'Tokyo DC1 (unassigned)', parent: 'tyo1' });
    expect(summary.synthesisedRooms).toEqual(['tyo1-unassigned']);
    expect(ciOf(plan.cis, 'pp-a').parent).toBe('data-hall-1');
    expect(ciOf(plan.cis, 'pp-b').parent).toBe('tyo1-unassigned');
  });

  it('maps devices: type, rack, U position, face, model, serial, tags, owner, role and platform', () => {
    expect(ciOf(plan.cis, 'srv-r01-01')).toMatchObject({
      type: 'server', parent: 'r01', positionU: 10, face: 'front', model: 'dell/poweredge-r650', serial: '7XK2NQ3',
      assetTag: 'TY1-SV-0101', owner: 'Platform Engineering', tags: ['production', 'pci-dss'], status: 'active',
      attributes: { role: 'Server', os: 'Ubuntu 22.04' },
    });
    expect(ciOf(plan.cis, 'sw-r01')).toMatchObject({ type: 'switch', parent: 'r01', positionU: 42, attributes: { role: 'Leaf Switch' } });
    expect(ciOf(plan.cis, 'pdu-r01-a')).toMatchObject({ type: 'pdu', parent: 'r01', face: 'rear', attributes: { outletCount: 36 } });
    expect(ciOf(plan.cis, 'pdu-r01-a').positionU).toBeUndefined();
    expect(ciOf(plan.cis, 'ups-r03')).toMatchObject({ type: 'ups', parent: 'r03', positionU: 1, attributes: { ratedKva: 3, ratedKw: 2.7 } });
  });

  it('names an unnamed NetBox device after its display and keys it by device type and id', () => {
    expect(ciOf(plan.cis, 'px3-5190r-10')).toMatchObject({ name: 'PX3-5190R (10)', type: 'pdu', parent: 'r02' });
  });

  it('maps NetBox statuses onto the Kiban lifecycle', () => {
    const status = (key: string) => ciOf(plan.cis, key).status;
    expect(status('srv-r01-03')).toBe('installed'); // offline
    expect(status('srv-r02-01')).toBe('planned'); // planned
    expect(status('srv-r02-02')).toBe('installed'); // staged
    expect(status('srv-r03-01')).toBe('maintenance'); // failed
    expect(status('srv-r01-01')).toBe('active');
  });

  it('converts weights to kg and keeps device type nameplates on the model', () => {
    const model = (key: string) => plan.models.find((m) => m.key === key)!;
    expect(model('cisco/n9k-c93180yc-fx').weightKg).toBeCloseTo(8.8, 2); // 19.4 lb
    expect(model('apc/smart-ups-srt-3000va-rm')).toMatchObject({ weightKg: 28.6, uHeight: 2, vendor: 'APC', attributes: { ratedKva: 3, ratedKw: 2.7 } }); // 28600 g
    expect(model('raritan/px3-5190r').uHeight).toBe(0);
    expect(ciOf(plan.cis, 'r02').attributes?.maxWeightKg).toBeCloseTo(1000.17, 2); // 2205 lb
  });

  it('makes feeds with side, voltage, rating, phase and utilisation as a fraction', () => {
    expect(ciOf(plan.cis, 'r01-a')).toMatchObject({ type: 'feed', parent: 'r01', attributes: { side: 'A', voltageV: 200, ratedA: 30, phase: 'single', maxUtilization: 0.8 } });
    expect(ciOf(plan.cis, 'r01-b').attributes).toMatchObject({ side: 'B' });
    expect(ciOf(plan.cis, 'r03-a').attributes).toMatchObject({ phase: 'three', ratedA: 20 });
  });

  it('links feeds to panels, racks to feeds (A/B) and devices to feeds and PDU outlets', () => {
    const rel = (from: string, to: string) => plan.relations.filter((r) => r.from === from && r.to === to);
    expect(rel('r01-a', 'pp-a')).toEqual([{ kind: 'powered_by', from: 'r01-a', to: 'pp-a' }]);
    expect(rel('r01-b', 'pp-b')).toHaveLength(1);
    expect(rel('r01', 'r01-a')).toEqual([{ kind: 'powered_by', from: 'r01', to: 'r01-a', feed: 'A' }]);
    expect(rel('r01', 'r01-b')).toEqual([{ kind: 'powered_by', from: 'r01', to: 'r01-b', feed: 'B' }]);
    expect(rel('pdu-r01-a', 'r01-a')).toEqual([{ kind: 'powered_by', from: 'pdu-r01-a', to: 'r01-a', feed: 'A' }]);
    expect(rel('pdu-r01-b', 'r01-b')).toEqual([{ kind: 'powered_by', from: 'pdu-r01-b', to: 'r01-b', feed: 'B' }]);
    // A dual-corded server: one cord per PDU, the side inherited from the PDU's own feed.
    expect(rel('srv-r01-01', 'pdu-r01-a')).toEqual([{ kind: 'powered_by', from: 'srv-r01-01', to: 'pdu-r01-a', port: '1', feed: 'A' }]);
    expect(rel('srv-r01-01', 'pdu-r01-b')).toEqual([{ kind: 'powered_by', from: 'srv-r01-01', to: 'pdu-r01-b', port: '1', feed: 'B' }]);
    // Cable 5 has the outlet on its A end: still the switch is powered by the PDU.
    expect(rel('sw-r01', 'pdu-r01-a')).toEqual([{ kind: 'powered_by', from: 'sw-r01', to: 'pdu-r01-a', port: '2', feed: 'A' }]);
    expect(rel('srv-r03-01', 'ups-r03')).toEqual([{ kind: 'powered_by', from: 'srv-r03-01', to: 'ups-r03', port: 'Outlet 1', feed: 'A' }]);
    expect(plan.relations).toHaveLength(5 + 5 + 11);
  });

  it('counts data cables without importing them', () => {
    expect(summary.dataCablesIgnored).toBe(2);
    expect(plan.relations.every((r) => r.kind === 'powered_by')).toBe(true);
  });

  it('produces a plan that the schemas accept, parents before children', () => {
    const seen = new Set<string>();
    for (const ci of plan.cis) {
      expect(ciInput.safeParse(ci).success).toBe(true);
      expect(CI_ATTRIBUTE_SCHEMAS[ci.type].safeParse(ci.attributes ?? {}).success).toBe(true);
      if (ci.parent) expect(seen.has(ci.parent), `${ci.key} after its parent ${ci.parent}`).toBe(true);
      seen.add(ci.key);
    }
    for (const m of plan.models) expect(ciModelInput.safeParse(m).success).toBe(true);
    for (const r of plan.relations) {
      expect(relationInput.safeParse(r).success).toBe(true);
      expect(seen.has(r.from) && seen.has(r.to)).toBe(true);
    }
    expect(new Set(plan.cis.map((c) => c.key)).size).toBe(plan.cis.length);
  });

  it('keeps a link back to each object in NetBox', () => {
    expect(ciOf(plan.cis, 'srv-r01-01').links).toEqual([{ title: 'NetBox', url: 'https://netbox.example.net/dcim/devices/4/' }]);
  });
});

describe('importNetbox: bad rows', () => {
  const { plan, errors } = importNetbox(fixture('bad-rows.json'));
  const where = errors.map((e) => [e.collection, e.row, e.field]);

  it('reports every bad row with its collection, row and field', () => {
    expect(where).toEqual([
      ['racks', 2, 'u_height'],
      ['devices', 2, 'rack'],
      ['devices', 3, 'device_type'],
      ['devices', 4, 'position'],
      ['devices', 6, 'rack'],
      ['devices', 7, 'site'],
      ['power_feeds', 2, 'power_panel'],
      ['power_feeds', 3, 'max_utilization'],
      ['cables', 2, 'a_terminations[0].object.device'],
    ]);
  });

  it('says why, in terms of the export', () => {
    const message = (collection: string, row: number) => errors.find((e) => e.collection === collection && e.row === row)!.message;
    expect(message('racks', 2)).toMatch(/expected a number, got "tall"/);
    expect(message('devices', 2)).toBe('rack 999 is not in the export');
    expect(message('devices', 3)).toBe('device type 77 is not in the export');
    expect(message('devices', 4)).toMatch(/beyond the 42U rack/);
    expect(message('devices', 6)).toBe('rack 2 was rejected (racks row 2)');
    expect(message('power_feeds', 2)).toBe('required');
    expect(errors.find((e) => e.collection === 'devices' && e.row === 2)!.ref).toBe('2');
  });

  it('still imports the good rows', () => {
    expect(plan.cis.map((c) => c.key)).toEqual([
      'osa2', 'server-room-a', 'a01', 'a03', 'pp-1', 'srv-a01-10', 'pdu-a03-a', 'srv-a03-20', 'a03-a',
    ]);
    expect(plan.relations).toEqual([
      { kind: 'powered_by', from: 'a03-a', to: 'pp-1' },
      { kind: 'powered_by', from: 'a03', to: 'a03-a', feed: 'A' },
      { kind: 'powered_by', from: 'pdu-a03-a', to: 'a03-a', feed: 'A' },
      { kind: 'powered_by', from: 'srv-a03-20', to: 'pdu-a03-a', port: '2', feed: 'A' },
    ]);
  });
});

describe('importNetbox: input forms and edge cases', () => {
  it('reads bare arrays and paginated list responses alike', () => {
    const paged = importNetbox(fixture('small-site.json'));
    const bare = importNetbox(editable('small-site.json'));
    expect(bare).toEqual(paged);
  });

  it('warns when a paginated collection holds only its first page', () => {
    const exp = editable('small-site.json');
    const partial: NetboxExport = { ...exp, sites: { count: 40, next: 'https://netbox.example.net/api/dcim/sites/?limit=1&offset=1', previous: null, results: exp.sites } };
    const { warnings } = importNetbox(partial);
    expect(warnings).toEqual([expect.objectContaining({ collection: 'sites', row: 0, field: 'next', message: expect.stringMatching(/only 1 of 40/) })]);
  });

  it('rejects a collection that is not a list', () => {
    const { errors } = importNetbox({ sites: { detail: 'Authentication credentials were not provided.' } as never });
    expect(errors).toEqual([expect.objectContaining({ collection: 'sites', row: 0, field: 'sites' })]);
  });

  it('prefixes keys with the site slug when names collide across sites', () => {
    const exp = editable('small-site.json');
    const site2 = { ...exp.sites[0], id: 2, name: 'Osaka DC2', slug: 'osa2', url: 'https://netbox.example.net/api/dcim/sites/2/' };
    exp.sites.push(site2);
    exp.racks.push({ ...exp.racks[0], id: 4, name: 'R01', site: { id: 2, name: 'Osaka DC2', slug: 'osa2' }, location: null });
    const { plan, errors } = importNetbox(exp);
    expect(errors).toEqual([]);
    const racks = plan.cis.filter((c) => c.type === 'rack').map((c) => [c.key, c.parent]);
    expect(racks).toEqual(expect.arrayContaining([['tyo1-r01', 'data-hall-1'], ['osa2-r01', 'osa2-unassigned'], ['r02', 'data-hall-1']]));
    // References follow the new keys.
    expect(plan.relations).toContainEqual({ kind: 'powered_by', from: 'tyo1-r01', to: 'r01-a', feed: 'A' });
    expect(ciOf(plan.cis, 'srv-r01-01').parent).toBe('tyo1-r01');
  });

  it('keys names that sanitise to nothing (e.g. Japanese) by NetBox id, keeping the name', () => {
    const exp = editable('small-site.json');
    exp.racks[0].name = 'ラック１';
    const { plan } = importNetbox(exp);
    expect(ciOf(plan.cis, 'rack-1')).toMatchObject({ name: 'ラック１', type: 'rack' });
    expect(netboxKeyPart('ＲＡＣＫ－０１')).toBe('rack-01');
    expect(netboxKeyPart('Hall 1 / Cage #7')).toBe('hall-1-cage-7');
    expect(netboxKeyPart('Raum Süd')).toBe('raum-sud');
    expect(netboxKeyPart('サーバー室')).toBe('');
  });

  it('turns a top-level location with sub-locations into a building with rooms', () => {
    const exp = editable('small-site.json');
    const site = { id: 1, name: 'Tokyo DC1', slug: 'tyo1' };
    exp.locations = [
      { id: 10, name: 'Building 1', slug: 'building-1', site, parent: null },
      { id: 11, name: 'Floor 2', slug: 'floor-2', site, parent: { id: 10, name: 'Building 1', slug: 'building-1' } },
      { id: 1, name: 'Data Hall 1', slug: 'data-hall-1', site, parent: { id: 11, name: 'Floor 2', slug: 'floor-2' } },
    ];
    exp.racks[2].location = { id: 10, name: 'Building 1', slug: 'building-1' };
    const { plan, errors, summary } = importNetbox(exp);
    expect(errors).toEqual([]);
    expect(ciOf(plan.cis, 'building-1')).toMatchObject({ type: 'building', parent: 'tyo1' });
    expect(ciOf(plan.cis, 'floor-2')).toMatchObject({ type: 'room', parent: 'building-1' });
    expect(ciOf(plan.cis, 'data-hall-1')).toMatchObject({ type: 'room', parent: 'building-1' });
    expect(ciOf(plan.cis, 'r03').parent).toBe('building-1-unassigned');
    expect(ciOf(plan.cis, 'building-1-unassigned').parent).toBe('building-1');
    expect(summary.synthesisedRooms).toEqual(expect.arrayContaining(['building-1-unassigned', 'tyo1-unassigned']));
  });

  it('reports a UPS without ratings against the custom field that would carry them', () => {
    const exp = editable('small-site.json');
    exp.device_types[3].custom_fields = {};
    const { errors, plan } = importNetbox(exp);
    expect(errors).toContainEqual(expect.objectContaining({ collection: 'devices', row: 11, field: 'custom_fields.rated_kva' }));
    expect(plan.cis.some((c) => c.key === 'ups-r03')).toBe(false);
    // What it powered goes with it, reported against the cable.
    expect(errors).toContainEqual(expect.objectContaining({ collection: 'cables', row: 8, field: 'b_terminations[0].object.device' }));
  });

  it('reports weights without a unit, unknown statuses and duplicate ids', () => {
    const exp = editable('small-site.json');
    exp.racks[0].weight_unit = null;
    exp.devices[3].status = { value: 'borrowed', label: 'Borrowed' };
    exp.power_feeds.push({ ...exp.power_feeds[0] });
    const where = importNetbox(exp).errors.map((e) => [e.collection, e.row, e.field]);
    expect(where).toContainEqual(['racks', 1, 'weight_unit']);
    expect(where).toContainEqual(['devices', 4, 'status']);
    expect(where).toContainEqual(['power_feeds', 6, 'id']);
  });

  it('records a half-U position as the U below, with a warning', () => {
    const exp = editable('small-site.json');
    exp.devices[3].position = 10.5;
    const { plan, warnings } = importNetbox(exp);
    expect(ciOf(plan.cis, 'srv-r01-01').positionU).toBe(10);
    expect(warnings).toEqual([expect.objectContaining({ collection: 'devices', row: 4, field: 'position' })]);
  });
});
