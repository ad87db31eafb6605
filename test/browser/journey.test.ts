/**
 * The first thing a facility manager does with Kiban (issue 7, acceptance 1): from the overview to the
 * hottest rack, its elevation and its inlet temperature chart, then the same in Japanese. On the real demo
 * stack in Chromium, with screenshots of each step in test-artifacts/browser/journey-*.png.
 */
import { describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/en.ts';
import { ja } from '../../web/src/i18n/ja.ts';
import { browserTierSkipped, checkAccessibility, englishLeftovers, screenshot } from '../support/browser.ts';
import { inSignedInPage, useBrowserStack } from '../support/browserStack.ts';
import { api } from '../support/stack.ts';

interface RackRow { key: string; inletC: number | null }

describe.skipIf(browserTierSkipped)('overview → hottest rack → elevation and inlet chart → Japanese', () => {
  const env = useBrowserStack({
    // Wait until every rack's inlet sensors have reported, so "the hottest rack" is a settled answer.
    ready: async (stack) => {
      const response = await api(stack, '/api/v1/racks?site=site');
      if (!response.ok) return false;
      const items = (await response.json()).items as RackRow[];
      return items.length >= 8 && items.every((rack) => rack.inletC !== null);
    },
  });

  it('goes from the overview to the hottest rack and reads it in Japanese', () => inSignedInPage(env, 'journey-failure.png', async ({ page, errors }) => {
    await page.waitForSelector('[data-testid="tile-temperature"] [data-testid="hottest-rack"]', { timeout: 45_000 });
    await screenshot(page, 'journey-1-overview.png', { fullPage: false });

    // The tile names the rack whose inlet is the warmest right now (per the API, within one poll).
    const hottestHref = (await page.getAttribute('[data-testid="hottest-rack"]', 'href'))!;
    const hottestKey = decodeURIComponent(hottestHref.replace(/^#\/racks\//, ''));
    const racks = (await (await api(env.stack, '/api/v1/racks?site=site')).json()).items as RackRow[];
    const ranked = [...racks].sort((a, b) => (b.inletC ?? -Infinity) - (a.inletC ?? -Infinity));
    expect(ranked.slice(0, 3).map((r) => r.key)).toContain(hottestKey);

    await page.click('[data-testid="hottest-rack"]');
    await expect.poll(() => page.evaluate(() => decodeURIComponent(location.hash))).toBe(`#/racks/${hottestKey}`);
    await page.waitForSelector('[data-testid="rack-elevation"] [data-key]', { timeout: 30_000 });
    expect(await page.locator('[data-testid="rack-elevation"] [data-key]').count()).toBeGreaterThan(2);
    // The inlet chart has drawn data for the rack's inlet sensors.
    await page.waitForSelector('[data-testid="rack-inlet-chart"] canvas', { timeout: 30_000 });
    await expect.poll(() => page.evaluate(() => {
      const canvas = document.querySelector('[data-testid="rack-inlet-chart"] canvas') as HTMLCanvasElement | null;
      if (!canvas) return 0;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]) > 60) coloured++;
      return coloured;
    }), { timeout: 30_000 }).toBeGreaterThan(50);
    await screenshot(page, 'journey-2-rack.png');
    expect(await checkAccessibility(page, { exclude: ['canvas'] })).toEqual([]);

    await page.click('[data-testid="lang-ja"]');
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    await expect.poll(() => page.textContent('[data-testid="area-nav"]')).toContain(ja['nav.racks']);
    await page.waitForSelector('[data-testid="rack-elevation"] [data-key]');
    expect(await englishLeftovers(page, en, ja)).toEqual([]);
    await screenshot(page, 'journey-3-rack-ja.png');
    // The overview in Japanese too.
    await page.click('[data-testid="nav-overview"]');
    await page.waitForSelector('[data-testid="tile-temperature"] [data-testid="hottest-rack"]', { timeout: 30_000 });
    expect(await englishLeftovers(page, en, ja)).toEqual([]);
    await screenshot(page, 'journey-4-overview-ja.png', { fullPage: false });
    expect(errors).toEqual([]);
  }), 150_000);
});
