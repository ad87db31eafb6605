/**
 * Scale: 2,000 racks = 4,000 PDUs × 24 outlets served by this one process, one UDP port each.
 * Prints startup time, RSS and poll latency (timings are not asserted: they depend on the machine).
 */
import * as snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPduFleet, type PduFleet } from './fleet.ts';
import { bulkWalk, byOid, makeFakeSim, num, SKIP_WITHOUT_SNMP_TOOLS, type FakeSim } from './test-support.ts';

const RACKS = 2000;
const MB = 1024 * 1024;

function pollInletAndOutletPower(port: number, vendor: 'raritan' | 'sentry4'): Promise<number> {
  const session = snmp.createSession('127.0.0.1', 'public', { port, version: snmp.Version2c, timeout: 5000, retries: 1 });
  // One GetBulk per PDU: inlet active power (non-repeater) + the outlet active power column.
  const [inlet, column] = vendor === 'raritan'
    ? ['1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.5', '1.3.6.1.4.1.13742.6.5.4.3.1.4.1']
    : ['1.3.6.1.4.1.1718.4.1.3.3.1.3.1.1', '1.3.6.1.4.1.1718.4.1.8.3.1.7.1.1'];
  return new Promise((resolve, reject) => {
    session.getBulk([inlet, column], 1, vendor === 'raritan' ? 24 * 7 : 24, (err, vbs) => {
      session.close();
      if (err) reject(err);
      else resolve((vbs ?? []).flat().length);
    });
  });
}

describe('PDU fleet at site scale (4,000 PDUs)', () => {
  let sim: FakeSim;
  let fleet: PduFleet;
  let startupMs = 0;
  let rssBeforeMB = 0;

  beforeAll(async () => {
    sim = makeFakeSim(Array.from({ length: RACKS }, (_, i) => ({
      id: `r${1 + Math.floor(i / 500)}-${String.fromCharCode(97 + Math.floor((i % 500) / 25))}${String((i % 25) + 1).padStart(2, '0')}`,
      vendor: i % 2 === 0 ? 'raritan' : 'sentry4',
    })));
    global.gc?.();
    rssBeforeMB = process.memoryUsage().rss / MB;
    const t0 = performance.now();
    fleet = await startPduFleet(sim.ctx, { host: '127.0.0.1', community: 'public' });
    startupMs = performance.now() - t0;
  }, 120_000);
  afterAll(async () => {
    await fleet?.close();
  });

  it('starts one endpoint per PDU and reports startup time and memory', () => {
    expect(fleet.endpoints).toHaveLength(RACKS * 2);
    expect(new Set(fleet.endpoints.map((e) => e.port)).size).toBe(RACKS * 2);
    global.gc?.();
    const rssMB = process.memoryUsage().rss / MB;
    console.log(`[pdu-fleet] ${fleet.endpoints.length} PDUs started in ${(startupMs / 1000).toFixed(2)} s; RSS ${rssMB.toFixed(0)} MB `
      + `(site state + test runner before start: ${rssBeforeMB.toFixed(0)} MB, fleet: ${(rssMB - rssBeforeMB).toFixed(0)} MB)`);
    expect(rssMB).toBeGreaterThan(0);
  });

  it('answers a poll of every PDU (inlet + 24 outlet powers each)', async () => {
    const t0 = performance.now();
    let varbinds = 0;
    const queue = [...fleet.endpoints];
    const workers = Array.from({ length: 64 }, async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        const answered = await pollInletAndOutletPower(e.port, e.vendor);
        varbinds += answered;
      }
    });
    await Promise.all(workers);
    const ms = performance.now() - t0;
    console.log(`[pdu-fleet] polled ${fleet.endpoints.length} PDUs (${varbinds} varbinds) in ${(ms / 1000).toFixed(2)} s, 64 requests in flight`);
    expect(varbinds).toBeGreaterThanOrEqual(fleet.endpoints.length * 25);
  }, 120_000);

  it.skipIf(SKIP_WITHOUT_SNMP_TOOLS)('walks a random sample of PDUs with snmpbulkwalk', async () => {
    const sample = Array.from({ length: 12 }, (_, i) => fleet.endpoints[(i * 7919 + 13) % fleet.endpoints.length]);
    const t0 = performance.now();
    for (const endpoint of sample) {
      const root = endpoint.vendor === 'raritan' ? '1.3.6.1.4.1.13742.6' : '1.3.6.1.4.1.1718.4';
      const walk = byOid(await bulkWalk(endpoint.port, root));
      const state = sim.state.pdus.get(endpoint.pduId)!;
      if (endpoint.vendor === 'raritan') {
        expect(walk.size).toBeGreaterThan(2000);
        expect(num(walk.get('1.3.6.1.4.1.13742.6.5.2.3.1.4.1.1.5'))).toBe(Math.round(state.inlet.activePowerW));
      } else {
        expect(walk.size).toBeGreaterThan(500);
        expect(num(walk.get('1.3.6.1.4.1.1718.4.1.3.3.1.3.1.1'))).toBe(Math.round(state.inlet.activePowerW));
      }
      expect(walk.get(endpoint.vendor === 'raritan' ? '1.3.6.1.4.1.13742.6.3.2.2.1.13.1' : '1.3.6.1.4.1.1718.4.1.2.2.1.3.1')?.value).toBe(endpoint.pduId);
    }
    console.log(`[pdu-fleet] ${sample.length} full snmpbulkwalks in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  }, 120_000);
});
