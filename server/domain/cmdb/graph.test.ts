/**
 * The in-memory graph answers on a generated 2,000-rack site (35,000 CIs), checked against the site
 * description it was built from: every rack's power path reaches its own two UPS and nothing else's; losing a
 * UPS, a distribution panel or a CRAC affects exactly the CIs the layout says, with redundancy; services follow
 * depends_on through the servers located in a rack. (Timing is measured by `kiban bench cmdb`, not here.)
 */
import { describe, expect, it } from 'vitest';
import { rackServerLayout } from '../../../firmware-sims/site/rack-layout.ts';
import { generateSite } from '../../../firmware-sims/site/spec.ts';
import { CmdbGraph } from './graph.ts';
import { sitePlan } from './site-plan.ts';

const spec = generateSite({ racks: 2000, seed: 7 });
const plan = sitePlan(spec);
const graph = CmdbGraph.fromPlan(plan);
const id = (key: string) => { const v = graph.idOf(key); if (v === undefined) throw new Error(`no ${key}`); return v; };

describe('a generated 2,000-rack site', () => {
  it('is ~35,000 CIs', () => {
    expect(spec.racks).toHaveLength(2000);
    expect(graph.size.cis).toBeGreaterThan(30_000);
  });

  it('the power path of every 50th rack: its two feeds, its own UPS pair, the transformer, the utility and the generator', () => {
    for (const rack of spec.racks.filter((_, i) => i % 50 === 0)) {
      const path = graph.powerPath(id(rack.id));
      const keys = new Set(path.nodes.map((n) => n.key));
      for (const k of [`feed-${rack.id}-a`, `feed-${rack.id}-b`, rack.upsA, rack.upsB, 'tr-1', 'utility-1', 'gen-1']) expect(keys.has(k), `${rack.id} → ${k}`).toBe(true);
      const upsOnPath = [...keys].filter((k) => k.startsWith('ups-')).sort();
      expect(upsOnPath).toEqual([rack.upsA, rack.upsB].sort());
      expect(path.sources).toEqual(['gen-1', 'utility-1']);
      expect(path.nodes.find((n) => n.key === rack.upsA)!.depth).toBe(3); // rack → feed → panel → UPS
    }
  });

  it('losing UPS A of a pair: its racks, feeds A, PDUs A, servers and sensors — exactly those — and only redundancy is lost', () => {
    const ups = spec.ups.find((u) => u.id === 'ups-a3')!.id;
    const affected = graph.impact(id(ups));
    const racks = spec.racks.filter((r) => r.upsA === ups);
    const expected = new Map<string, string>([[`pdp-a3`, 'loses_power']]);
    for (const r of racks) {
      expected.set(r.id, 'loses_redundancy');
      expected.set(`feed-${r.id}-a`, 'loses_power');
      expected.set(`${r.id}-pdu-a`, 'loses_power');
      // The sensor has no power cord of its own in the CMDB: it shares its rack's supply.
      expected.set(`${r.id}-sensor`, 'loses_redundancy');
      for (const s of rackServerLayout(r).servers) expected.set(s.name, 'loses_redundancy');
    }
    const services = affected.filter((a) => a.type === 'service');
    const devices = new Map(affected.filter((a) => a.type !== 'service').map((a) => [a.key, a.effect]));
    expect(devices).toEqual(expected);
    expect(services.every((s) => s.effect === 'service_degraded')).toBe(true);
    expect(affected.filter((a) => a.effect === 'loses_power' && a.type === 'server')).toEqual([]);
  });

  it('losing a distribution panel is the same as losing its UPS, minus the panel', () => {
    const panel = graph.impact(id('pdp-b2')).filter((a) => a.type !== 'service').map((a) => a.key).sort();
    const ups = graph.impact(id('ups-b2')).filter((a) => a.type !== 'service' && a.key !== 'pdp-b2').map((a) => a.key).sort();
    expect(panel).toEqual(ups);
    expect(panel.length).toBeGreaterThan(100);
  });

  it('losing one CRAC: exactly the racks it cools and what is in them lose cooling', () => {
    const crac = spec.cracs[17];
    const affected = graph.impact(id(crac.id));
    const racks = spec.racks.filter((r) => r.crac === crac.id);
    const expected = new Set<string>();
    for (const r of racks) {
      expected.add(r.id);
      for (const k of [`feed-${r.id}-a`, `feed-${r.id}-b`, `${r.id}-pdu-a`, `${r.id}-pdu-b`, `${r.id}-sensor`]) expected.add(k);
      for (const s of rackServerLayout(r).servers) expected.add(s.name);
    }
    const devices = affected.filter((a) => a.type !== 'service');
    expect(new Set(devices.map((a) => a.key))).toEqual(expected);
    expect(devices.every((a) => a.effect === 'loses_cooling')).toBe(true);
    expect(affected.find((a) => a.key === racks[0].id)!.via).toBe(crac.id);
  });

  it('losing utility and generator together takes every server down; losing only the utility takes none', () => {
    const utility = graph.impact(id('utility-1'));
    expect(utility.filter((a) => a.type === 'server' && a.effect === 'loses_power')).toEqual([]);
    // Remove the generator's edges for a moment: utility loss is now total.
    const genRelations = plan.relations.map((r, i) => ({ r, i })).filter(({ r }) => r.to === 'gen-1');
    for (const { i } of genRelations) graph.deleteRelation(i + 1);
    try {
      const total = graph.impact(id('utility-1'));
      const serverCount = spec.racks.reduce((n, r) => n + rackServerLayout(r).serverCount, 0);
      expect(total.filter((a) => a.type === 'server' && a.effect === 'loses_power')).toHaveLength(serverCount);
      expect(total.filter((a) => a.type === 'service').every((a) => a.effect === 'service_down')).toBe(true);
    } finally {
      for (const { r, i } of genRelations) graph.upsertRelation({ id: i + 1, kind: r.kind, fromId: id(r.from), toId: id(r.to), feed: r.feed ?? null, port: r.port ?? null });
    }
  });

  it('services that depend on a rack: its row service and the portal above it, through its first servers', () => {
    const rack = spec.racks[1337];
    const services = graph.dependentServices(id(rack.id));
    expect(services.map((s) => s.key)).toContain(`svc-${rack.row}`);
    expect(services.find((s) => s.key === `svc-${rack.row}`)!.via).toBe(`${rack.id}-srv01`);
    // A rack of another row does not serve this row's service.
    const other = spec.racks.find((r) => r.row !== rack.row)!;
    expect(graph.dependentServices(id(other.id)).map((s) => s.key)).not.toContain(`svc-${rack.row}`);
  });

  it('services that need a UPS: those of every row it powers a first server in, through power, not location', () => {
    const ups = 'ups-b5';
    const rows = new Set(spec.racks.filter((r) => r.upsB === ups).map((r) => r.row));
    const services = graph.dependentServices(id(ups)).map((s) => s.key).filter((k) => k !== 'svc-portal');
    expect(services.sort()).toEqual([...rows].map((r) => `svc-${r}`).sort());
  });

  it('losing a rack as a whole loses everything located in it, whatever feeds it', () => {
    const rack = spec.racks[42];
    const affected = graph.impact(id(rack.id));
    for (const s of rackServerLayout(rack).servers) expect(affected.find((a) => a.key === s.name)).toMatchObject({ effect: 'loses_power', via: rack.id });
    expect(affected.find((a) => a.key === `${rack.id}-pdu-a`)).toMatchObject({ effect: 'loses_power' });
    expect(affected.find((a) => a.key === `svc-${rack.row}`)).toMatchObject({ effect: 'service_down' });
  });
});
