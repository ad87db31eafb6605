/**
 * Chart load and panning in the browser: one year of 1-minute data for 10 points (5.26 M raw samples) on
 * the device page of the real server and web bundle, in headless Chromium. Measured in the page:
 * - navigation start → the chart drawn with data (the performance mark the chart sets after its first
 *   data draw), over several fresh page loads;
 * - a sequence of zooms and pans by keyboard on the chart (each refetches at the resolution the server
 *   picks for the new range): per step the time until the new data is drawn, and during the whole
 *   sequence the longest animation frame, the frame rate and the longest long task.
 * Baseline, in the same run on the same data: the naive chart, all raw samples of the 10 points loaded
 * into uPlot (the JSON the API's raw path would give, read from the same database), zoomed and panned the
 * same way by changing its scale.
 *
 * Data: raw samples for every minute of the year (generated in the database, loaded without indexes, then
 * indexed as the migrations define them); 1-minute rollup rows bulk-built from them exactly as the rollup
 * job builds them for one valued sample per minute (checked: one day is recomputed by the job itself and
 * compared); 1-hour and 1-day rollups computed by the rollup job's own refresh from the 1-minute rows.
 * Embedded PGlite in a temporary directory, or a fresh database on the DATABASE_URL server.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { openDb, type Db } from '../db/client.ts';
import { markDirtyRange, refreshRollups } from '../db/queries/rollups.ts';
import { issueToken, startServer } from '../server/index.ts';
import { silentLogger } from '../server/lib/logger.ts';
import { ensureWebBuilt, webDistDir } from '../server/web-build.ts';
import { launchChromium, newContext } from '../test/support/browser.ts';
import type { Bench } from './index.ts';
import { freshDatabase, median, withoutIndexes } from './support.ts';

const DEVICE = 'bench-meter';
const POINTS = 10;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const CHART = '[data-testid="point-chart"]';
/** The chart code marks its first data draw with this (web/src/charts/seriesChartState.ts). */
const DRAWN_MARK = 'kiban:chart-drawn';
/** The same keys on both pages: zoom in/out and pan by a quarter of the view, Home back to the year. */
const STEPS = ['+', '+', 'ArrowLeft', 'ArrowLeft', '+', 'ArrowLeft', '-', 'ArrowRight', '+', '+',
  'ArrowLeft', 'ArrowRight', '-', '-', 'ArrowLeft', '+', 'ArrowRight', '-', '-', 'Home'];

const ms = (x: number) => Number(x.toFixed(1));
const secs = (t0: number) => ((performance.now() - t0) / 1000).toFixed(0);

/** A point's value at a minute, as SQL: a level per point, a daily swing, a slower drift, some ripple. */
const valueSql = (point: string, ts: string) =>
  `(1000 + ${point} * 40 + 300 * sin(extract(epoch from ${ts}) / 13750.99) + 80 * sin(extract(epoch from ${ts}) / 604800 * 6.2832) `
  + `+ 15 * sin(extract(epoch from ${ts}) / 97.3 + ${point}))`;

interface Seeded { pointIds: number[]; pointKeys: string[]; fromMs: number; toMs: number; samples: number }

export async function seed(db: Db, days: number, log: (m: string) => void): Promise<Seeded> {
  await db.query(`insert into devices (name, kind, protocol, vendor, model) values ($1, 'meter', 'modbus', 'Bench', 'Ten-channel meter')`, [DEVICE]);
  await db.query(
    `insert into points (device_id, metric, unit, kind, role, description)
     select d.id, 'power.' || lpad(i::text, 2, '0'), 'W', 'gauge', 'meter.power', 'Channel ' || i || ' active power'
       from devices d cross join generate_series(1, $2::int) i where d.name = $1 order by i`, [DEVICE, POINTS]);
  const points = await db.query<{ id: number; metric: string }>(
    `select p.id, p.metric from points p join devices d on d.id = p.device_id where d.name = $1 order by p.metric`, [DEVICE]);
  const pointIds = points.map((p) => Number(p.id));
  const toMs = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS; // the year ends now: the page shows "the last year"
  const fromMs = toMs - days * DAY_MS;

  let t0 = performance.now();
  await withoutIndexes(db, 'samples', async () => {
    const chunkDays = 30;
    for (let day = 0; day < days; day += chunkDays) {
      const a = new Date(fromMs + day * DAY_MS).toISOString();
      const b = new Date(fromMs + Math.min(days, day + chunkDays) * DAY_MS).toISOString();
      await db.query(
        `insert into samples (point_id, ts, value, quality)
         select p.id, m, ${valueSql('p.id', 'm')}, 0
           from generate_series($1::timestamptz, $2::timestamptz - interval '1 minute', interval '1 minute') m
           cross join (select unnest($3::int4[]) as id) p
          order by m, p.id`, [a, b, pointIds]);
      log(`  samples: ${Math.min(days, day + chunkDays)}/${days} days (${secs(t0)} s)`);
    }
    log('  samples: rebuilding their indexes');
  });
  const [{ n: samples }] = await db.query<{ n: number }>('select count(*)::float8 as n from samples');
  log(`  samples: ${Number(samples).toLocaleString('en')} raw samples in ${secs(t0)} s`);

  // 1-minute rollups as the job computes them for one valued sample per minute: the sample holds until the
  // next one a minute later, so it covers its minute alone (n = 1, twa = value, integral = value × 60 s).
  // The last sample's hold reaches past now; those minutes are left to the job (nothing reads them here).
  t0 = performance.now();
  await withoutIndexes(db, 'rollups_1m', () => db.query(
    `insert into rollups_1m (point_id, bucket, n, sum, min, max, first_ts, last_ts, last, twa, integral, covered_s, delta)
     select point_id, ts, 1, value, value, value, ts, ts, value, value, value * 60, 60, null
       from samples where point_id = any($1::int4[]) and ts < $2 order by ts, point_id`,
    [pointIds, new Date(toMs - MINUTE_MS).toISOString()]).then(() => {}));
  log(`  rollups_1m: bulk-built in ${secs(t0)} s`);

  // The job itself recomputes one interior day of one point: its rows must equal the bulk-built ones.
  const dayFrom = new Date(fromMs + Math.floor(days / 2) * DAY_MS);
  const dayTo = new Date(dayFrom.getTime() + DAY_MS);
  const rowsOfDay = () => db.query<Record<string, unknown>>(
    `select bucket, n, sum, min, max, first_ts, last_ts, last, twa, integral, covered_s, delta from rollups_1m
      where point_id = $1 and bucket >= $2 and bucket < $3 order by bucket`, [pointIds[3], dayFrom.toISOString(), dayTo.toISOString()]);
  const bulk = await rowsOfDay();
  await db.query('delete from rollups_1m where point_id = $1 and bucket >= $2 and bucket < $3', [pointIds[3], dayFrom.toISOString(), dayTo.toISOString()]);
  await markDirtyRange(db, dayFrom, dayTo, [pointIds[3]]);
  await refreshRollups(db, { chunk: 5000 });
  const byJob = await rowsOfDay();
  const same = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)) : String(a) === String(b));
  const mismatch = byJob.length !== bulk.length ? `${byJob.length} rows from the job, ${bulk.length} bulk`
    : byJob.flatMap((row, i) => Object.keys(row).filter((k) => !same(row[k], bulk[i][k])).map((k) => `${String(row.bucket)} ${k}: job ${String(row[k])}, bulk ${String(bulk[i][k])}`))[0];
  if (mismatch) throw new Error(`bulk 1-minute rollups differ from the rollup job's: ${mismatch}`);
  log(`  rollups_1m: a day recomputed by the rollup job equals the bulk rows (${byJob.length} rows)`);

  // 1-hour and 1-day rollups by the rollup job's own refresh, from every hour of the year.
  t0 = performance.now();
  await db.query(
    `insert into rollup_dirty_1h (point_id, bucket)
     select p, h from unnest($1::int4[]) p
      cross join generate_series(date_bin('1 hour', $2::timestamptz, timestamptz '1970-01-01'), $3::timestamptz, interval '1 hour') h
     on conflict do nothing`, [pointIds, new Date(fromMs).toISOString(), new Date(toMs).toISOString()]);
  const done = await refreshRollups(db, { chunk: 20_000 });
  log(`  rollups_1h/1d: ${done.hours.toLocaleString('en')} hours and ${done.days.toLocaleString('en')} days computed by the rollup job in ${secs(t0)} s`);
  for (const table of ['samples', 'rollups_1m', 'rollups_1h', 'rollups_1d', 'points', 'devices']) await db.query(`analyze ${table}`);
  return { pointIds, pointKeys: points.map((p) => `${DEVICE}/${p.metric}`), fromMs, toMs, samples: Number(samples) };
}

// ---------------------------------------------------------------- in-page measurement

// Page scripts are strings: functions compiled by tsx carry helpers (__name) that do not exist in the page.
const START_RECORDING = `(() => {
  window.benchFrames = [];
  window.benchLongTasks = [];
  window.benchRecording = true;
  const loop = (t) => { if (!window.benchRecording) return; window.benchFrames.push(t); requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) window.benchLongTasks.push(e.duration); }).observe({ type: 'longtask' });
  } catch (e) { /* no long task API: frames still tell */ }
})()`;

const STOP_RECORDING = `(() => {
  window.benchRecording = false;
  const f = window.benchFrames;
  const deltas = f.slice(1).map((t, i) => t - f[i]).sort((a, b) => a - b);
  const durationMs = f.length > 1 ? f[f.length - 1] - f[0] : 0;
  return {
    durationMs,
    frames: f.length,
    fps: durationMs > 0 ? (f.length - 1) / (durationMs / 1000) : 0,
    longestFrameMs: deltas.length ? deltas[deltas.length - 1] : 0,
    p95FrameMs: deltas.length ? deltas[Math.min(deltas.length - 1, Math.floor(deltas.length * 0.95))] : 0,
    longestTaskMs: Math.max(0, ...window.benchLongTasks),
    longTasks: window.benchLongTasks.length,
  };
})()`;

/** Starts recording animation frames and long tasks in the page. */
async function startRecording(page: Page): Promise<void> {
  await page.evaluate(START_RECORDING);
}

interface FrameStats { durationMs: number; frames: number; fps: number; longestFrameMs: number; p95FrameMs: number; longestTaskMs: number; longTasks: number }

async function stopRecording(page: Page): Promise<FrameStats> {
  return page.evaluate(STOP_RECORDING) as Promise<FrameStats>;
}

/** API calls of the last page load: path and when each answered, ms after navigation start. */
const API_TIMELINE = `performance.getEntriesByType('resource')
  .filter((e) => e.name.includes('/api/v1/') && !e.name.includes('/stream'))
  .map((e) => new URL(e.name).pathname.replace('/api/v1', '') + ' ' + Math.round(e.startTime) + '→' + Math.round(e.responseEnd))
  .join(', ')`;

/** Presses each key on the focused chart and waits until the chart has drawn the answer; returns ms per step. */
async function driveSteps(page: Page, focus: string, drawnCount: () => Promise<number>): Promise<number[]> {
  await page.focus(focus);
  const times: number[] = [];
  for (const key of STEPS) {
    const before = await drawnCount();
    const selector = JSON.stringify(focus.startsWith('#') ? focus : CHART);
    const t0 = await page.evaluate('performance.now()') as number;
    await page.keyboard.press(key);
    await page.waitForFunction(`(() => { const el = document.querySelector(${selector});
      return !!el && Number(el.getAttribute('data-drawn-loads')) > ${before} && el.getAttribute('data-loading') !== 'true'; })()`,
    undefined, { timeout: 120_000, polling: 'raf' });
    times.push(await page.evaluate(`performance.now() - ${t0}`) as number);
    await page.waitForTimeout(100); // let a few frames pass between steps, as a person would
  }
  return times;
}

// ---------------------------------------------------------------- the naive baseline page

/** The naive chart: fetch every raw sample as JSON, build uPlot's arrays, draw; keys change its scale. */
function naivePage(uplotJs: string, uplotCss: string, pointKeys: string[]): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>naive chart</title><style>${uplotCss} body{background:#0f1419;color:#dbe2e9;font:13px system-ui}</style>
<script>${uplotJs}</script></head><body><div id="chart" tabindex="0" data-drawn-loads="0" data-loading="true"></div><script>
(async () => {
  const host = document.getElementById('chart');
  const answer = await (await fetch('/series.json')).json();
  const first = answer.items[0].samples;
  const x = first.map((s) => Date.parse(s.ts) / 1000);
  const ys = answer.items.map((item) => item.samples.map((s) => s.value));
  const palette = ['#4aa3ff', '#f5a524', '#3ccf91', '#c084fc', '#f87171', '#22d3ee', '#a3e635', '#f472b6', '#fb923c', '#94a3b8'];
  let drawn = 0;
  const u = new uPlot({
    width: 1150, height: 260, scales: { x: { time: true } },
    series: [{}, ...${JSON.stringify(pointKeys)}.map((label, i) => ({ label, stroke: palette[i], width: 1.5, spanGaps: false }))],
    legend: { show: false }, cursor: { drag: { x: true, y: false } },
    hooks: { draw: [() => {
      drawn++;
      if (drawn === 1) performance.mark('naive:drawn');
      host.setAttribute('data-drawn-loads', String(drawn));
      host.setAttribute('data-loading', 'false');
    }] },
  }, [x, ...ys], host);
  const full = [x[0], x[x.length - 1]];
  host.addEventListener('keydown', (e) => {
    const min = u.scales.x.min, max = u.scales.x.max, span = max - min, mid = (min + max) / 2;
    const set = (a, b) => u.setScale('x', { min: a, max: Math.min(b, full[1]) });
    if (e.key === '+') set(max - span / 2, max);
    else if (e.key === '-') set(Math.max(full[0], max - span * 2), max);
    else if (e.key === 'ArrowLeft') set(min - span / 4, max - span / 4);
    else if (e.key === 'ArrowRight') set(min + span / 4, Math.min(full[1], max + span / 4));
    else if (e.key === 'Home') set(full[0], full[1]);
    else return;
    e.preventDefault();
  });
})();
</script></body></html>`;
}

/**
 * The API's raw answer for all points (the shape GET /series gives with resolution=raw), read from the
 * database: each point's samples turned into JSON by the database itself, the fastest way to read them.
 */
async function naiveSeriesJson(db: Db, seeded: Seeded): Promise<{ body: Buffer; readMs: number }> {
  const t0 = performance.now();
  const parts: string[] = [`{"from":"${new Date(seeded.fromMs).toISOString()}","to":"${new Date(seeded.toMs).toISOString()}","items":[`];
  for (let i = 0; i < seeded.pointIds.length; i++) {
    const [{ samples }] = await db.query<{ samples: string }>(
      `select coalesce(string_agg('{"ts":"' || to_char(ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '","value":'
                || coalesce(value::text, 'null') || '}', ',' order by ts), '') as samples
         from samples where point_id = $1 and ts >= $2 and ts < $3`,
      [seeded.pointIds[i], new Date(seeded.fromMs).toISOString(), new Date(seeded.toMs).toISOString()]);
    parts.push(`${i ? ',' : ''}{"point":"${seeded.pointKeys[i]}","unit":"W","resolution":"raw","source":"raw","agg":null,"samples":[${samples}]}`);
  }
  parts.push(']}');
  return { body: Buffer.from(parts.join('')), readMs: performance.now() - t0 };
}

async function serveStatic(routes: Record<string, { type: string; body: Buffer | string }>): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const route = routes[(req.url ?? '/').split('?')[0]];
    if (!route) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' }).end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, server };
}

const markTime = (page: Page, name: string) =>
  page.evaluate(`performance.getEntriesByName(${JSON.stringify(name)}).map((e) => e.startTime).sort((a, b) => a - b).pop() ?? null`) as Promise<number | null>;

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
    return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  }).join('\n');
}

export const chartBench: Bench = {
  name: 'chart',
  description: 'browser: a year of 1-minute data for 10 points on the device page, load-to-drawn and panning, vs all raw samples in uPlot',
  async run({ quick, log }) {
    const days = quick ? 7 : 365;
    const loads = quick ? 2 : 5;
    const fresh = await freshDatabase('chart', log);
    const db = await openDb(fresh.url ? { url: fresh.url } : { dataDir: path.join(fresh.dir, 'db') });
    try {
      log(`chart bench on ${db.kind}: ${POINTS} points × ${days} days of 1-minute samples`);
      const seeded = await seed(db, days, log);
      await ensureWebBuilt(log);
      const server = await startServer({ db, port: 0, logger: silentLogger(), webDist: webDistDir, rollupJob: false });
      const browser = await launchChromium();
      try {
        const token = await issueToken(db, 'bench', 'viewer');
        const context = await newContext(browser);
        const page = await context.newPage();
        const pageErrors: string[] = [];
        page.on('pageerror', (e) => pageErrors.push(e.message));
        await page.goto(`${server.url}/#token=${encodeURIComponent(token)}`);
        await page.waitForSelector('[data-testid="area-nav"]', { timeout: 60_000 });
        const preset = quick ? '30d' : '1y';

        // Fresh page loads of the device page over the whole range: navigation start → chart drawn with data.
        const loadMs: number[] = [];
        let shape = '';
        for (let run = 0; run < loads; run++) {
          await page.goto(`${server.url}/?load=${run}#/devices/${DEVICE}?range=${preset}`);
          await page.waitForFunction(`document.querySelector(${JSON.stringify(CHART)})?.getAttribute('data-drawn-loads') === '1'`, undefined, { timeout: 60_000 })
            .catch(async (error) => {
              const state = await page.evaluate(`[...document.querySelectorAll('[data-testid]')].slice(0, 40).map((e) => e.getAttribute('data-testid') + (e.getAttribute('data-drawn-loads') !== null ? '(' + e.getAttribute('data-loading') + ',' + e.getAttribute('data-drawn-loads') + ')' : '')).join(' ')`);
              throw new Error(`${(error as Error).message}; the page shows: ${String(state)}; errors: ${pageErrors.join('; ')}`);
            });
          const drawn = await markTime(page, DRAWN_MARK);
          if (drawn === null) throw new Error('the chart drew no data');
          loadMs.push(drawn);
          const el = page.locator(CHART);
          shape = `${await el.getAttribute('data-source')} at ${await el.getAttribute('data-resolution')}, ${await el.getAttribute('data-samples')} values plotted, ${await el.getAttribute('data-width')} px`;
          log(`  load ${run + 1}: chart drawn ${loadMs.at(-1)!.toFixed(0)} ms after navigation start (${shape}); API: ${await page.evaluate(API_TIMELINE)}`);
        }

        // Zooms and pans on the chart (each step refetches at the resolution the server picks).
        await startRecording(page);
        const stepMs = await driveSteps(page, `${CHART} .ts-plot`, async () => Number(await page.getAttribute(CHART, 'data-drawn-loads')));
        const frames = await stopRecording(page);
        const resolutions = await page.getAttribute(CHART, 'data-resolution');
        log(`  ${STEPS.length} zoom/pan steps: median ${median(stepMs).toFixed(0)} ms, slowest ${Math.max(...stepMs).toFixed(0)} ms to new data drawn; `
          + `longest frame ${frames.longestFrameMs.toFixed(0)} ms, ${frames.fps.toFixed(0)} fps, longest task ${frames.longestTaskMs.toFixed(0)} ms (back at ${resolutions})`);
        if (pageErrors.length) throw new Error(`errors in the page: ${pageErrors.join('; ')}`);

        // The naive baseline: every raw sample into uPlot.
        const naive = await naiveSeriesJson(db, seeded);
        log(`  naive: ${seeded.samples.toLocaleString('en')} raw samples read from the database as the API's raw JSON (${(naive.body.length / 2 ** 20).toFixed(0)} MiB) in ${naive.readMs.toFixed(0)} ms`);
        const require = createRequire(import.meta.url);
        const uplotJs = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
        const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
        const naiveSite = await serveStatic({
          '/': { type: 'text/html; charset=utf-8', body: naivePage(uplotJs, uplotCss, seeded.pointKeys) },
          '/series.json': { type: 'application/json', body: naive.body },
        });
        let naiveLoadMs = 0;
        let naiveStepMs: number[] = [];
        let naiveFrames: FrameStats;
        const naiveContext = await newContext(browser);
        try {
          const naivePageHandle = await naiveContext.newPage();
          naivePageHandle.setDefaultTimeout(300_000);
          await naivePageHandle.goto(`${naiveSite.url}/`);
          await naivePageHandle.waitForFunction(`document.getElementById('chart')?.getAttribute('data-drawn-loads') !== '0'`, undefined, { timeout: 600_000 });
          naiveLoadMs = (await markTime(naivePageHandle, 'naive:drawn'))!;
          log(`  naive: chart drawn ${naiveLoadMs.toFixed(0)} ms after navigation start`);
          await startRecording(naivePageHandle);
          naiveStepMs = await driveSteps(naivePageHandle, '#chart', async () => Number(await naivePageHandle.getAttribute('#chart', 'data-drawn-loads')));
          naiveFrames = await stopRecording(naivePageHandle);
          log(`  naive: ${STEPS.length} steps: median ${median(naiveStepMs).toFixed(0)} ms, slowest ${Math.max(...naiveStepMs).toFixed(0)} ms; `
            + `longest frame ${naiveFrames.longestFrameMs.toFixed(0)} ms, ${naiveFrames.fps.toFixed(0)} fps, longest task ${naiveFrames.longestTaskMs.toFixed(0)} ms`);
        } finally {
          await naiveContext.close();
          await new Promise((resolve) => naiveSite.server.close(resolve));
        }

        const value = median(loadMs);
        const baseline = naiveLoadMs + naive.readMs;
        log('');
        log(table([
          ['', 'Kiban device page', 'naive: all raw samples in uPlot'],
          ['data', `${POINTS} points × ${days} d (${shape})`, `${seeded.samples.toLocaleString('en')} samples, ${(naive.body.length / 2 ** 20).toFixed(0)} MiB JSON`],
          ['navigation → chart drawn (median)', `${value.toFixed(0)} ms`, `${naiveLoadMs.toFixed(0)} ms (+ ${naive.readMs.toFixed(0)} ms reading the samples)`],
          [`zoom/pan step → drawn (median / max of ${STEPS.length})`, `${median(stepMs).toFixed(0)} / ${Math.max(...stepMs).toFixed(0)} ms`, `${median(naiveStepMs).toFixed(0)} / ${Math.max(...naiveStepMs).toFixed(0)} ms`],
          ['longest frame while panning', `${frames.longestFrameMs.toFixed(0)} ms`, `${naiveFrames!.longestFrameMs.toFixed(0)} ms`],
          ['frame rate while panning', `${frames.fps.toFixed(0)} fps`, `${naiveFrames!.fps.toFixed(0)} fps`],
          ['longest task while panning', `${frames.longestTaskMs.toFixed(0)} ms`, `${naiveFrames!.longestTaskMs.toFixed(0)} ms`],
        ]));
        log(`target: chart drawn within 1,500 ms — ${value <= 1500 ? 'met' : 'NOT met'}; the naive chart takes ${(baseline / value).toFixed(0)}× as long`);
        log(`load average while measuring: ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min) on ${os.cpus().length} cores`);
        await context.close();
        return {
          bench: 'chart', value: ms(value), unit: 'ms (navigation start → chart drawn, median)', baseline: ms(baseline),
          ratio: Number((value / baseline).toFixed(4)), target: 1500,
          db: db.kind, loadAverage: os.loadavg().map((l) => Number(l.toFixed(1))), points: POINTS, days, samples: seeded.samples, loads: loadMs.map(ms), chart: shape,
          steps: STEPS.length, stepMedianMs: ms(median(stepMs)), stepMaxMs: ms(Math.max(...stepMs)),
          panLongestFrameMs: ms(frames.longestFrameMs), panFps: ms(frames.fps), panLongestTaskMs: ms(frames.longestTaskMs),
          naiveLoadMs: ms(naiveLoadMs), naiveReadMs: ms(naive.readMs), naiveJsonMiB: ms(naive.body.length / 2 ** 20),
          naiveStepMedianMs: ms(median(naiveStepMs)), naiveStepMaxMs: ms(Math.max(...naiveStepMs)),
          naivePanLongestFrameMs: ms(naiveFrames!.longestFrameMs), naivePanFps: ms(naiveFrames!.fps), naivePanLongestTaskMs: ms(naiveFrames!.longestTaskMs),
        };
      } finally {
        await browser.close();
        await server.close();
      }
    } finally {
      await db.close();
      await fresh.drop();
    }
  },
};
