/**
 * Browser tier for the device and point pages on the real demo stack (simulator → collector → server) in
 * headless Chromium: a UPS's charts per unit with the resolution the server chose, live values and a live
 * tail, cursors synchronised across charts, drag-to-zoom refetching at a finer resolution, the CSV of what
 * is plotted compared with the series API, a device outage (the simulator's fault API) shown as a gap, the
 * point page, Japanese, keyboard operation, accessibility and no console errors.
 */
import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/en.ts';
import { ja } from '../../web/src/i18n/ja.ts';
import { browserTierSkipped, checkAccessibility, englishLeftovers, screenshot } from '../support/browser.ts';
import { inSignedInPage, useBrowserStack } from '../support/browserStack.ts';
import { api, waitFor, type Stack } from '../support/stack.ts';

const UPS = 'ups-a1';
const POWER = `${UPS}/output.l1.power`;
const INPUT_POWER = `${UPS}/input.l1.power`;
const CHART = '[data-testid="point-chart"]';

interface SeriesAnswer {
  items: Array<{ point: string; resolution: string; source: string; agg: string | null; samples: Array<{ ts: string; value: number | null; min?: number | null; max?: number | null }> }>;
}

const chartOf = (page: Page, unit: string) => page.locator(`${CHART}[data-unit="${unit}"]`);
const attr = async (chart: Locator, name: string) => (await chart.getAttribute(name)) ?? '';
const drawnLoads = async (chart: Locator) => Number(await attr(chart, 'data-drawn-loads'));
/** Seconds per plotted sample: 0 for raw samples, else the bucket width. */
const resolutionSec = (resolution: string) => Math.max(...resolution.split(',').map((r) => (r === 'raw' ? 0 : Number.parseFloat(r))));

/** Opens the UPS's device page on a range preset and waits until its charts have drawn. */
async function openDevice(page: Page, range: string): Promise<void> {
  await page.evaluate(([device, preset]) => { location.hash = `#/devices/${encodeURIComponent(device)}?range=${preset}`; }, [UPS, range]);
  await deviceShown(page);
}

/** The UPS's device page is shown and its charts have drawn. */
async function deviceShown(page: Page): Promise<void> {
  await page.waitForSelector(`[data-testid="device-page"][data-device="${UPS}"]`, { timeout: 30_000 });
  await chartsSettled(page);
}

/** Every chart on the page has drawn data for the current range. */
async function chartsSettled(page: Page, minLoads = 1): Promise<void> {
  await expect.poll(async () => {
    const states = await page.$$eval(CHART, (charts) => charts.map((c) => [c.getAttribute('data-loading'), Number(c.getAttribute('data-drawn-loads'))] as const));
    return states.length > 0 && states.every(([loading, loads]) => loading === 'false' && loads >= minLoads);
  }, { timeout: 45_000, interval: 250 }).toBe(true);
}

/** Does `action` (a zoom or a pan) and waits until `chart` has loaded its data again; returns its load count from before. */
async function reloadBy(chart: Locator, action: () => Promise<unknown>): Promise<number> {
  const loadsBefore = await drawnLoads(chart);
  await action();
  await expect.poll(() => drawnLoads(chart), { timeout: 30_000 }).toBeGreaterThan(loadsBefore);
  return loadsBefore;
}

async function downloadCsv(page: Page, chart: Locator): Promise<{ raw: string; header: string[]; rows: string[][] }> {
  const [download] = await Promise.all([page.waitForEvent('download'), chart.locator('[data-testid="chart-csv"]').click()]);
  const raw = readFileSync((await download.path())!, 'utf8');
  const lines = raw.replace(/^\uFEFF/, '').split('\r\n').filter(Boolean);
  // Headers and values of this chart contain no quotes or commas (metric names, units, numbers).
  const [header, ...rows] = lines.map((line) => line.split(','));
  return { raw, header, rows };
}

/**
 * The series a chart loaded, asked of the API with the range and width it used. The charts of a page ask
 * together (one request for all their points: the server picks the table by the whole request), so this
 * asks for the points of every chart that loaded the same range and keeps the chart's own.
 */
async function seriesAsLoaded(stack: Stack, page: Page, chart: Locator): Promise<SeriesAnswer> {
  const [from, to, width] = [await attr(chart, 'data-from'), await attr(chart, 'data-to'), await attr(chart, 'data-width')];
  const together = await page.$$eval(CHART, (charts, range) => charts
    .filter((c) => c.getAttribute('data-from') === range[0] && c.getAttribute('data-to') === range[1])
    .flatMap((c) => (c.getAttribute('data-points') ?? '').split(',')), [from, to]);
  const query = new URLSearchParams({
    points: together.join(','), from: new Date(Number(from)).toISOString(), to: new Date(Number(to)).toISOString(), width,
  });
  const res = await api(stack, `/api/v1/series?${query}`);
  expect(res.status).toBe(200);
  const answer = await res.json() as SeriesAnswer;
  const own = (await attr(chart, 'data-points')).split(',');
  return { items: own.map((point) => answer.items.find((item) => item.point === point)!) };
}

/**
 * Whether the CSV holds `value` in `column` at the sample's time: the samples of one poll share a row
 * (stamped within half a second), so the row is the one within half a second whose cell matches.
 */
function csvHas(rows: string[][], ts: string, column: number, value: number | null | undefined): boolean {
  const ms = Date.parse(ts);
  return rows.some((row) => Math.abs(Date.parse(row[0]) - ms) <= 500 && sameNumber(row[column], value));
}

const sameNumber = (cell: string | undefined, value: number | null | undefined) =>
  value === null || value === undefined ? cell === '' : cell !== undefined && cell !== '' && Math.abs(Number(cell) - value) <= 1e-9 * Math.max(1, Math.abs(value));

describe.skipIf(browserTierSkipped)('device and point charts in Chromium', () => {
  const env = useBrowserStack({
    // The UPS has reported for a while and its first rollups exist (the 7-day view reads them).
    ready: async (stack) => {
      const to = new Date();
      const from = new Date(to.getTime() - 7 * 86_400_000);
      const res = await api(stack, `/api/v1/series?points=${POWER}&from=${from.toISOString()}&to=${to.toISOString()}&width=1000`);
      const body = res.ok ? await res.json() as SeriesAnswer : undefined;
      return body?.items[0]?.source === '1m' && body.items[0].samples.some((s) => s.value !== null);
    },
  });

  it('shows a UPS: charts per unit at the server-chosen resolution, live values, synced cursors, zoom by dragging, CSV of what is plotted', () => inSignedInPage(env, 'charts-device-failure.png', async ({ page, errors }) => {
    await openDevice(page, '7d');

    // Header: the UPS and the configuration item it belongs to.
    await expect.poll(() => page.getAttribute('[data-testid="device-ci"] a', 'href'), { timeout: 20_000 }).toBe(`#/cmdb/ci/${UPS}`);

    // One chart per unit, power first.
    const units = await page.$$eval(CHART, (charts) => charts.map((c) => c.getAttribute('data-unit')));
    expect(units[0]).toBe('W');
    expect(units).toEqual(expect.arrayContaining(['W', 'A', 'V', 'Hz', 'degC', '%']));
    expect(new Set(units).size).toBe(units.length);

    // Seven days are read from a rollup (which one the server decides by the points and width of the
    // request) in buckets of minutes or hours, with a min/max band.
    const power = chartOf(page, 'W');
    expect(['1m', '1h']).toContain(await attr(power, 'data-source'));
    const weekResolution = resolutionSec(await attr(power, 'data-resolution'));
    expect(weekResolution).toBeGreaterThanOrEqual(60);
    expect(await power.locator('[data-testid="chart-resolution"]').textContent()).toMatch(/buckets from 1-(minute|hour) rollups/);
    expect(await power.locator('.chart-note').last().textContent()).toMatch(/lowest to highest/);
    expect(Number(await attr(power, 'data-samples'))).toBeGreaterThan(0);

    // The CSV holds what is plotted: every bucket the API gives for the loaded range and width, with min and max.
    const weekCsv = await downloadCsv(page, power);
    expect(weekCsv.raw.startsWith('\uFEFF')).toBe(true);
    expect(weekCsv.header).toEqual([
      'Time (UTC)',
      'input.l1.power (W)', 'input.l1.power min (W)', 'input.l1.power max (W)',
      'output.l1.power (W)', 'output.l1.power min (W)', 'output.l1.power max (W)',
    ]);
    const week = await seriesAsLoaded(env.stack, page, power);
    const loadedTo = Number(await attr(power, 'data-to'));
    let compared = 0;
    week.items.forEach((item, index) => {
      for (const sample of item.samples) {
        // The newest bucket keeps filling with live samples after the load: compare the closed ones.
        if (Date.parse(sample.ts) + weekResolution * 1000 > loadedTo) continue;
        expect(csvHas(weekCsv.rows, sample.ts, 1 + index * 3, sample.value), `${item.point} value at ${sample.ts}`).toBe(true);
        expect(csvHas(weekCsv.rows, sample.ts, 2 + index * 3, sample.min), `${item.point} min at ${sample.ts}`).toBe(true);
        expect(csvHas(weekCsv.rows, sample.ts, 3 + index * 3, sample.max), `${item.point} max at ${sample.ts}`).toBe(true);
        compared++;
      }
    });
    expect(weekCsv.rows.length).toBeGreaterThanOrEqual(compared / 2);
    await screenshot(page, 'charts-device-week.png');

    // The points table follows live samples: the input power shows a newer sample (its time and age).
    const liveCell = page.locator(`tr[data-point="${INPUT_POWER}"] [data-testid="point-value"]`);
    await expect.poll(() => liveCell.textContent(), { timeout: 20_000 }).toMatch(/\d.*W/);
    const sampleTime = page.locator(`tr[data-point="${INPUT_POWER}"] td.age time`);
    const firstTime = await sampleTime.getAttribute('datetime');
    await expect.poll(() => sampleTime.getAttribute('datetime'), { timeout: 120_000 }).not.toBe(firstTime);
    expect(Date.parse((await sampleTime.getAttribute('datetime'))!)).toBeGreaterThan(Date.parse(firstTime!));

    // Cursors are synchronised: hovering the power chart moves the voltage chart's cursor (its legend shows a time).
    const voltage = chartOf(page, 'V');
    expect(await voltage.locator('.ts-legend-head time').count()).toBe(0);
    const powerBox = (await power.locator('.u-over').boundingBox())!;
    await page.mouse.move(powerBox.x + powerBox.width - 3, powerBox.y + powerBox.height / 2);
    await expect.poll(() => voltage.locator('.ts-legend-head time').count(), { timeout: 5_000 }).toBe(1);

    // Dragging across the newest part of the week zooms every chart; the server answers at a finer resolution.
    const loadsBefore = await reloadBy(power, async () => {
      await page.mouse.move(powerBox.x + powerBox.width * 0.97, powerBox.y + powerBox.height / 2);
      await page.mouse.down();
      await page.mouse.move(powerBox.x + powerBox.width * 0.985, powerBox.y + powerBox.height / 2, { steps: 4 });
      await page.mouse.move(powerBox.x + powerBox.width - 1, powerBox.y + powerBox.height / 2, { steps: 4 });
      await page.mouse.up();
    });
    await chartsSettled(page, loadsBefore + 1);
    expect(resolutionSec(await attr(power, 'data-resolution'))).toBeLessThan(weekResolution);
    expect(resolutionSec(await attr(voltage, 'data-resolution'))).toBeLessThan(weekResolution);
    expect(await attr(power, 'data-source')).toBe('raw');
    expect(await power.locator('[data-testid="chart-resolution"]').textContent()).toMatch(/Raw samples/);
    expect(await page.getAttribute('[data-testid="range-reset"]', 'disabled')).toBeNull();
    const zoomedSpan = Number(await attr(power, 'data-to')) - Number(await attr(power, 'data-from'));
    expect(zoomedSpan).toBeLessThan(0.05 * 7 * 86_400_000);

    // The CSV of the zoomed chart holds every raw sample the API has for that range (live ones may follow).
    const zoomCsv = await downloadCsv(page, power);
    expect(zoomCsv.header).toEqual(['Time (UTC)', 'input.l1.power (W)', 'output.l1.power (W)']);
    const zoomed = await seriesAsLoaded(env.stack, page, power);
    // A sample stamped after the chart's newest row may have reached the server only after the chart loaded
    // (the collector delivers with a lag that grows on a loaded machine): compare up to that row.
    const newestPlotted = Date.parse(zoomCsv.rows.at(-1)![0]);
    let rawCompared = 0;
    zoomed.items.forEach((item, index) => {
      for (const sample of item.samples) {
        if (sample.value === null || Date.parse(sample.ts) > newestPlotted + 500) continue;
        expect(csvHas(zoomCsv.rows, sample.ts, 1 + index, sample.value), `${item.point} at ${sample.ts}`).toBe(true);
        rawCompared++;
      }
    });
    expect(rawCompared).toBeGreaterThan(4); // how many depends on how fast a loaded machine polled; each must be there
    await screenshot(page, 'charts-device-zoomed.png');

    // Reset returns to the week, by keyboard.
    await page.focus('[data-testid="range-reset"]');
    await page.keyboard.press('Enter');
    // (The bucket width may differ from the first load: the server picks it from the rollups present now and
    // the points of the page's request; what matters is a week of buckets again, not raw samples.)
    await expect.poll(async () => resolutionSec(await attr(power, 'data-resolution')), { timeout: 30_000 }).toBeGreaterThanOrEqual(Math.min(60, weekResolution));
    await expect.poll(() => page.getAttribute('[data-testid="range-7d"]', 'aria-pressed')).toBe('true');

    expect(errors).toEqual([]);
  }), 420_000);

  it('follows live data on the last hour and shows a device outage as a gap in the chart and its CSV', () => inSignedInPage(env, 'charts-gap-failure.png', async ({ page, errors }) => {
    await openDevice(page, '1h');
    const power = chartOf(page, 'W');
    expect(await attr(power, 'data-resolution')).toBe('raw');
    expect(await page.locator('[data-testid="range-1h"]').getAttribute('aria-pressed')).toBe('true');

    // Live tail: new samples are appended to the chart without a refetch.
    const loads = await drawnLoads(power);
    const plotted = Number(await attr(power, 'data-samples'));
    await expect.poll(async () => Number(await attr(power, 'data-samples')), { timeout: 120_000 }).toBeGreaterThan(plotted + 2);
    expect(await drawnLoads(power)).toBe(loads);

    // Cut the UPS off (its SNMP agent stops answering) for a while: the collector records comm loss.
    const quality = page.locator(`tr[data-point="${POWER}"] .quality`);
    await page.evaluate((point) => {
      const w = window as unknown as { seenQualities: string[] };
      w.seenQualities = [];
      setInterval(() => {
        const q = document.querySelector(`tr[data-point="${point}"] .quality`)?.getAttribute('data-quality');
        if (q && w.seenQualities.at(-1) !== q) w.seenQualities.push(q);
      }, 100);
    }, POWER);
    const inject = await fetch(`${env.stack.demo.sim.controlUrl}/sim/v1/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'device_silent', target: UPS }),
    });
    expect(inject.status).toBe(201);
    const fault = (await inject.json() as { id: string }).id;
    try {
      // Short: the collector backs off from a device that keeps failing, which would delay the recovery.
      await waitFor(async () => {
        const latest = await (await api(env.stack, `/api/v1/latest?points=${POWER}`)).json() as { items: Array<{ quality: string }> };
        return latest.items[0]?.quality === 'comm_loss';
      }, 60_000, 250);
    } finally {
      const cleared = await fetch(`${env.stack.demo.sim.controlUrl}/sim/v1/faults/${fault}`, { method: 'DELETE' });
      expect(cleared.status).toBe(204);
    }
    // The table showed the comm loss live (recorded in the page: it may pass quickly) and then recovers.
    await expect.poll(() => page.evaluate(() => (window as unknown as { seenQualities: string[] }).seenQualities), { timeout: 60_000 }).toContain('comm_loss');
    await expect.poll(() => quality.getAttribute('data-quality'), { timeout: 180_000 }).toBe('ok');
    await page.waitForTimeout(3_000); // a few samples after the outage

    // The CSV of the power chart: values, then a row without any value (the outage), then values again.
    const gapIn = (csv: { header: string[]; rows: string[][] }) => {
      const valued = csv.rows.map((row) => row.slice(1).some((cell) => cell !== ''));
      const gap = valued.indexOf(false);
      return { gap, before: valued.slice(0, Math.max(0, gap)).includes(true), after: gap >= 0 && valued.slice(gap).includes(true) };
    };
    const csv = await downloadCsv(page, power);
    expect(csv.header).toEqual(['Time (UTC)', 'input.l1.power (W)', 'output.l1.power (W)']);
    expect(gapIn(csv)).toMatchObject({ before: true, after: true });

    // Zoomed in on the last minutes (a refetch from stored history: comm-loss samples are kept without a
    // value), the outage is a break in the lines.
    for (let i = 0; i < 3; i++) await reloadBy(power, () => page.click('[data-testid="range-zoom-in"]'));
    await chartsSettled(page);
    expect(gapIn(await downloadCsv(page, power))).toMatchObject({ before: true, after: true });
    await power.scrollIntoViewIfNeeded();
    await screenshot(page, 'charts-device-gap.png', { fullPage: false });

    expect(errors).toEqual([]);
  }), 420_000);

  it('opens a point from the device, reads it in Japanese, operates the charts by keyboard, and passes the accessibility check', () => inSignedInPage(env, 'charts-point-failure.png', async ({ page, errors }) => {
    await openDevice(page, '1h');
    expect(await checkAccessibility(page)).toEqual([]);

    // From the points table to the point page.
    await page.click(`tr[data-point="${POWER}"] a`);
    await page.waitForSelector(`[data-testid="point-page"][data-point="${POWER}"]`, { timeout: 30_000 });
    expect(page.url()).toContain(`#/points/${encodeURIComponent(POWER)}`);
    await chartsSettled(page);
    const chart = page.locator(CHART);
    expect(await chart.count()).toBe(1);
    expect(await attr(chart, 'data-points')).toBe(POWER);
    await expect.poll(() => page.textContent('[data-testid="point-latest"] [data-testid="point-value"]'), { timeout: 20_000 }).toMatch(/\d.*W/);
    expect(await page.getAttribute('[data-testid="point-device-link"]', 'href')).toBe(`#/devices/${UPS}`);
    await expect.poll(() => page.getAttribute('[data-testid="point-header"] [data-testid="device-ci"] a', 'href'), { timeout: 20_000 }).toBe(`#/cmdb/ci/${UPS}`);

    // Keyboard: the 24 h preset, then zoom in and pan earlier on the focused chart.
    await page.focus('[data-testid="range-24h"]');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getAttribute('[data-testid="range-24h"]', 'aria-pressed')).toBe('true');
    await chartsSettled(page);
    await page.focus(`${CHART} .ts-plot`);
    await reloadBy(chart, () => page.keyboard.press('+'));
    const zoomedSpan = Number(await attr(chart, 'data-to')) - Number(await attr(chart, 'data-from'));
    expect(Math.round(zoomedSpan / 3_600_000)).toBe(12);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.textContent('.range-badge')).toBe('Fixed range');
    await page.keyboard.press('Home');
    await expect.poll(() => page.textContent('.range-badge')).toBe('Live');
    await chartsSettled(page);
    await screenshot(page, 'charts-point.png');

    // Japanese: page text, chart titles, resolution and the CSV header.
    await page.click('[data-testid="lang-ja"]');
    await expect.poll(() => page.textContent('#point-history-title')).toBe('履歴');
    await chartsSettled(page);
    expect(await page.textContent(`${CHART} h3`)).toBe('電力(W)');
    expect(await page.textContent(`${CHART} [data-testid="chart-resolution"]`)).toMatch(/生データ|集計/);
    expect(await page.textContent('[data-testid="range-24h"]')).toBe('24時間');
    const csv = await downloadCsv(page, chart);
    expect(csv.header).toEqual(['時刻 (UTC)', 'output.l1.power (W)']);
    expect(csv.rows.length).toBeGreaterThan(0);
    expect(await englishLeftovers(page, en, ja)).toEqual([]);
    await screenshot(page, 'charts-point-ja.png');

    await page.click('[data-testid="point-device-link"]');
    await deviceShown(page);
    expect(await page.textContent(`${CHART}[data-unit="W"] h3`)).toBe('電力(W)');
    expect(await page.textContent('#device-history-title')).toBe('履歴');
    expect(await page.textContent('[data-testid="device-points"] tbody[data-family="output"] .family-row')).toBe('出力');
    // State names of enumerated points (`normal`, `onBattery`…) are the device's own vocabulary, shown as
    // reported: they are data, not text of the application.
    const points = await (await api(env.stack, `/api/v1/points?device=${UPS}`)).json() as { items: Array<{ states: Record<string, string> | null }> };
    const stateNames = new Set(points.items.flatMap((p) => Object.values(p.states ?? {})));
    expect((await englishLeftovers(page, en, ja)).filter((text) => !stateNames.has(text))).toEqual([]);
    await screenshot(page, 'charts-device-ja.png');
    expect(await checkAccessibility(page)).toEqual([]);

    expect(errors).toEqual([]);
  }), 240_000);
});
