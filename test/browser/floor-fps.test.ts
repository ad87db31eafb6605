/**
 * The floor plan of a generated 2,000-rack site (CMDB through the import path, collector devices fed through
 * the real ingest API, a real `kiban server` process) in Chromium: every rack is drawn, the colours follow the
 * data as updates for all racks arrive, and the page keeps producing frames while every rack updates each
 * second. The frame rate itself is measured and judged by `kiban bench floor` (docs/performance.md): timed
 * assertions do not belong in tests, so this only reports it.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasColorShares, measureFrames, openFloorPlan, startDriver, startFloorSite, wavingValues, type FloorSite } from '../../bench/floor-site.ts';
import { browserTierSkipped, launchChromium, screenshot, watchForErrors } from '../support/browser.ts';
import { runInPage } from '../support/browserStack.ts';

const RACKS = 2000;

/** Waits until the page has applied at least `count` more rack changes than `since`. */
async function appliedAtLeast(page: Page, since: number, count: number): Promise<number> {
  await page.waitForFunction(`window.__kibanFloorStats.applied >= ${since + count}`, undefined, { timeout: 120_000 });
  return page.evaluate('window.__kibanFloorStats.applied') as Promise<number>;
}

describe.skipIf(browserTierSkipped)(`floor plan of a generated ${RACKS.toLocaleString('en')}-rack site`, () => {
  let site: FloorSite;
  let browser: Browser;

  beforeAll(async () => {
    site = await startFloorSite({ racks: RACKS, log: (m) => process.stderr.write(`  [floor-fps] ${m}\n`) });
    browser = await launchChromium();
  }, 900_000);

  afterAll(async () => {
    await browser?.close();
    await site?.close();
  }, 120_000);

  it('draws every rack, recolours them as the data changes, and keeps drawing while all racks update each second', async () => {
    const page = await openFloorPlan(browser, site);
    const errors = watchForErrors(page);
    await runInPage({ context: page.context(), page }, 'floor-2000-failure.png', async () => {
      expect(site.spec.rooms.length).toBe(10);
      expect(await page.getAttribute('[data-testid="floor-canvas"]', 'data-racks')).toBe(String(RACKS));
      expect(await page.textContent('[data-testid="floor-summary"]')).toContain('Racks 2,000 · rooms 10');

      // Every rack cold (16 °C: below the recommended range, blue), then every rack hot (31 °C: near the
      // allowable limit, red): the drawing follows.
      const driver = startDriver(site, wavingValues, 3_600_000); // ticks only when sent below
      let applied = await page.evaluate('window.__kibanFloorStats.applied') as number;
      await driver.sendNow((rack) => ({ inletC: 16, powerW: rack.itLoadW }));
      applied = await appliedAtLeast(page, applied, RACKS);
      const cold = await canvasColorShares(page);
      await driver.sendNow((rack) => ({ inletC: 31, powerW: rack.itLoadW }));
      applied = await appliedAtLeast(page, applied, RACKS);
      const hot = await canvasColorShares(page);
      await screenshot(page, 'floor-2000-hot.png', { fullPage: false });
      const shares = `red ${(cold.red * 100).toFixed(2)} % → ${(hot.red * 100).toFixed(2)} %, blue ${(cold.blue * 100).toFixed(2)} % → ${(hot.blue * 100).toFixed(2)} % of the canvas`;
      expect(hot.red, shares).toBeGreaterThan(0.01);
      expect(hot.red, shares).toBeGreaterThan(cold.red * 5);
      expect(cold.blue, shares).toBeGreaterThan(hot.blue * 2);
      await driver.stop();

      // Continuous updates for all racks; the page keeps drawing and applying them.
      const live = startDriver(site, wavingValues);
      await new Promise((r) => setTimeout(r, 2000));
      const frames = await measureFrames(page, 10);
      await live.stop();
      process.stderr.write(`  [floor-fps] during updates: ${frames.fps.toFixed(1)} fps (worst 1-s window ${frames.worstSecondFps}), `
        + `${frames.longTasks.count} long tasks (longest ${Math.round(frames.longTasks.maxMs)} ms), ${frames.applied} rack changes applied in ${frames.draws} redraws; `
        + `driver sent ${live.stats.samples} samples in ${live.stats.batches} batches\n`);
      expect(live.stats.samples).toBeGreaterThan(RACKS * 3);
      expect(frames.frames).toBeGreaterThan(0);
      expect(frames.draws).toBeGreaterThan(0);
      expect(frames.applied).toBeGreaterThanOrEqual(RACKS);
      await screenshot(page, 'floor-2000-live.png', { fullPage: false });
      expect(errors).toEqual([]);
    });
  }, 600_000);
});
