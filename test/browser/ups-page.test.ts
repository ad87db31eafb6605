/**
 * Browser tier: the real stack (simulators → collector → server → web/dist) in headless Chromium.
 * Skipped where Chromium is missing, except in CI, where a tier that cannot run is a failure.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserTierSkipped, screenshot } from '../support/browser.ts';
import { inSignedInPage, openPage, runInPage, useBrowserStack } from '../support/browserStack.ts';
import { api } from '../support/stack.ts';

const CHART = '[data-testid="ups-chart"]';
const POINT_ROWS = '[data-testid="points-table"] tbody tr[data-point]';

async function plottedSamples(page: Page): Promise<number> {
  return Number(await page.getAttribute(CHART, 'data-samples'));
}

describe.skipIf(browserTierSkipped)('UPS page in Chromium', () => {
  const env = useBrowserStack({
    // The UPS's points are declared and have values (the collector polls it over SNMP from the first seconds).
    ready: async (stack) => {
      const points = (await (await api(stack, `/api/v1/points?device=${stack.upsDevice}`)).json()).items as Array<{ key: string }>;
      if (points.length === 0) return false;
      const latest = (await (await api(stack, `/api/v1/latest?points=${encodeURIComponent(points[0].key)}`)).json()).items as Array<{ value: number | null }>;
      return latest.some((sample) => sample.value !== null);
    },
  });

  it('signs in from #token=, shows the points and a live chart, then forgets the token', () => inSignedInPage(env, { failureScreenshot: 'ups-page-failure.png', hash: '#/ups' }, async ({ page, errors }) => {
    await page.waitForSelector(POINT_ROWS, { timeout: 30_000 });
    expect(await page.locator(POINT_ROWS).count()).toBeGreaterThan(0);
    await expect.poll(() => page.textContent('[data-testid="device-header"] h1')).toBe(env.stack.upsDevice);
    expect(await page.getAttribute(`${POINT_ROWS}:first-child`, 'data-point')).toMatch(new RegExp(`^${env.stack.upsDevice}/`));

    // History first, then live samples over SSE make the plotted count grow.
    await page.waitForFunction((selector) => Number(document.querySelector(selector)?.getAttribute('data-samples')) > 0,
      CHART, { timeout: 30_000 });
    const firstCount = await plottedSamples(page);
    await page.waitForFunction(
      ([selector, first]) => Number(document.querySelector(selector as string)?.getAttribute('data-samples')) > (first as number),
      [CHART, firstCount] as const, { timeout: 30_000 });
    await expect.poll(() => page.getAttribute('[data-testid="connection-state"]', 'data-state')).toBe('live');
    // A fresh stack has seconds of data in a 15-minute window: let a few more polls arrive so the
    // lines are long enough to find on the canvas.
    await page.waitForFunction((selector) => Number(document.querySelector(selector)?.getAttribute('data-samples')) >= 20,
      CHART, { timeout: 30_000 });
    await page.waitForTimeout(100); // the attribute is set right after setData; let the frame paint

    // The canvas really shows lines in the series colours, not just an empty frame.
    // Polled: on a loaded machine the first frames may hold only a few samples.
    const countPixels = () => page.evaluate((selector) => {
      const canvas = document.querySelector(`${selector} canvas`) as HTMLCanvasElement | null;
      if (!canvas) return { drawn: 0, series: 0 };
      const context = canvas.getContext('2d');
      if (!context) return { drawn: 0, series: 0 };
      const style = getComputedStyle(document.documentElement);
      const seriesRgb = ['--series-1', '--series-2'].map((name) => {
        const hex = style.getPropertyValue(name).trim().replace('#', '');
        return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
      });
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let drawn = 0;
      let series = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] === 0) continue;
        drawn++;
        const near = seriesRgb.some(([r, g, b]) =>
          Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40 && data[i + 3] > 128);
        if (near) series++;
      }
      return { drawn, series };
    }, CHART);
    await expect.poll(async () => (await countPixels()).series, { timeout: 30_000, interval: 500 }).toBeGreaterThan(40);
    expect((await countPixels()).drawn).toBeGreaterThan(1000);

    expect(page.url()).not.toContain('token=');
    expect(page.url()).not.toContain(env.stack.adminToken);

    await screenshot(page, 'ups-page.png');
    expect(errors).toEqual([]);
  }), 120_000);

  it('asks an unauthenticated visitor for a token, rejects a wrong one and signs in and out', async () => runInPage(await openPage(env.browser), 'sign-in-failure.png', async ({ page }) => {
    await page.goto(`${env.stack.baseUrl}/#/ups`);
    await page.waitForSelector('[data-testid="sign-in-form"]', { timeout: 15_000 });
    expect(await page.locator(POINT_ROWS).count()).toBe(0);
    await screenshot(page, 'sign-in.png', { fullPage: false });

    await page.fill('#api-token', 'not-a-valid-token');
    await page.click('[data-testid="sign-in-form"] button[type="submit"]');
    await page.waitForSelector('[data-testid="sign-in-form"] .form-error', { timeout: 15_000 });

    await page.fill('#api-token', env.stack.adminToken);
    await page.click('[data-testid="sign-in-form"] button[type="submit"]');
    await page.waitForSelector(POINT_ROWS, { timeout: 30_000 });

    await page.click('[data-testid="user-menu"]');
    await page.click('[data-testid="sign-out"]');
    await page.waitForSelector('[data-testid="sign-in-form"]', { timeout: 15_000 });
    await page.reload();
    await page.waitForSelector('[data-testid="sign-in-form"]', { timeout: 15_000 });
  }), 90_000);
});
