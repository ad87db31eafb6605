import { describe, expect, it } from 'vitest';
import { rackServerLayout } from '../site/rack-layout.ts';
import { defaultDemoSite, generateSite } from '../site/spec.ts';
import { energyBalanceViolations } from './balance.ts';
import { pvOutputW, sunElevationSine } from './environment.ts';
import { SiteModel, siteStateToJson, type ModelSiteState } from './site-model.ts';
import { doubleConversionEfficiency } from './ups-power.ts';
import { mulberry32 } from './prng.ts';

// 2025-07-01 03:00 UTC = about solar noon in Tokyo (139.69° E).
const T0 = Date.UTC(2025, 6, 1, 3, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;

function model(racks = 8, seed = 1, start = T0): SiteModel {
  const spec = racks === 8 ? defaultDemoSite(seed) : generateSite({ racks, seed });
  return new SiteModel(spec, { startSimTimeMs: start });
}

function expectBalanced(state: ModelSiteState): void {
  expect(energyBalanceViolations(state)).toEqual([]);
}

describe('SiteModel: determinism', () => {
  it('gives the same state for the same seed and steps', () => {
    const a = model(40, 7);
    const b = model(40, 7);
    for (let i = 1; i <= 20; i++) {
      a.advance(T0 + i * 2000);
      b.advance(T0 + i * 2000);
    }
    expect(JSON.stringify(siteStateToJson(a.state()))).toBe(JSON.stringify(siteStateToJson(b.state())));
  });

  it('gives a different state for another seed', () => {
    const a = model(40, 7);
    const b = model(40, 8);
    expect(a.state().facility.itW).not.toBe(b.state().facility.itW);
  });

  it('loads do not depend on how the time was stepped (pure function of time)', () => {
    const fine = model(20, 3);
    const coarse = model(20, 3);
    for (let i = 1; i <= 60; i++) fine.advance(T0 + i * 1000);
    coarse.advance(T0 + 60_000);
    expect(coarse.state().facility.itW).toBeCloseTo(fine.state().facility.itW, 6);
  });
});

describe('SiteModel: energy conservation', () => {
  it('balances exactly at many random instants, including large steps', () => {
    const m = model(60, 11);
    const rng = mulberry32(99);
    let t = T0;
    expectBalanced(m.state());
    for (let i = 0; i < 200; i++) {
      // Steps from 1 s up to 2 h simulated.
      t += Math.floor(1000 + rng() * (rng() < 0.2 ? 2 * HOUR : 60_000));
      expectBalanced(m.advance(t));
    }
  });

  it('balances while faults move power around (battery, bypass, overload, trips, CRAC off, generator)', () => {
    const m = model(40, 5);
    const spec = m.spec;
    m.faults.inject({ kind: 'utility_failure', target: 'ups-a1' });
    m.faults.inject({ kind: 'ups_overload', target: 'ups-b1', params: { percentLoad: 120 } });
    m.faults.inject({ kind: 'breaker_trip', target: `${spec.racks[0].id}-pdu-b` });
    m.faults.inject({ kind: 'outlet_overload', target: `${spec.racks[1].id}-pdu-a`, params: { outlet: 2 } });
    m.faults.inject({ kind: 'crac_failure', target: spec.cracs[0].id });
    let t = T0;
    for (let i = 0; i < 30; i++) expectBalanced(m.advance((t += 7000)));
    m.faults.inject({ kind: 'utility_failure', target: 'site' });
    for (let i = 0; i < 10; i++) expectBalanced(m.advance((t += 3000)));
    expect(m.state().facility.generatorRunning).toBe(true);
  });

  it('integrates energy counters monotonically and consistently with power', () => {
    const m = model();
    const before = m.state();
    const inletBefore = before.pdus.get('r1-a01-pdu-a')!.inlet.activeEnergyWh;
    const utilityBefore = before.meters.get('meter-utility')!.energyWh;
    const waterBefore = before.meters.get('meter-water')!.volumeL;
    let prev = before;
    for (let i = 1; i <= 60; i++) {
      const s = m.advance(T0 + i * MIN);
      for (const [id, pdu] of s.pdus) {
        expect(pdu.inlet.activeEnergyWh).toBeGreaterThanOrEqual(prev.pdus.get(id)!.inlet.activeEnergyWh);
        pdu.outlets.forEach((o, k) => expect(o.activeEnergyWh).toBeGreaterThanOrEqual(prev.pdus.get(id)!.outlets[k].activeEnergyWh));
      }
      for (const [id, u] of s.ups) expect(u.outputEnergyWh).toBeGreaterThanOrEqual(prev.ups.get(id)!.outputEnergyWh);
      for (const [id, meter] of s.meters) {
        expect(meter.energyWh).toBeGreaterThanOrEqual(prev.meters.get(id)!.energyWh);
        expect(meter.volumeL).toBeGreaterThanOrEqual(prev.meters.get(id)!.volumeL);
      }
      prev = s;
    }
    // One hour of ~P W is ~P Wh.
    const pdu = prev.pdus.get('r1-a01-pdu-a')!;
    expect(pdu.inlet.activeEnergyWh - inletBefore).toBeGreaterThan(0.8 * pdu.inlet.activePowerW);
    expect(pdu.inlet.activeEnergyWh - inletBefore).toBeLessThan(1.2 * pdu.inlet.activePowerW);
    // Σ outlet counters tracks the inlet counter (both integrate the same powers).
    const outletDelta = pdu.outlets.reduce((s, o) => s + o.activeEnergyWh, 0) - before.pdus.get('r1-a01-pdu-a')!.outlets.reduce((s, o) => s + o.activeEnergyWh, 0);
    expect(outletDelta).toBeCloseTo(pdu.inlet.activeEnergyWh - inletBefore, 6);
    expect(prev.meters.get('meter-utility')!.energyWh - utilityBefore).toBeGreaterThan(0.8 * prev.facility.utilityW);
    expect(prev.meters.get('meter-water')!.volumeL - waterBefore).toBeCloseTo(prev.facility.waterFlowLpm * 60, -1);
    // Demand over a full window ≈ mean power.
    expect(prev.meters.get('meter-utility')!.demandW).toBeGreaterThan(0.9 * prev.facility.utilityW);
    expect(prev.meters.get('meter-utility')!.demandW).toBeLessThan(1.1 * prev.facility.utilityW);
  });
});

describe('SiteModel: electrical realism', () => {
  it('uses ~230 V, I = P/(V·pf), S = P/pf on outlets and inlets; some outlets are off or unused', () => {
    const s = model().state();
    const pdu = s.pdus.get('r1-a01-pdu-a')!;
    expect(pdu.inlet.voltageV).toBeGreaterThan(220);
    expect(pdu.inlet.voltageV).toBeLessThan(240);
    for (const o of pdu.outlets) {
      if (o.activePowerW === 0) continue;
      expect(o.apparentPowerVA).toBeCloseTo(o.activePowerW / o.powerFactor, 9);
      expect(o.currentA).toBeCloseTo(o.activePowerW / (o.voltageV * o.powerFactor), 9);
    }
    expect(pdu.outlets.some((o) => !o.on)).toBe(true);
    expect(pdu.outlets.some((o) => o.on && o.activePowerW === 0)).toBe(true);
    expect(pdu.inlet.currentA).toBeCloseTo(pdu.inlet.apparentPowerVA / pdu.inlet.voltageV, 9);
    // Both feeds share the rack roughly half and half.
    const b = s.pdus.get('r1-a01-pdu-b')!;
    expect(pdu.inlet.activePowerW / (pdu.inlet.activePowerW + b.inlet.activePowerW)).toBeCloseTo(0.5, 1);
  });

  it('has a double-conversion efficiency curve: ~90 % at 20 % load, 95–96 % at 50–80 %', () => {
    expect(doubleConversionEfficiency(0.2)).toBeGreaterThan(0.895);
    expect(doubleConversionEfficiency(0.2)).toBeLessThan(0.915);
    for (const load of [0.5, 0.65, 0.8]) {
      expect(doubleConversionEfficiency(load)).toBeGreaterThan(0.948);
      expect(doubleConversionEfficiency(load)).toBeLessThan(0.962);
    }
    const u = model().state().ups.get('ups-a1')!;
    expect(u.efficiencyPercent).toBeCloseTo(doubleConversionEfficiency(u.outputPowerW / u.ratedW) * 100, 6);
  });

  it('keeps every UPS at or under 80 % even with one feed carrying all racks', () => {
    const m = model(300, 4);
    const s = m.state();
    for (const u of m.spec.ups) {
      const racks = m.spec.racks.filter((r) => r.upsA === u.id || r.upsB === u.id);
      const nominal = racks.reduce((sum, r) => sum + r.itLoadW, 0) * 1.01;
      expect(nominal / u.ratedW).toBeLessThanOrEqual(0.8);
      expect(s.ups.get(u.id)!.outputPercentLoad).toBeLessThan(60);
    }
  });

  it('lets the other feed carry a rack whose feed is dead', () => {
    const m = model();
    const beforeRack = m.state().sensors.get('r1-a01')!.rackPowerW;
    m.faults.inject({ kind: 'breaker_trip', target: 'r1-a01-pdu-a' });
    const s = m.state();
    expect(s.pdus.get('r1-a01-pdu-a')!.inlet.activePowerW).toBe(0);
    expect(s.pdus.get('r1-a01-pdu-b')!.inlet.activePowerW).toBeCloseTo(beforeRack, 6);
  });

  it('switching a server outlet off moves that server to its other PSU', () => {
    const m = model();
    const server1 = m.state().pdus.get('r1-a01-pdu-a')!.outlets[0].activePowerW + m.state().pdus.get('r1-a01-pdu-b')!.outlets[0].activePowerW;
    m.setOutletPower('r1-a01-pdu-a', 1, false);
    const s = m.state();
    expect(s.pdus.get('r1-a01-pdu-a')!.outlets[0]).toMatchObject({ on: false, activePowerW: 0, currentA: 0 });
    expect(s.pdus.get('r1-a01-pdu-b')!.outlets[0].activePowerW).toBeCloseTo(server1, 6);
    expect(() => m.setOutletPower('r1-a01-pdu-a', 99, true)).toThrow(/outlets 1\.\.24/);
  });
});

describe('SiteModel: environment', () => {
  it('PV is zero at night and positive at noon', () => {
    const m = model(8, 1, Date.UTC(2025, 6, 1, 15, 0, 0)); // 00:20 solar time in Tokyo
    expect(m.state().facility.pvW).toBe(0);
    expect(m.state().meters.get('meter-pv')!.powerW).toBe(0);
    m.advance(Date.UTC(2025, 6, 2, 2, 40, 0)); // ~12:00 solar time
    expect(m.state().facility.pvW).toBeGreaterThan(0);
    expect(sunElevationSine(Date.UTC(2025, 11, 21, 2, 40), 35.68, 139.69)).toBeGreaterThan(0);
    expect(pvOutputW(Date.UTC(2025, 11, 21, 15, 0), 35.68, 139.69, 10_000, 1)).toBe(0);
  });

  it('cooling electrical power rises with the outside temperature (COP falls)', () => {
    const winter = model(8, 1, Date.UTC(2025, 0, 20, 20, 0, 0)).state();
    const summer = model(8, 1, Date.UTC(2025, 7, 1, 5, 0, 0)).state();
    expect(summer.facility.outsideTempC).toBeGreaterThan(winter.facility.outsideTempC + 10);
    const perHeat = (s: ModelSiteState) => s.facility.coolingW / s.facility.heatRemovedW;
    expect(perHeat(summer)).toBeGreaterThan(perHeat(winter));
  });

  it('CRAC follows its racks: cooling = heat, return warmer than supply, inlets top warmest and inside ASHRAE recommended', () => {
    const s = model().state();
    for (const c of s.cracs.values()) {
      expect(c.state).toBe('on');
      expect(c.coolingW).toBeCloseTo(c.heatLoadW, 6);
      expect(c.returnAirTempC).toBeGreaterThan(c.supplyAirTempC + 3);
      expect(c.fanSpeedPct).toBeGreaterThan(30);
      expect(c.coolingCapacityPct).toBeGreaterThan(20);
      expect(c.coolingCapacityPct).toBeLessThan(90);
    }
    for (const r of s.sensors.values()) {
      expect(r.inletTopC).toBeGreaterThan(r.inletMiddleC);
      expect(r.inletMiddleC).toBeGreaterThan(r.inletBottomC);
      expect(r.inletBottomC).toBeGreaterThanOrEqual(18);
      expect(r.inletTopC).toBeLessThanOrEqual(27);
      expect(r.outletC).toBeGreaterThan(r.inletMiddleC + 3);
      expect(r.humidityPct).toBeLessThanOrEqual(70);
    }
  });
});

describe('SiteModel: scale', () => {
  it('builds a 2000-rack site and advances it well within a tick', () => {
    const spec = generateSite({ racks: 2000, seed: 3 });
    expect(spec.racks).toHaveLength(2000);
    let t = performance.now();
    const m = new SiteModel(spec, { startSimTimeMs: T0 });
    const buildMs = performance.now() - t;
    const times: number[] = [];
    for (let i = 1; i <= 5; i++) {
      t = performance.now();
      m.advance(T0 + i * 2000);
      times.push(performance.now() - t);
    }
    console.log(`2000 racks (${m.state().pdus.size} PDUs): build ${buildMs.toFixed(0)} ms, advance ${times.map((x) => x.toFixed(0)).join('/')} ms`);
    expect(m.state().pdus.size).toBe(4000);
    expectBalanced(m.state());
  });
});

describe('rackServerLayout: the servers a CMDB documents are the ones the model simulates', () => {
  it('names and outlets match the PDU outlets of every rack; spare outlets carry no server', () => {
    const m = model(40, 9);
    const s = m.state();
    for (const rack of m.spec.racks) {
      const layout = rackServerLayout(rack);
      expect(layout.serverCount).toBe(layout.servers.length);
      expect(layout.serverCount + layout.spareOutlets.length).toBe(rack.outletsPerPdu);
      for (const feed of ['a', 'b']) {
        const outlets = s.pdus.get(`${rack.id}-pdu-${feed}`)!.outlets;
        for (const server of layout.servers) expect(outlets[server.outlet - 1].name).toBe(server.name);
        for (const outlet of layout.spareOutlets) {
          expect(outlets[outlet - 1].name).not.toMatch(/srv/);
          expect(outlets[outlet - 1].activePowerW).toBe(0);
        }
      }
    }
  });

  it('follows the nominal load: one server per 450 W, at least one, always two spare outlets', () => {
    const rack = { id: 'r9-z01', itLoadW: 4000, outletsPerPdu: 24 };
    expect(rackServerLayout(rack)).toMatchObject({ serverCount: 9, spareOutlets: [10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24] });
    expect(rackServerLayout(rack).servers.slice(0, 2)).toEqual([{ name: 'r9-z01-srv01', outlet: 1 }, { name: 'r9-z01-srv02', outlet: 2 }]);
    expect(rackServerLayout({ ...rack, itLoadW: 50 }).serverCount).toBe(1);
    expect(rackServerLayout({ ...rack, itLoadW: 50_000 })).toMatchObject({ serverCount: 22, spareOutlets: [23, 24] });
  });
});
