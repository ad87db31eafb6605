/**
 * What the site pages ask the server for when they open, on a generated 2,000-rack site with every rack's
 * inlet temperature and both PDUs' inlet power arriving once a second: GET /floor, /racks, /power-chain,
 * /overview/power and /overview/devices, each timed over the real HTTP API (median of 5).
 *
 * Baseline, measured in the same run: encoding and decoding the same JSON body (JSON.stringify + JSON.parse in
 * this process) — what handing over the answer costs when finding it is free. The ratio says how many times
 * that the endpoint takes; the value is the slowest endpoint's median, since a page waits for its slowest call.
 */
import type { Bench } from './index.ts';
import { median } from './support.ts';
import { startDriver, startFloorSite, wavingValues } from './floor-site.ts';

const ENDPOINTS = ['/api/v1/floor?site=site', '/api/v1/racks?site=site', '/api/v1/power-chain?site=site', '/api/v1/overview/power?site=site', '/api/v1/overview/devices?site=site'];
const round = (x: number, digits = 0) => Number(x.toFixed(digits));

export const siteApiBench: Bench = {
  name: 'site-api',
  description: 'the site pages\' API calls on a generated 2,000-rack site under live ingest: median ms per endpoint (vs encoding the same JSON)',
  async run({ quick, log }) {
    const racks = quick ? 400 : 2000;
    const repeats = quick ? 3 : 5;
    const site = await startFloorSite({ racks, log });
    const driver = startDriver(site, wavingValues, 1000);
    try {
      await new Promise((r) => setTimeout(r, 5000)); // every point has a latest sample
      const endpoints: Record<string, { ms: number; baselineMs: number; ratio: number; bytes: number }> = {};
      for (const path of ENDPOINTS) {
        const times: number[] = [];
        let body = '';
        for (let i = 0; i < repeats; i++) {
          const t0 = performance.now();
          const res = await fetch(`${site.url}${path}`, { headers: { authorization: `Bearer ${site.adminToken}` } });
          body = await res.text();
          times.push(performance.now() - t0);
          if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${body.slice(0, 200)}`);
        }
        const encode: number[] = [];
        for (let i = 0; i < repeats; i++) {
          const t0 = performance.now();
          JSON.stringify(JSON.parse(body));
          encode.push(performance.now() - t0);
        }
        const ms = median(times);
        const baselineMs = median(encode);
        endpoints[path.replace(/^\/api\/v1/, '').replace(/\?.*$/, '')] = { ms: round(ms), baselineMs: round(baselineMs, 1), ratio: round(ms / baselineMs, 1), bytes: body.length };
        log(`${path}: median ${ms.toFixed(0)} ms over ${repeats} (${(body.length / 1e6).toFixed(2)} MB; encoding it: ${baselineMs.toFixed(1)} ms)`);
      }
      const slowest = Object.entries(endpoints).sort((a, b) => b[1].ms - a[1].ms)[0];
      return {
        bench: 'site-api', value: slowest[1].ms, unit: `ms, median of the slowest endpoint (${slowest[0]})`,
        baseline: slowest[1].baselineMs, ratio: slowest[1].ratio, racks,
        database: process.env.DATABASE_URL ? 'postgresql' : 'pglite', endpoints,
      };
    } finally {
      await driver.stop();
      await site.close();
    }
  },
};
