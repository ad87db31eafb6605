import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PduState } from '../../site/types.ts';
import { startPduFleet, type PduFleet } from './fleet.ts';
import { RaritanSensorState, RaritanSensorType } from './raritan-px2.ts';
import { bulkWalk, byOid, conserve, makeFakeSim, num, SKIP_WITHOUT_SNMP_TOOLS, snmpGet, snmpSet, type FakeSim, type WalkedVarbind } from './test-support.ts';

const PDU2 = '1.3.6.1.4.1.13742.6';
const OUTLET_VALUE = `${PDU2}.5.4.3.1.4.1`;
const OUTLET_STATE = `${PDU2}.5.4.3.1.3.1`;
const OUTLET_DIGITS = `${PDU2}.3.5.4.1.7.1`;
const INLET_VALUE = `${PDU2}.5.2.3.1.4.1.1`;
const INLET_DIGITS = `${PDU2}.3.3.4.1.7.1.1`;
const SWITCHING_OPERATION = `${PDU2}.4.1.2.1.2.1`;
const SWITCHING_STATE = `${PDU2}.4.1.2.1.3.1`;
const OCP_STATE = `${PDU2}.5.3.3.1.3.1.1`;

/** A reading as a client computes it: raw ÷ 10^digits, both read from the wire. */
function reading(walk: Map<string, WalkedVarbind>, valueOid: string, digitsOid: string): number {
  return num(walk.get(valueOid)) / 10 ** num(walk.get(digitsOid));
}

describe.skipIf(SKIP_WITHOUT_SNMP_TOOLS)('Raritan PX (PDU2-MIB) over snmp-lite, read by net-snmp snmpbulkwalk', () => {
  let sim: FakeSim;
  let fleet: PduFleet;
  let port: number;
  const switches: Array<{ pduId: string; outlet: number; on: boolean }> = [];
  const pduId = 'r1-a01-pdu-a';
  const pdu = (): PduState => sim.state.pdus.get(pduId)!;

  beforeAll(async () => {
    sim = makeFakeSim([{ id: 'r1-a01', vendor: 'raritan' }]);
    fleet = await startPduFleet(sim.ctx, {
      host: '127.0.0.1',
      community: 'public',
      onSwitch: (id, outlet, on) => {
        switches.push({ pduId: id, outlet, on });
        // Stand-in for the physics model: apply the request to the state (the next tick in real life).
        const target = sim.state.pdus.get(id)!;
        target.outlets[outlet - 1] = { ...target.outlets[outlet - 1], on, ...(on ? {} : { currentA: 0, activePowerW: 0, apparentPowerVA: 0 }) };
        conserve(target);
      },
    });
    port = fleet.endpoints.find((e) => e.pduId === pduId)!.port;
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('lists the endpoint with its vendor and profile', () => {
    expect(fleet.endpoints.map((e) => [e.pduId, e.vendor, e.profile])).toEqual([
      ['r1-a01-pdu-a', 'raritan', 'raritan-px2'],
      ['r1-a01-pdu-b', 'raritan', 'raritan-px2'],
    ]);
  });

  it('walks the pdu2 subtree with every inlet and outlet sensor equal to the state after decimal scaling', async () => {
    const walk = byOid(await bulkWalk(port, PDU2));
    const state = pdu();
    expect(num(walk.get(`${PDU2}.3.2.2.1.4.1`))).toBe(24); // outletCount
    expect(walk.get(`${PDU2}.3.2.1.1.2.1`)?.value).toBe('Raritan');

    const inlet: Array<[number, number, number]> = [
      [RaritanSensorType.rmsCurrent, state.inlet.currentA, 3],
      [RaritanSensorType.rmsVoltage, state.inlet.voltageV, 0],
      [RaritanSensorType.activePower, state.inlet.activePowerW, 0],
      [RaritanSensorType.apparentPower, state.inlet.apparentPowerVA, 0],
      [RaritanSensorType.powerFactor, state.inlet.powerFactor, 2],
      [RaritanSensorType.activeEnergy, state.inlet.activeEnergyWh, 0],
      [RaritanSensorType.frequency, state.inlet.frequencyHz, 1],
    ];
    for (const [type, truth, digits] of inlet) {
      expect(num(walk.get(`${INLET_DIGITS}.${type}`)), `inlet digits ${type}`).toBe(digits);
      expect(reading(walk, `${INLET_VALUE}.${type}`, `${INLET_DIGITS}.${type}`), `inlet sensor ${type}`).toBeCloseTo(truth, digits);
      expect(walk.get(`${INLET_VALUE}.${type}`)?.type).toBe('Gauge32');
    }

    for (const o of state.outlets) {
      const sensors: Array<[number, number, number]> = [
        [RaritanSensorType.rmsCurrent, o.currentA, 3],
        [RaritanSensorType.rmsVoltage, o.voltageV, 0],
        [RaritanSensorType.activePower, o.activePowerW, 0],
        [RaritanSensorType.apparentPower, o.apparentPowerVA, 0],
        [RaritanSensorType.powerFactor, o.powerFactor, 2],
        [RaritanSensorType.activeEnergy, o.activeEnergyWh, 0],
      ];
      for (const [type, truth, digits] of sensors) {
        const idx = `${o.index}.${type}`;
        expect(num(walk.get(`${OUTLET_DIGITS}.${idx}`))).toBe(digits);
        expect(reading(walk, `${OUTLET_VALUE}.${idx}`, `${OUTLET_DIGITS}.${idx}`), `outlet ${idx}`).toBeCloseTo(truth, digits);
      }
      expect(num(walk.get(`${OUTLET_STATE}.${o.index}.${RaritanSensorType.onOff}`))).toBe(RaritanSensorState.on);
      expect(num(walk.get(`${OUTLET_VALUE}.${o.index}.${RaritanSensorType.onOff}`))).toBe(0);
      expect(num(walk.get(`${SWITCHING_STATE}.${o.index}`))).toBe(7);
      expect(walk.get(`${PDU2}.3.5.3.1.3.1.${o.index}`)?.value).toBe(o.name);
    }
  });

  it('Σ outlet active power read over SNMP equals the inlet active power read over SNMP', async () => {
    const walk = byOid(await bulkWalk(port, `${PDU2}.5`));
    let outletsW = 0;
    for (let outlet = 1; outlet <= 24; outlet++) outletsW += num(walk.get(`${OUTLET_VALUE}.${outlet}.${RaritanSensorType.activePower}`));
    const inletW = num(walk.get(`${INLET_VALUE}.${RaritanSensorType.activePower}`));
    expect(outletsW).toBe(inletW);
    expect(inletW).toBe(Math.round(pdu().inlet.activePowerW));
  });

  it('serves the MIB-II system group', async () => {
    const got = byOid(await snmpGet(port, ['1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.2.0', '1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.1.5.0']));
    expect(got.get('1.3.6.1.2.1.1.1.0')?.value).toMatch(/^Raritan PX3/);
    expect(got.get('1.3.6.1.2.1.1.2.0')?.value).toBe(`.${PDU2}`);
    expect(num(got.get('1.3.6.1.2.1.1.3.0'))).toBeGreaterThanOrEqual(0);
    expect(got.get('1.3.6.1.2.1.1.5.0')?.value).toBe(pduId);
  });

  it('SET switchingOperation off(0) calls onSwitch and the outlet reads off', async () => {
    const res = await snmpSet(port, `${SWITCHING_OPERATION}.5`, 'i', '0', 'private');
    expect(res.code, res.stderr).toBe(0);
    expect(switches).toContainEqual({ pduId, outlet: 5, on: false });
    const got = byOid(await snmpGet(port, [
      `${SWITCHING_STATE}.5`, `${SWITCHING_OPERATION}.5`, `${OUTLET_STATE}.5.${RaritanSensorType.onOff}`, `${OUTLET_VALUE}.5.${RaritanSensorType.activePower}`,
      `${PDU2}.4.1.2.1.4.1.5`,
    ]));
    expect(num(got.get(`${SWITCHING_STATE}.5`))).toBe(8);
    expect(num(got.get(`${SWITCHING_OPERATION}.5`))).toBe(0);
    expect(num(got.get(`${OUTLET_STATE}.5.${RaritanSensorType.onOff}`))).toBe(RaritanSensorState.off);
    expect(num(got.get(`${OUTLET_VALUE}.5.${RaritanSensorType.activePower}`))).toBe(0);
    expect(num(got.get(`${PDU2}.4.1.2.1.4.1.5`))).toBe(Math.floor(sim.state.simTimeMs / 1000));

    // …and on again.
    expect((await snmpSet(port, `${SWITCHING_OPERATION}.5`, 'i', '1', 'private')).code).toBe(0);
    expect(switches.at(-1)).toEqual({ pduId, outlet: 5, on: true });
    expect(num((await snmpGet(port, [`${SWITCHING_STATE}.5`]))[0])).toBe(7);
  });

  it('shows a requested switch immediately even before the model applies it, then follows the model', async () => {
    const fleet2 = await startPduFleet(sim.ctx, { host: '127.0.0.1', community: 'public', basePort: 0 });
    try {
      const p2 = fleet2.endpoints.find((e) => e.pduId === 'r1-a01-pdu-b')!.port;
      expect((await snmpSet(p2, `${SWITCHING_OPERATION}.3`, 'i', '0', 'private')).code).toBe(0);
      expect(num((await snmpGet(p2, [`${SWITCHING_STATE}.3`]))[0])).toBe(8);
      sim.tick(); // no onSwitch wired: the model still has the outlet on
      expect(num((await snmpGet(p2, [`${SWITCHING_STATE}.3`]))[0])).toBe(7);
    } finally {
      await fleet2.close();
    }
  });

  it('refuses SET with the read community (noAccess) and bad values (wrongValue, wrongType, notWritable)', async () => {
    const ro = await snmpSet(port, `${SWITCHING_OPERATION}.2`, 'i', '0', 'public');
    expect(ro.code).not.toBe(0);
    expect(ro.stderr).toMatch(/noAccess/);
    const bad = await snmpSet(port, `${SWITCHING_OPERATION}.2`, 'i', '7', 'private');
    expect(bad.stderr).toMatch(/wrongValue/);
    const type = await snmpSet(port, `${SWITCHING_OPERATION}.2`, 's', 'off', 'private');
    expect(type.stderr).toMatch(/wrongType/);
    const ro2 = await snmpSet(port, `${OUTLET_VALUE}.2.${RaritanSensorType.activePower}`, 'u', '1', 'private');
    expect(ro2.stderr).toMatch(/notWritable/);
    expect(switches.filter((s) => s.outlet === 2)).toEqual([]);
  });

  it('shows an outlet overload as rmsCurrent aboveUpperCritical', async () => {
    const state = pdu();
    state.outlets[6] = { ...state.outlets[6], overload: true, currentA: 11.2, activePowerW: 2450, apparentPowerVA: 2580 };
    conserve(state);
    const got = byOid(await snmpGet(port, [`${OUTLET_STATE}.7.${RaritanSensorType.rmsCurrent}`, `${OUTLET_VALUE}.7.${RaritanSensorType.rmsCurrent}`]));
    expect(num(got.get(`${OUTLET_STATE}.7.${RaritanSensorType.rmsCurrent}`))).toBe(RaritanSensorState.aboveUpperCritical);
    expect(num(got.get(`${OUTLET_VALUE}.7.${RaritanSensorType.rmsCurrent}`))).toBe(11200);
  });

  it('shows a tripped breaker: OCP trip sensor open(0), every outlet at 0 A / 0 W / 0 V, relays still on', async () => {
    const state = pdu();
    state.breakerTripped = true;
    conserve(state);
    try {
      const walk = byOid(await bulkWalk(port, `${PDU2}.5`));
      expect(num(walk.get(`${OCP_STATE}.${RaritanSensorType.trip}`))).toBe(RaritanSensorState.open);
      for (let outlet = 1; outlet <= 24; outlet++) {
        for (const type of [RaritanSensorType.rmsCurrent, RaritanSensorType.activePower, RaritanSensorType.apparentPower, RaritanSensorType.rmsVoltage]) {
          expect(num(walk.get(`${OUTLET_VALUE}.${outlet}.${type}`)), `outlet ${outlet} sensor ${type}`).toBe(0);
        }
      }
      expect(num(walk.get(`${INLET_VALUE}.${RaritanSensorType.activePower}`))).toBe(0);
      expect(num(walk.get(`${INLET_VALUE}.${RaritanSensorType.rmsVoltage}`))).toBe(230);
    } finally {
      state.breakerTripped = false;
      conserve(state);
    }
    const after = byOid(await snmpGet(port, [`${OCP_STATE}.${RaritanSensorType.trip}`]));
    expect(num(after.get(`${OCP_STATE}.${RaritanSensorType.trip}`))).toBe(RaritanSensorState.closed);
  });
});
