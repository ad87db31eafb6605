import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../../../firmware-sims/index.ts';
import { upsMibValueAt } from '../../../firmware-sims/devices/ups/ups-snmp.ts';
import { loadProfile, parseProfile, type SnmpProfile } from '../../profile.ts';
import { deadUdpPort } from '../../test-support/ingest-server.ts';
import type { PollTarget, RawReading } from '../types.ts';
import { SnmpDriver } from './snmp-driver.ts';

/** What the simulated agent serves at a profile point's OID for the current state, scaled like the profile. */
function expectedValue(sim: SimHandle, upsId: string, point: { oid: string; scale?: number }): number {
  const raw = upsMibValueAt(sim.model.state().ups.get(upsId)!, upsId, point.oid);
  if (typeof raw !== 'number') throw new Error(`no numeric value served at ${point.oid}`);
  return point.scale === undefined ? raw : raw * point.scale;
}

describe('SNMP driver against the simulated UPS (real UDP)', () => {
  let sim: SimHandle;
  let profile: SnmpProfile;
  let target: PollTarget;
  const driver = new SnmpDriver({ maxOidsPerRequest: 5 }); // force several GET requests per poll

  beforeAll(async () => {
    sim = await startSim({ seed: 21, tickMs: 600_000 });
    profile = await loadProfile('rfc1628-ups');
    const ups = sim.devices.find((d) => d.kind === 'ups' && d.protocol === 'snmp')!;
    target = { device: ups.id, host: ups.host, port: ups.port, community: ups.snmp?.community ?? 'public', timeoutMs: 1000, retries: 0 };
  });
  afterAll(async () => {
    await driver.close();
    await sim?.stop();
  });

  it('reads every profile point and matches the simulator truth exactly (same tick)', async () => {
    const readings = await driver.poll(target, profile, new AbortController().signal);
    expect(readings.map((r) => r.metric)).toEqual(profile.points.map((p) => p.metric));
    for (const [i, r] of readings.entries()) {
      expect(r.quality, r.metric).toBe('ok');
      expect(r.value, r.metric).toBeCloseTo(expectedValue(sim, target.device, profile.points[i]), 9);
    }
    const byMetric = new Map(readings.map((r) => [r.metric, r.value!]));
    expect(byMetric.get('input.l1.power')!).toBeGreaterThan(byMetric.get('output.l1.power')!);
    const ratedW = byMetric.get('config.output.power_rating')!;
    expect(byMetric.get('output.l1.load')).toBeGreaterThanOrEqual(Math.round((100 * byMetric.get('output.l1.power')!) / ratedW));
  });

  it('marks a missing OID as sentinel with value null and keeps the other points ok', async () => {
    const withBogus = parseProfile(`model: test
protocol: snmp
kind: ups
points:
  - {metric: output.l1.power, oid: 1.3.6.1.2.1.33.1.4.4.1.4.1, unit: W, kind: gauge}
  - {metric: output.l2.power, oid: 1.3.6.1.2.1.33.1.4.4.1.4.2, unit: W, kind: gauge}
  - {metric: vendor.thing, oid: 1.3.6.1.4.1.99999.1.0, unit: '', kind: gauge}
`, 'bogus.yaml');
    const readings = await driver.poll(target, withBogus, new AbortController().signal);
    expect(readings).toEqual<RawReading[]>([
      { metric: 'output.l1.power', value: expectedValue(sim, target.device, { oid: '1.3.6.1.2.1.33.1.4.4.1.4.1' }), quality: 'ok' },
      { metric: 'output.l2.power', value: null, quality: 'sentinel' },
      { metric: 'vendor.thing', value: null, quality: 'sentinel' },
    ]);
  });

  it('gives comm_loss with value null for every point when the device does not answer', async () => {
    const dead = { ...target, port: await deadUdpPort(), timeoutMs: 200, retries: 0 };
    const started = Date.now();
    const readings = await driver.poll(dead, profile, new AbortController().signal);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(readings).toHaveLength(profile.points.length);
    for (const r of readings) expect(r).toEqual({ metric: r.metric, value: null, quality: 'comm_loss' });
  });

  it('gives comm_loss for a wrong community (agent stays silent)', async () => {
    const readings = await driver.poll({ ...target, community: 'wrong', timeoutMs: 200, retries: 0 }, profile, new AbortController().signal);
    expect(readings.every((r) => r.quality === 'comm_loss' && r.value === null)).toBe(true);
  });

  it('recovers on the next poll after a failure', async () => {
    const readings = await driver.poll(target, profile, new AbortController().signal);
    expect(readings.every((r) => r.quality === 'ok')).toBe(true);
  });

  it('stops promptly when the poll is aborted', async () => {
    const dead = { ...target, port: await deadUdpPort(), timeoutMs: 5000, retries: 0 };
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    await expect(driver.poll(dead, profile, controller.signal)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
