/**
 * A generated site of N racks (default 2,000) served by a real `kiban server` process, for the floor plan's
 * frame-rate bench (`kiban bench floor`) and its browser test: the CMDB written through the import path
 * (rooms with floor grids, racks placed on them, their PDUs and sensors linked to collector devices), those
 * devices' points declared and fed through the real ingest API with a collector token, a driver that sends
 * every rack's inlet temperature and PDU power once a second, and the in-page measurement of frames.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { openDb } from '../db/client.ts';
import { generateSite, type SiteSpecWithExtras } from '../firmware-sims/site/spec.ts';
import type { RackSpec } from '../firmware-sims/site/types.ts';
import { applyPlan } from '../server/domain/cmdb/apply.ts';
import { sitePlan } from '../server/domain/cmdb/site-plan.ts';
import { freshDatabase, type FreshDatabase } from './support.ts';

const KIBAN = fileURLToPath(new URL('../server/cli/kiban.mjs', import.meta.url));
const COLLECTOR = 'floor-bench';
/** Devices per declaration batch (the ingest limit is 1,000). */
const DEVICES_PER_BATCH = 900;

export interface FloorSite {
  url: string;
  adminToken: string;
  collectorToken: string;
  spec: SiteSpecWithExtras;
  /** Point keys fed per rack: sensor inlet (top), PDU A and B inlet power. */
  points: { inlet: string; powerA: string; powerB: string }[];
  /** Supply air point of each CRAC. */
  cracPoints: string[];
  importS: number;
  close(): Promise<void>;
}

/** The values a driver sends for rack `i` at tick `tick` (one tick a second). */
export type RackValues = (rack: RackSpec, i: number, tick: number) => { inletC: number; powerW: number };

/**
 * Generates the site, writes it through the CMDB import path into a fresh database, starts `kiban server` on
 * it and declares the collector devices with their first samples.
 */
export async function startFloorSite(opts: { racks?: number; seed?: number; log?: (m: string) => void } = {}): Promise<FloorSite> {
  const log = opts.log ?? (() => {});
  const spec = generateSite({ racks: opts.racks ?? 2000, seed: opts.seed ?? 11 });
  const fresh = await freshDatabase('floor', log);
  let child: ChildProcess | undefined;
  try {
    const t0 = performance.now();
    const db = await openDb(fresh.url ? { url: fresh.url } : { dataDir: `${fresh.dir}/db` });
    try {
      const result = await applyPlan(db, sitePlan(spec, { siteKey: 'site', collector: COLLECTOR }), { actor: 'bench', mode: 'all-or-nothing' });
      if (result.issues.length > 0) throw new Error(`site import: ${JSON.stringify(result.issues.slice(0, 3))}`);
    } finally {
      await db.close();
    }
    const importS = (performance.now() - t0) / 1000;
    log(`${spec.racks.length.toLocaleString('en')} racks in ${spec.rooms.length} rooms imported through the CMDB import path in ${importS.toFixed(1)} s`);

    const adminToken = `floor-${randomBytes(16).toString('hex')}`;
    const started = await startKiban(fresh, adminToken, log);
    child = started.child;
    const url = started.url;
    const res = await fetch(`${url}/api/v1/tokens`, {
      method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: COLLECTOR, role: 'collector' }),
    });
    if (res.status !== 201) throw new Error(`collector token: HTTP ${res.status} ${await res.text()}`);
    const collectorToken = (await res.json() as { token: string }).token;

    const points = spec.racks.map((r) => ({ inlet: `${r.id}-sensor/inlet.top.temperature`, powerA: `${r.id}-pdu-a/inlet.1.power`, powerB: `${r.id}-pdu-b/inlet.1.power` }));
    const cracPoints = spec.cracs.map((c) => `${c.id}/supply_air.temperature`);
    await declare(url, collectorToken, spec, log);
    const site: FloorSite = {
      url, adminToken, collectorToken, spec, points, cracPoints, importS,
      close: async () => { await stopKiban(child); await fresh.drop(); },
    };
    return site;
  } catch (err) {
    await stopKiban(child);
    await fresh.drop();
    throw err;
  }
}

async function startKiban(fresh: FreshDatabase, adminToken: string, log: (m: string) => void): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [KIBAN, 'server', '--port', '0', '--data-dir', fresh.dir], {
    env: { ...process.env, DATABASE_URL: fresh.url ?? '', KIBAN_ADMIN_TOKEN: adminToken, KIBAN_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kiban server did not start within 300 s:\n${err}`)), 300_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /kiban: serving (http:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`kiban server exited (${code}):\n${err}`)); });
  });
  log(`kiban server (pid ${child.pid}) at ${url}`);
  return { child, url };
}

async function stopKiban(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

async function postBatch(url: string, token: string, body: unknown): Promise<void> {
  const text = JSON.stringify(body);
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${url}/api/v1/ingest`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: text });
    if (res.ok) { await res.arrayBuffer(); return; }
    const detail = await res.text();
    // The server says when it is behind: wait as told and send the same batch again.
    if (res.status === 503 && attempt < 20) { await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1))); continue; }
    throw new Error(`ingest: HTTP ${res.status} ${detail.slice(0, 500)}`);
  }
}

/** The collector's first batches: every PDU, sensor and CRAC with the points the floor plan reads, and a first sample each. */
async function declare(url: string, token: string, spec: SiteSpecWithExtras, log: (m: string) => void): Promise<void> {
  const ts = new Date().toISOString();
  type Decl = { device: { name: string; kind: string; protocol: string; profile: string }; points: Array<{ metric: string; unit: string; role: string; value: number }> };
  const decls: Decl[] = [];
  for (const r of spec.racks) {
    for (const feed of ['a', 'b']) {
      decls.push({
        device: { name: `${r.id}-pdu-${feed}`, kind: 'pdu', protocol: 'snmp', profile: r.pduVendor === 'raritan' ? 'raritan-px2' : 'servertech-sentry4' },
        points: [{ metric: 'inlet.1.power', unit: 'W', role: 'pdu.inlet.power', value: r.itLoadW / 2 }],
      });
    }
    decls.push({
      device: { name: `${r.id}-sensor`, kind: 'sensor', protocol: 'mqtt', profile: 'kiban-rack-env-json' },
      points: [{ metric: 'inlet.top.temperature', unit: 'degC', role: 'rack.inlet.top.temperature', value: 22 }],
    });
  }
  for (const c of spec.cracs) {
    decls.push({ device: { name: c.id, kind: 'crac', protocol: 'modbus', profile: 'liebert-icom' }, points: [{ metric: 'supply_air.temperature', unit: 'degC', role: 'crac.supply_air.temperature', value: 18 }] });
  }
  for (let i = 0; i < decls.length; i += DEVICES_PER_BATCH) {
    const part = decls.slice(i, i + DEVICES_PER_BATCH);
    await postBatch(url, token, {
      batchId: randomUUID(), collector: COLLECTOR,
      devices: part.map((d) => d.device),
      points: part.flatMap((d) => d.points.map((p) => ({ key: `${d.device.name}/${p.metric}`, device: d.device.name, metric: p.metric, unit: p.unit, kind: 'gauge', role: p.role }))),
      samples: part.flatMap((d) => d.points.map((p) => ({ point: `${d.device.name}/${p.metric}`, ts, value: p.value, quality: 'ok' }))),
    });
  }
  log(`${decls.length.toLocaleString('en')} collector devices declared through the ingest API`);
}

export interface Driver {
  readonly stats: { ticks: number; samples: number; batches: number; lateTicks: number; maxBatchMs: number };
  /** Sends one tick now (outside the schedule) and waits until the server acknowledged it. */
  sendNow(values: RackValues): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Every `intervalMs` (default 1 s), one batch with every rack's inlet temperature and both PDUs' inlet power
 * (3 samples per rack) and every CRAC's supply air, through the ingest API with the collector token. A tick
 * that finds the previous batch still in flight is skipped and counted late (the driver never queues).
 */
export function startDriver(site: FloorSite, values: RackValues, intervalMs = 1000): Driver {
  const stats = { ticks: 0, samples: 0, batches: 0, lateTicks: 0, maxBatchMs: 0 };
  let tick = 0;
  let inFlight: Promise<void> | undefined;
  let lastTs = 0;
  const send = async (fn: RackValues) => {
    // Strictly increasing timestamps, so no sample is ignored as older than the one before.
    const now = Math.max(Date.now(), lastTs + 1);
    lastTs = now;
    const ts = new Date(now).toISOString();
    const t = tick++;
    const samples: Array<{ point: string; ts: string; value: number; quality: 'ok' }> = [];
    site.spec.racks.forEach((rack, i) => {
      const v = fn(rack, i, t);
      const p = site.points[i];
      samples.push({ point: p.inlet, ts, value: Math.round(v.inletC * 10) / 10, quality: 'ok' });
      samples.push({ point: p.powerA, ts, value: Math.round(v.powerW / 2), quality: 'ok' });
      samples.push({ point: p.powerB, ts, value: Math.round(v.powerW / 2), quality: 'ok' });
    });
    site.cracPoints.forEach((point, i) => samples.push({ point, ts, value: Math.round((17 + Math.sin(t / 5 + i)) * 10) / 10, quality: 'ok' }));
    const started = performance.now();
    await postBatch(site.url, site.collectorToken, { batchId: randomUUID(), collector: COLLECTOR, samples });
    stats.maxBatchMs = Math.max(stats.maxBatchMs, performance.now() - started);
    stats.ticks++;
    stats.batches++;
    stats.samples += samples.length;
  };
  let failure: unknown;
  const timer = setInterval(() => {
    if (inFlight) { stats.lateTicks++; return; }
    inFlight = send(values).catch((err) => { failure = err; }).finally(() => { inFlight = undefined; });
  }, intervalMs);
  return {
    stats,
    async sendNow(fn) {
      while (inFlight) await inFlight;
      const p = send(fn);
      inFlight = p.finally(() => { inFlight = undefined; });
      await p;
    },
    async stop() {
      clearInterval(timer);
      await inFlight;
      if (failure) throw failure;
    },
  };
}

/** Values that move every rack's colour: a slow wave per rack over the inlet range 16–33 °C and 30–105 % of budget. */
export const wavingValues: RackValues = (rack, i, tick) => {
  const phase = (i * 0.37) % (2 * Math.PI);
  const budgetW = Math.round(rack.itLoadW * 1.5 / 100) * 100;
  return {
    inletC: 24.5 + 8.5 * Math.sin(tick / 4 + phase),
    powerW: budgetW * (0.675 + 0.375 * Math.sin(tick / 6 + phase * 1.3)),
  };
};

/** Signs a page in and opens the floor plan; resolves when every rack of the site is drawn. */
export async function openFloorPlan(browser: Browser, site: FloorSite, opts: { viewport?: { width: number; height: number } } = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1440, height: 1000 }, deviceScaleFactor: 1, colorScheme: 'dark', locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${site.url}/#token=${encodeURIComponent(site.adminToken)}`);
  await page.waitForFunction(() => !location.hash.includes('token='), undefined, { timeout: 60_000 });
  await page.evaluate(() => { location.hash = '#/floor'; });
  await page.waitForSelector(`[data-testid="floor-canvas"][data-racks="${site.spec.racks.length}"]`, { timeout: 180_000 });
  return page;
}

export interface FrameMeasurement {
  seconds: number;
  frames: number;
  /** Frames per second over the whole measurement. */
  fps: number;
  /** Fewest frames in any 1-second window of the measurement. */
  worstSecondFps: number;
  longTasks: { count: number; totalMs: number; maxMs: number };
  /** Canvas redraws and rack value changes applied during the measurement (the page's own counters). */
  draws: number;
  applied: number;
  /** Time the page spent in those redraws, ms. */
  drawMs: number;
  /** Frames in each whole second of the measurement, in order. */
  perSecond: number[];
}

/**
 * Counts animation frames in the page for `seconds` (requestAnimationFrame, as the browser paces them) and
 * the long tasks the page ran meanwhile (PerformanceObserver 'longtask', tasks over 50 ms).
 */
export async function measureFrames(page: Page, seconds: number): Promise<FrameMeasurement> {
  // Sent as source text: a bundler's helpers (e.g. esbuild's __name) must not leak into the page.
  return page.evaluate(`(${MEASURE_FRAMES_IN_PAGE})(${Number(seconds)})`) as Promise<FrameMeasurement>;
}

const MEASURE_FRAMES_IN_PAGE = `async (durationS) => {
  const stats = window.__kibanFloorStats;
  const before = { draws: stats.draws, applied: stats.applied, drawMs: stats.drawMsTotal };
  const longTasks = [];
  const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); });
  observer.observe({ type: 'longtask', buffered: false });
  const frames = [];
  await new Promise((resolve) => {
    const start = performance.now();
    const tick = (t) => {
      frames.push(t);
      if (t - start < durationS * 1000) requestAnimationFrame(tick); else resolve();
    };
    requestAnimationFrame(tick);
  });
  observer.disconnect();
  const elapsed = (frames[frames.length - 1] - frames[0]) / 1000;
  // Worst 1-s window: for each frame, the frames in the second starting there (windows wholly inside the run).
  let worst = Infinity;
  let j = 0;
  for (let i = 0; i < frames.length && frames[i] + 1000 <= frames[frames.length - 1]; i++) {
    while (j < frames.length && frames[j] < frames[i] + 1000) j++;
    worst = Math.min(worst, j - i);
  }
  return {
    seconds: elapsed, frames: frames.length, fps: (frames.length - 1) / elapsed, worstSecondFps: worst === Infinity ? 0 : worst,
    longTasks: { count: longTasks.length, totalMs: longTasks.reduce((s, d) => s + d, 0), maxMs: Math.max(0, ...longTasks) },
    draws: stats.draws - before.draws, applied: stats.applied - before.applied, drawMs: stats.drawMsTotal - before.drawMs,
    perSecond: Array.from({ length: Math.floor(elapsed) }, (_, k) => frames.filter((t) => t >= frames[0] + k * 1000 && t < frames[0] + (k + 1) * 1000).length),
  };
}`;

/**
 * Share of the floor canvas's pixels that are clearly red/orange (hot end of the inlet scale) and clearly blue
 * (cool end), to see the colours follow the data.
 */
export async function canvasColorShares(page: Page): Promise<{ red: number; blue: number }> {
  return page.evaluate(`(() => {
    const canvas = document.querySelector('[data-testid="floor-canvas"]');
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let red = 0, blue = 0;
    for (let i = 0; i < data.length; i += 4) {
      const r = data[i], b = data[i + 2];
      if (r > b + 80) red++; else if (b > r + 80) blue++;
    }
    const n = data.length / 4;
    return { red: red / n, blue: blue / n };
  })()`) as Promise<{ red: number; blue: number }>;
}
