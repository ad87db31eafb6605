/**
 * Thermal faults end to end (issue 3, acceptance 3), on a simulator running 60× faster than the wall clock
 * so rack inlets (5-minute thermal time constant) move within seconds: crac_failure seen over Modbus
 * (mbpoll) and over MQTT (mosquitto_sub), and sensor_stuck, which only shows when the air really changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from './index.ts';
import { clearFault, device, injectFault, mbpoll, mosquittoSub, pollUntil, skipWithout, type Subscriber } from './test-support/clients.ts';

const mqttSite = `e2e-thermal-${process.pid}-${Date.now()}`;
let sim: SimHandle;
let sub: Subscriber | undefined;

beforeAll(async () => {
  sim = await startSim({ controlPort: 0, mqttUrl: 'mqtt://127.0.0.1:1883', mqttSite, sensorPublishIntervalMs: 1000, tickMs: 500, speed: 60 });
  if (!skipWithout('mosquitto_sub')) sub = await mosquittoSub([`kiban/${mqttSite}/+/+/+/env`]);
});
afterAll(async () => {
  await sub?.stop();
  await sim?.stop();
});

const racksOf = (cracId: string) => sim.spec.racks.filter((r) => r.crac === cracId).map((r) => r.id);
/** Latest inlet-top reading of a rack received after message index `from`. */
function latestInletTop(rackId: string, from = 0): number | undefined {
  const topic = device(sim, `${rackId}-sensor`).mqtt!.topic;
  const msgs = sub!.messages.slice(from).filter((m) => m.topic === topic);
  return msgs.length ? JSON.parse(msgs[msgs.length - 1].payload).inlet.top : undefined;
}
const crac = (id: string, ref: number, count = 1) => mbpoll(device(sim, id).port, { type: '3', ref, count });

describe('thermal faults', () => {
  it.skipIf(skipWithout('mbpoll', 'mosquitto_sub'))('crac_failure on crac-r1-a: iCOM state off(0), status alarm(16), alarm bit; its racks\' inlets climb over simulated minutes; cleared: on(1) again', async () => {
    const racks = racksOf('crac-r1-a');
    expect(racks.length).toBeGreaterThan(0);
    const from = sub!.messages.length;
    const baseline = new Map<string, number>();
    await pollUntil(() => (racks.every((r) => latestInletTop(r, from) !== undefined) ? true : undefined), { what: 'a reading from every rack' });
    for (const r of racks) baseline.set(r, latestInletTop(r, from)!);

    const id = await injectFault(sim, 'crac_failure', 'crac-r1-a');
    await pollUntil(async () => ((await crac('crac-r1-a', 100)).values.get(100) === 0 ? true : undefined), { what: 'System Operating State off(0)' });
    const status = await crac('crac-r1-a', 102, 2); // 30102 System Status, 30103 status bits
    expect(status.values.get(102)).toBe(16); // normal with alarm
    expect(status.values.get(103)! & 0b100).toBe(0b100); // alarm active
    // The other unit keeps running.
    expect((await crac('crac-r1-b', 100)).values.get(100)).toBe(1);
    // Temperatures climb with thermal inertia: at 60× a few wall seconds are a few simulated minutes.
    const injected = sub!.messages.length;
    await pollUntil(() => (racks.every((r) => (latestInletTop(r, injected) ?? -Infinity) >= baseline.get(r)! + 1) ? true : undefined), {
      timeoutMs: 60_000, what: `inlets of ${racks.join(', ')} to rise by 1 °C`,
    });

    await clearFault(sim, id);
    await pollUntil(async () => ((await crac('crac-r1-a', 100)).values.get(100) === 1 ? true : undefined), { what: 'System Operating State on(1)' });
    const cleared = await crac('crac-r1-a', 102, 2);
    expect(cleared.values.get(102)).not.toBe(16);
    expect(cleared.values.get(103)! & 0b100).toBe(0);
  });

  it.skipIf(skipWithout('mosquitto_sub'))('sensor_stuck on r1-b02: its messages stay frozen while the air around it (CRAC failed) heats up; cleared: it follows the air again', async () => {
    const [stuckRack, neighbour] = ['r1-b02', 'r1-b03'];
    expect(racksOf('crac-r1-b')).toEqual(expect.arrayContaining([stuckRack, neighbour]));
    const stuck = await injectFault(sim, 'sensor_stuck', stuckRack);
    const from = sub!.messages.length;
    await pollUntil(() => (latestInletTop(neighbour, from) !== undefined ? true : undefined), { what: 'a neighbour reading' });
    const neighbourBefore = latestInletTop(neighbour, from)!;
    const cracFault = await injectFault(sim, 'crac_failure', 'crac-r1-b');
    const topic = device(sim, `${stuckRack}-sensor`).mqtt!.topic;
    const stuckMessages = () => sub!.messages.slice(from).filter((m) => m.topic === topic).length;
    await pollUntil(() => ((latestInletTop(neighbour, from) ?? -Infinity) >= neighbourBefore + 1 && stuckMessages() >= 4 ? true : undefined), {
      timeoutMs: 60_000, what: 'the neighbour to warm up while the stuck sensor publishes',
    });
    const frozen = sub!.messages.slice(from).filter((m) => m.topic === topic).map((m) => {
      const { ts: _ts, ...values } = JSON.parse(m.payload);
      return JSON.stringify(values);
    });
    expect(frozen.length).toBeGreaterThanOrEqual(4);
    expect(new Set(frozen).size).toBe(1); // every message identical but for its timestamp

    const cleared = sub!.messages.length;
    await clearFault(sim, stuck);
    const stuckValue = JSON.parse(frozen[0]).inlet.top as number;
    await pollUntil(() => ((latestInletTop(stuckRack, cleared) ?? -Infinity) >= stuckValue + 1 ? true : undefined), { timeoutMs: 30_000, what: 'the unstuck sensor to show the warm air' });
    await clearFault(sim, cracFault);
  });
});
