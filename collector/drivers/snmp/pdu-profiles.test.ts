/**
 * The shipped PDU profiles against the simulated Raritan PX2 and Sentry4 agents over real UDP: outlet
 * power equals what the simulator serves, Σ outlets ≈ inlet, a tripped breaker shows, a dead vendor
 * subtree gives sentinels, and SNMPv3 authPriv polling reads the same.
 */
import * as snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../../firmware-sims/index.ts';
import type { PduState } from '../../../firmware-sims/site/types.ts';
import { loadProfile, type SnmpProfile } from '../../profile.ts';
import type { PollTarget, RawReading } from '../types.ts';
import { SnmpDriver } from './snmp-driver.ts';

const byMetric = (readings: RawReading[]) => new Map(readings.map((r) => [r.metric, r]));
/** Outlet power as the wire shows it: 0 W behind a tripped breaker or with the relay off, whole watts. */
const servedW = (pdu: PduState, i: number) => (pdu.breakerTripped || !pdu.outlets[i].on ? 0 : Math.round(pdu.outlets[i].activePowerW));

describe('PDU profiles against the simulated PDUs (real UDP)', () => {
  let sim: SimHandle;
  const driver = new SnmpDriver();
  const targets: Record<'raritan-px2' | 'servertech-sentry4', PollTarget & { v3Target: PollTarget }> = {} as never;
  const profiles: Record<string, SnmpProfile> = {};
  const signal = new AbortController().signal;

  beforeAll(async () => {
    sim = await startSim({ controlPort: 0, tickMs: 600_000 });
    for (const name of ['raritan-px2', 'servertech-sentry4'] as const) {
      profiles[name] = await loadProfile(name);
      const d = sim.devices.find((x) => x.profile === name)!;
      const base = { device: d.id, host: d.host, port: d.port, community: d.snmp?.community ?? 'public', timeoutMs: 2000, retries: 0 };
      const v3 = (d.snmp as { v3?: { user: string; authKey: string; privKey: string } }).v3!;
      targets[name] = { ...base, v3Target: { ...base, v3: { user: v3.user, authKey: v3.authKey, privKey: v3.privKey } } };
    }
  });
  afterAll(async () => {
    await driver.close();
    await sim?.stop();
  });

  const fault = async (kind: string, target: string) => {
    const res = await fetch(`${sim.controlUrl}/sim/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind, target }) });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as { id: string };
  };
  const clear = async (id: string) => { await fetch(`${sim.controlUrl}/sim/v1/faults/${id}`, { method: 'DELETE' }); };

  for (const name of ['raritan-px2', 'servertech-sentry4'] as const) {
    it(`${name}: every outlet power equals the simulator's, Σ outlets ≈ inlet, states labelled`, async () => {
      const t = targets[name];
      const m = byMetric(await driver.poll(t, profiles[name], signal));
      const pdu = sim.model.state().pdus.get(t.device)!;
      expect(pdu.outlets.length).toBeGreaterThan(0);
      let sum = 0;
      for (const [i, o] of pdu.outlets.entries()) {
        const r = m.get(`outlet.${o.index}.power`);
        expect(r, `outlet.${o.index}.power`).toMatchObject({ value: servedW(pdu, i), quality: 'ok' });
        expect(r!.decl).toMatchObject({ unit: 'W', role: 'pdu.outlet.power' });
        expect(m.get(`outlet.${o.index}.energy`)!.value).toBe(Math.round(o.activeEnergyWh));
        sum += r!.value!;
      }
      const inlet = m.get('inlet.1.power')!;
      expect(inlet).toMatchObject({ value: Math.round(pdu.inlet.activePowerW), quality: 'ok' });
      expect(Math.abs(sum - inlet.value!)).toBeLessThanOrEqual(pdu.outlets.length); // whole watts per outlet
      expect(m.get('inlet.1.voltage')!.value).toBeCloseTo(pdu.inlet.voltageV, 0);
      const state = m.get('outlet.1.state')!;
      expect(state.decl!.states![String(state.value)]).toBe(pdu.outlets[0].on ? 'on' : 'off');
    });

    it(`${name}: later polls walk same-sized columns together: the same readings from fewer requests`, async () => {
      const t = targets[name];
      const fresh = new SnmpDriver();
      const original = snmp.Session.prototype.getBulk;
      let requests = 0;
      snmp.Session.prototype.getBulk = function (this: snmp.Session, ...args: unknown[]) {
        requests++;
        return (original as (...a: unknown[]) => snmp.Session).apply(this, args);
      } as typeof original;
      try {
        const first = await fresh.poll(t, profiles[name], signal);
        const firstRequests = requests;
        requests = 0;
        const second = await fresh.poll(t, profiles[name], signal);
        const steady = (rs: RawReading[]) => rs.filter((r) => r.metric !== 'system.uptime'); // the clock moves on
        expect(steady(second)).toEqual(steady(first));
        expect(first.filter((r) => r.quality === 'ok').length).toBeGreaterThan(100);
        expect(requests).toBeLessThan(firstRequests / 2);
      } finally {
        snmp.Session.prototype.getBulk = original;
        await fresh.close();
      }
    });

    it(`${name}: a breaker_trip shows as zero power and the breaker state`, async () => {
      const t = targets[name];
      const f = await fault('breaker_trip', t.device);
      try {
        const m = byMetric(await driver.poll(t, profiles[name], signal));
        for (const o of sim.model.state().pdus.get(t.device)!.outlets) expect(m.get(`outlet.${o.index}.power`)!.value).toBe(0);
        const breaker = name === 'raritan-px2' ? m.get('breaker.1.state')! : m.get('breaker.1.status')!;
        expect(breaker.decl!.states![String(breaker.value)]).toBe(name === 'raritan-px2' ? 'open' : 'breakerTripped');
      } finally {
        await clear(f.id);
      }
    });

    it(`${name}: snmp_no_such_instance gives sentinels, the next poll recovers`, async () => {
      const t = targets[name];
      const f = await fault('snmp_no_such_instance', t.device);
      try {
        const readings = await driver.poll(t, profiles[name], signal);
        // MIB-II still answers; the vendor subtree is gone: no rows, vendor scalars sentinel
        expect(byMetric(readings).get('system.uptime')!.quality).toBe('ok');
        expect(readings.filter((r) => r.metric.startsWith('outlet.') && r.quality === 'ok')).toEqual([]);
      } finally {
        await clear(f.id);
      }
      const again = await driver.poll(t, profiles[name], signal);
      expect(byMetric(again).get('outlet.1.power')!.quality).toBe('ok');
    });

    it(`${name}: SNMPv3 authPriv reads the same as v2c`, async () => {
      const t = targets[name];
      const [v2, v3] = [await driver.poll(t, profiles[name], signal), await driver.poll(t.v3Target, profiles[name], signal)];
      const strip = (rs: RawReading[]) => rs.filter((r) => r.metric.endsWith('.power')).map((r) => [r.metric, r.value, r.quality]);
      expect(strip(v3).length).toBeGreaterThan(10);
      expect(strip(v3)).toEqual(strip(v2));
      const wrong = await driver.poll({ ...t.v3Target, v3: { ...t.v3Target.v3!, privKey: 'wrong-priv-key' }, timeoutMs: 300 }, profiles[name], signal);
      expect(wrong.every((r) => r.quality === 'comm_loss')).toBe(true);
    });
  }
});
