/**
 * The site power rules on their own (no database): the demo site's plan as the power model sees it, the
 * fallbacks when meters are missing or silent, and the clamps that keep a figure from turning silly.
 */
import { describe, expect, it } from 'vitest';
import { defaultDemoSite } from '../../../firmware-sims/site/spec.ts';
import { sitePlan } from '../cmdb/site-plan.ts';
import { powerChain } from './chain.ts';
import { lossesOf, sitePowerSummary } from './summary.ts';
import { SITE_POWER_CI_TYPES, type PowerPoint, type Reading, type SitePowerInputs } from './types.ts';

const NOW = new Date('2026-01-10T03:00:00Z');
const fresh = (value: number | null): Reading => ({ value, ts: new Date(NOW.getTime() - 2_000), quality: value === null ? 'comm_loss' : 'ok' });

/** The demo site's plan as the power model loads it, with a reading for every power point. */
function demoInputs(values: (key: string) => number | null | undefined = () => undefined): SitePowerInputs {
  const spec = defaultDemoSite();
  const plan = sitePlan(spec);
  const types = new Set<string>(SITE_POWER_CI_TYPES);
  const cis = plan.cis.filter((c) => types.has(c.type)).map((c) => ({
    key: c.key, type: c.type, name: c.name, status: 'active', parentKey: c.parent ?? null, attributes: c.attributes ?? {}, devices: c.devices ?? [],
  }));
  const relations = plan.relations.filter((r) => r.kind === 'powered_by' || r.kind === 'monitored_by')
    .map((r) => ({ kind: r.kind as 'powered_by' | 'monitored_by', from: r.from, to: r.to, feed: r.feed ?? null }));
  const points: PowerPoint[] = [];
  const readings = new Map<string, Reading>();
  const point = (device: string, metric: string, role: string, unit: string, value: number, states: Record<string, string> | null = null) => {
    const key = `${device}/${metric}`;
    points.push({ key, device, metric, unit, role, states });
    const v = values(key);
    readings.set(key, fresh(v === undefined ? value : v));
  };
  for (const m of spec.meters) if (m.kind !== 'water') point(m.id, 'active_power', 'meter.active_power', 'W', m.kind === 'utility' ? 42_000 : 0);
  for (const u of spec.ups) {
    point(u.id, 'input.l1.power', 'ups.input.power', 'W', 17_000);
    point(u.id, 'output.l1.power', 'ups.output.power', 'W', 16_000);
    point(u.id, 'output.l1.load', 'ups.output.load', '%', 27);
    point(u.id, 'output.source', 'ups.output.source', '', 3, { 3: 'normal', 5: 'battery' });
    point(`${u.id}-modbus`, 'status.on_battery', 'ups.status.on_battery', '', 0);
  }
  for (const r of spec.racks) for (const side of ['a', 'b']) point(`${r.id}-pdu-${side}`, 'inlet.1.power', 'pdu.inlet.power', 'W', 2_000);
  return { site: { key: 'site', name: spec.name }, cis, relations, points, readings, now: NOW, staleAfterMs: 600_000, holdMs: 60_000 };
}

describe('the demo site', () => {
  const spec = defaultDemoSite();

  it('summary: utility from the supply meters, IT from all PDU inlets, cooling not metered and so inside the losses', () => {
    const s = sitePowerSummary(demoInputs());
    expect(s.utility).toMatchObject({ kw: 42, basis: 'meters', coverage: { reported: 3, expected: 3 } });
    const pdus = spec.racks.length * 2;
    expect(s.it).toMatchObject({ kw: pdus * 2, basis: 'pdu-inlets', coverage: { reported: pdus, expected: pdus } });
    expect(s.cooling).toMatchObject({ kw: null, coverage: { reported: 0, expected: spec.cracs.length }, flags: ['not-metered'] });
    expect(s.losses).toEqual({ kw: 42 - pdus * 2, flags: ['includes-cooling'] });
    expect(s.ups.map((u) => [u.key, u.kw, u.loadPct, u.onBattery])).toEqual(spec.ups.map((u) => [u.id, 16, 27, false]));
  });

  it('a UPS on battery by either of its cards', () => {
    const bySource = sitePowerSummary(demoInputs((k) => (k === 'ups-a1/output.source' ? 5 : undefined)));
    expect(bySource.ups.find((u) => u.key === 'ups-a1')!.onBattery).toBe(true);
    const byModbus = sitePowerSummary(demoInputs((k) => (k === 'ups-b1-modbus/status.on_battery' ? 1 : undefined)));
    expect(byModbus.ups.find((u) => u.key === 'ups-b1')!.onBattery).toBe(true);
    expect(byModbus.ups.find((u) => u.key === 'ups-a1')!.onBattery).toBe(false);
  });

  it('chain: every rack hangs off its A and B UPS through a panel and a PDU; the CRACs off the mechanical panel', () => {
    const chain = powerChain(demoInputs());
    const rack = spec.racks[0];
    const node = (key: string) => chain.nodes.find((n) => n.key === key)!;
    expect(node('utility-1')).toMatchObject({ column: 'source', kw: 42 });
    expect(node('pv-1')).toMatchObject({ column: 'source', kw: 0 });
    expect(node('tr-1')).toMatchObject({ column: 'transformer', basis: 'upstream', kw: 42 });
    expect(node(rack.upsA)).toMatchObject({ column: 'ups', kw: 16, loadPct: 27 });
    expect(node('pdp-a1')).toMatchObject({ column: 'panel', basis: 'upstream', kw: 16, upsKeys: ['ups-a1'] });
    expect(node('mcc-1')).toMatchObject({ column: 'panel', kw: null, basis: null, upsKeys: [] });
    expect(node(rack.id)).toMatchObject({ column: 'load', kw: 4, upsKeys: [rack.upsA, rack.upsB].sort(), ratedKw: expect.any(Number) });
    expect(node(spec.cracs[0].id)).toMatchObject({ column: 'load', kw: null });
    const link = (from: string, to: string) => chain.links.find((l) => l.from === from && l.to === to);
    expect(link('pdp-a1', `${rack.id}-pdu-a`)).toMatchObject({ side: 'A', via: [`feed-${rack.id}-a`], kw: 2 });
    expect(link(`${rack.id}-pdu-b`, rack.id)).toMatchObject({ side: 'B', kw: 2 });
    expect(link('tr-1', rack.upsA)).toMatchObject({ kw: 17, idle: false });
    // The generator stands by: its links carry nothing; the CRACs' supply is not measurable.
    expect(link('gen-1', rack.upsA)).toMatchObject({ kw: 0, idle: true });
    expect(link('mcc-1', spec.cracs[0].id)).toMatchObject({ kw: null, points: [] });
    // Racks draw through their PDUs: no link straight from a feed's panel to the rack.
    expect(chain.links.filter((l) => l.to === rack.id).map((l) => l.from).sort()).toEqual([`${rack.id}-pdu-a`, `${rack.id}-pdu-b`]);
  });

  it('on generator (utility lost): the utility links idle, the generator carries the UPSs', () => {
    const chain = powerChain(demoInputs((k) => (k === 'meter-utility/active_power' ? 0 : k === 'meter-generator/active_power' ? 40_000 : undefined)));
    const ups = spec.racks[0].upsA;
    expect(chain.links.find((l) => l.from === 'utility-1' && l.to === 'tr-1')).toMatchObject({ idle: true, kw: 0 });
    expect(chain.links.find((l) => l.from === 'gen-1' && l.to === ups)).toMatchObject({ idle: false, kw: 17 });
  });
});

describe('fallbacks and clamps', () => {
  it('no supply meter: utility is the UPS inputs, flagged as missing the unmetered cooling', () => {
    const inputs = demoInputs();
    inputs.cis = inputs.cis.filter((c) => c.type !== 'meter');
    const s = sitePowerSummary(inputs);
    expect(s.utility).toMatchObject({ basis: 'ups-inputs', kw: 34, flags: ['excludes-cooling'] });
  });

  it('half the PDUs stale: IT from the UPS outputs, which all report', () => {
    const inputs = demoInputs();
    for (const [key, r] of inputs.readings) if (key.includes('-pdu-a/')) inputs.readings.set(key, { ...r, ts: new Date(NOW.getTime() - 3_600_000) });
    const s = sitePowerSummary(inputs);
    expect(s.it).toMatchObject({ basis: 'ups-outputs', kw: 32, coverage: { reported: 2, expected: 2 } });
  });

  it('a poll lost a moment ago keeps the last value; one lost for longer than the hold time does not', () => {
    const lostAt = (key: string, agoMs: number, inputs: SitePowerInputs) =>
      inputs.readings.set(key, { value: null, ts: new Date(NOW.getTime() - 1_000), quality: 'comm_loss', lastValue: { value: 2_000, ts: new Date(NOW.getTime() - agoMs) } });
    const blip = demoInputs();
    lostAt('r1-a01-pdu-a/inlet.1.power', 20_000, blip);
    expect(sitePowerSummary(blip).it).toMatchObject({ basis: 'pdu-inlets', kw: 32, coverage: { reported: 16, expected: 16 } });
    const gone = demoInputs();
    lostAt('r1-a01-pdu-a/inlet.1.power', 90_000, gone);
    expect(sitePowerSummary(gone).it).toMatchObject({ basis: 'ups-outputs', kw: 32 });
    expect(powerChain(gone).nodes.find((n) => n.key === 'r1-a01-pdu-a')).toMatchObject({ kw: null, coverage: { reported: 0, expected: 1 } });
  });

  it('neither PDUs nor UPS outputs complete: the better covered one, flagged partial', () => {
    const s = sitePowerSummary(demoInputs((k) => (k === 'r1-a01-pdu-a/inlet.1.power' || k === 'ups-a1/output.l1.power' ? null : undefined)));
    expect(s.it).toMatchObject({ basis: 'pdu-inlets', kw: 30, coverage: { reported: 15, expected: 16 }, flags: ['partial'] });
  });

  it('losses never go below zero; unknown when utility or IT is', () => {
    expect(lossesOf(10, 12, 1, false)).toEqual({ kw: 0, flags: ['negative-clamped'] });
    expect(lossesOf(10, 8, null, true)).toEqual({ kw: 2, flags: ['includes-cooling'] });
    expect(lossesOf(null, 8, 1, false)).toEqual({ kw: null, flags: [] });
    const s = sitePowerSummary(demoInputs((k) => (k === 'meter-utility/active_power' ? 10_000 : undefined)));
    expect(s.losses).toEqual({ kw: 0, flags: ['includes-cooling', 'negative-clamped'] });
  });
});
