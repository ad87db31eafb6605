/**
 * Measures the snmp-lite PDU fleet at site scale: 2,000 racks = 4,000 PDUs in this process, startup time
 * and RSS, then full snmpbulkwalks of 100 PDUs by the net-snmp command-line tool (extrapolated to 4,000),
 * over v2c and then over SNMPv3 authPriv (SHA/AES; each PDU's first v3 request localizes its keys).
 *   node --expose-gc --import tsx firmware-sims/devices/pdu/measure-pdu-fleet.ts
 * MEASURE_V3=0 starts the fleet without a v3 user (the v1/v2c-only baseline).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startPduFleet } from './fleet.ts';
import { makeFakeSim } from './test-support.ts';
const run = promisify(execFile);
const MB = 1048576;
const rss0 = process.memoryUsage().rss / MB;
const sim = makeFakeSim(Array.from({ length: 2000 }, (_, i) => ({ id: `r-${i}`, vendor: i % 2 ? 'sentry4' : 'raritan' })));
global.gc?.();
const rss1 = process.memoryUsage().rss / MB;
const t0 = performance.now();
const withV3 = process.env.MEASURE_V3 !== '0';
const V3 = { user: 'kiban', authKey: 'kiban-auth-key', privKey: 'kiban-priv-key' };
const fleet = await startPduFleet(sim.ctx, { host: '127.0.0.1', community: 'public', ...(withV3 ? { v3User: V3 } : {}) });
const startMs = performance.now() - t0;
global.gc?.();
const rss2 = process.memoryUsage().rss / MB;
console.log(JSON.stringify({ v3: withV3, pdus: fleet.endpoints.length, startupMs: Math.round(startMs), rssNodeBaselineMB: Math.round(rss0), rssWithSiteStateMB: Math.round(rss1), rssWithFleetMB: Math.round(rss2), fleetMB: Math.round(rss2 - rss1) }));
// Full walks by external snmpbulkwalk processes (-Cr50), 2 in parallel, over 100 PDUs.
const sample = fleet.endpoints.slice(0, 100);
const security = {
  v2c: ['-v2c', '-c', 'public'],
  v3: ['-v3', '-l', 'authPriv', '-u', V3.user, '-a', 'SHA', '-A', V3.authKey, '-x', 'AES', '-X', V3.privKey],
};
for (const mode of withV3 ? (['v2c', 'v3'] as const) : (['v2c'] as const)) {
  const t1 = performance.now();
  let varbinds = 0;
  const q = [...sample];
  await Promise.all([0, 1].map(async () => {
    for (let e = q.shift(); e; e = q.shift()) {
      const { stdout } = await run('snmpbulkwalk', [...security[mode], '-On', '-Cr50', '-m', '', `127.0.0.1:${e.port}`, '.1'], { maxBuffer: 64 << 20 });
      varbinds += stdout.split('\n').length - 1;
    }
  }));
  const walkMs = performance.now() - t1;
  console.log(JSON.stringify({ mode, fullWalks: sample.length, varbinds, seconds: +(walkMs / 1000).toFixed(2), extrapolated4000FullWalksS: +((walkMs / sample.length) * 4000 / 1000).toFixed(0) }));
  global.gc?.();
  console.log(JSON.stringify({ mode, rssAfterWalksMB: Math.round(process.memoryUsage().rss / MB) }));
}
await fleet.close();
