import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PduState } from '../../site/types.ts';
import { startPduFleet, type PduFleet } from './fleet.ts';
import { Sentry4ControlState, Sentry4State, Sentry4Status } from './sentry4.ts';
import { bulkWalk, byOid, conserve, makeFakeSim, num, SKIP_WITHOUT_SNMP_TOOLS, snmpGet, snmpSet, type FakeSim } from './test-support.ts';

const ST4 = '1.3.6.1.4.1.1718.4';
const OUTLET_MON = `${ST4}.1.8.3.1`;
const CORD_MON = `${ST4}.1.3.3.1`;
const PHASE_MON = `${ST4}.1.5.3.1`;
const LINE_MON = `${ST4}.1.4.3.1`;
const OCP_STATUS = `${ST4}.1.6.3.1.1.1.1.1`;
const CONTROL_ACTION = `${ST4}.1.8.5.1.2.1.1`;
const CONTROL_STATE = `${ST4}.1.8.5.1.1.1.1`;

describe.skipIf(SKIP_WITHOUT_SNMP_TOOLS)('ServerTech Sentry4 (Sentry4-MIB) over snmp-lite, read by net-snmp snmpbulkwalk', () => {
  let sim: FakeSim;
  let fleet: PduFleet;
  let port: number;
  const switches: Array<{ pduId: string; outlet: number; on: boolean }> = [];
  const pduId = 'r1-b07-pdu-b';
  const pdu = (): PduState => sim.state.pdus.get(pduId)!;

  beforeAll(async () => {
    sim = makeFakeSim([{ id: 'r1-b07', vendor: 'sentry4' }]);
    fleet = await startPduFleet(sim.ctx, { host: '127.0.0.1', community: 'public', onSwitch: (id, outlet, on) => switches.push({ pduId: id, outlet, on }) });
    port = fleet.endpoints.find((e) => e.pduId === pduId)!.port;
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('walks the sentry4 subtree with every outlet and input reading equal to the state in the MIB scaling', async () => {
    const walk = byOid(await bulkWalk(port, ST4));
    const state = pdu();
    expect(walk.get(`${ST4}.1.1.1.1.0`)?.value).toBe('Switched PRO2 PDU'); // st4SystemProductName (checkmk detection)
    expect(num(walk.get(`${ST4}.1.3.2.1.24.1.1`))).toBe(24); // st4InputCordOutletCount

    for (const o of state.outlets) {
      const at = (col: number) => num(walk.get(`${OUTLET_MON}.${col}.1.1.${o.index}`));
      expect(at(1), 'state').toBe(Sentry4State.on);
      expect(at(2), 'status').toBe(Sentry4Status.normal);
      expect(at(3) / 100, 'current').toBeCloseTo(o.currentA, 2);
      expect(at(5) / 10, 'current utilized %').toBeCloseTo((o.currentA / 10) * 100, 1);
      expect(at(6) / 10, 'voltage').toBeCloseTo(o.voltageV, 1);
      expect(at(7), 'active power').toBe(Math.round(o.activePowerW));
      expect(at(9), 'apparent power').toBe(Math.round(o.apparentPowerVA));
      expect(at(10) / 100, 'power factor').toBeCloseTo(o.powerFactor, 2);
      expect(at(14), 'energy Wh').toBe(Math.floor(o.activeEnergyWh));
      expect(walk.get(`${ST4}.1.8.2.1.3.1.1.${o.index}`)?.value).toBe(o.name);
      expect(walk.get(`${ST4}.1.8.2.1.2.1.1.${o.index}`)?.value).toBe(`AA${o.index}`);
    }

    const cord = (col: number) => num(walk.get(`${CORD_MON}.${col}.1.1`));
    expect(cord(1)).toBe(Sentry4State.on);
    expect(cord(2)).toBe(Sentry4Status.normal);
    expect(cord(3)).toBe(Math.round(state.inlet.activePowerW));
    expect(cord(5)).toBe(Math.round(state.inlet.apparentPowerVA));
    expect(cord(8) / 100).toBeCloseTo(state.inlet.powerFactor, 2);
    expect(cord(10)).toBe(Math.floor(state.inlet.activeEnergyWh / 100)); // tenths of kWh
    expect(cord(11) / 10).toBeCloseTo(state.inlet.frequencyHz, 1);
    expect(num(walk.get(`${LINE_MON}.3.1.1.1`)) / 100).toBeCloseTo(state.inlet.currentA, 2);
    expect(num(walk.get(`${PHASE_MON}.3.1.1.1`)) / 10).toBeCloseTo(state.inlet.voltageV, 1);
    expect(num(walk.get(`${PHASE_MON}.6.1.1.1`)) / 100).toBeCloseTo(state.inlet.currentA, 2);
    expect(num(walk.get(OCP_STATUS))).toBe(Sentry4Status.normal);
  });

  it('Σ outlet active power read over SNMP equals the input cord active power read over SNMP', async () => {
    const walk = byOid(await bulkWalk(port, `${ST4}.1`));
    let outletsW = 0;
    for (let outlet = 1; outlet <= 24; outlet++) outletsW += num(walk.get(`${OUTLET_MON}.7.1.1.${outlet}`));
    expect(outletsW).toBe(num(walk.get(`${CORD_MON}.3.1.1`)));
  });

  it('st4OutletControlAction off(2) calls onSwitch and the outlet reads off', async () => {
    const res = await snmpSet(port, `${CONTROL_ACTION}.9`, 'i', '2', 'private');
    expect(res.code, res.stderr).toBe(0);
    expect(switches).toContainEqual({ pduId, outlet: 9, on: false });
    const got = byOid(await snmpGet(port, [`${OUTLET_MON}.1.1.1.9`, `${CONTROL_STATE}.9`, `${OUTLET_MON}.7.1.1.9`, `${OUTLET_MON}.10.1.1.9`, `${CONTROL_ACTION}.9`]));
    expect(num(got.get(`${OUTLET_MON}.1.1.1.9`))).toBe(Sentry4State.off);
    expect(num(got.get(`${CONTROL_STATE}.9`))).toBe(Sentry4ControlState.off);
    expect(num(got.get(`${OUTLET_MON}.7.1.1.9`))).toBe(0);
    expect(num(got.get(`${OUTLET_MON}.10.1.1.9`))).toBe(-1); // power factor not measurable without load
    expect(num(got.get(`${CONTROL_ACTION}.9`))).toBe(0); // reads none(0)
  });

  it('shows an outlet overload as status and current status highAlarm(17)', async () => {
    const state = pdu();
    state.outlets[2] = { ...state.outlets[2], overload: true, currentA: 12.5 };
    const got = byOid(await snmpGet(port, [`${OUTLET_MON}.2.1.1.3`, `${OUTLET_MON}.4.1.1.3`, `${OUTLET_MON}.5.1.1.3`]));
    expect(num(got.get(`${OUTLET_MON}.2.1.1.3`))).toBe(Sentry4Status.highAlarm);
    expect(num(got.get(`${OUTLET_MON}.4.1.1.3`))).toBe(Sentry4Status.highAlarm);
    expect(num(got.get(`${OUTLET_MON}.5.1.1.3`))).toBe(1250);
  });

  it('shows a tripped breaker as breakerTripped(12) on the OCP, branch and outlets, with dead outlets', async () => {
    const state = pdu();
    state.breakerTripped = true;
    conserve(state);
    try {
      const walk = byOid(await bulkWalk(port, `${ST4}.1`));
      expect(num(walk.get(OCP_STATUS))).toBe(Sentry4Status.breakerTripped);
      expect(num(walk.get(`${ST4}.1.7.3.1.2.1.1.1`))).toBe(Sentry4Status.breakerTripped);
      expect(num(walk.get(`${ST4}.1.7.3.1.1.1.1.1`))).toBe(Sentry4State.off);
      for (let outlet = 1; outlet <= 24; outlet++) {
        expect(num(walk.get(`${OUTLET_MON}.2.1.1.${outlet}`))).toBe(Sentry4Status.breakerTripped);
        expect(num(walk.get(`${OUTLET_MON}.3.1.1.${outlet}`))).toBe(0);
        expect(num(walk.get(`${OUTLET_MON}.7.1.1.${outlet}`))).toBe(0);
      }
    } finally {
      state.breakerTripped = false;
      conserve(state);
    }
    expect(num((await snmpGet(port, [OCP_STATUS]))[0])).toBe(Sentry4Status.normal);
  });
});
