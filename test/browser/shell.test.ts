/**
 * Browser tier for the application shell on the real demo stack: navigation by area, global search (a rack,
 * a point), the language switch (all chrome text and date formats), light and dark themes, the user menu,
 * keyboard access (skip link, search with arrow keys), a tablet-sized window, the admin page, and the
 * accessibility basics checked by axe-core.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/en.ts';
import { ja } from '../../web/src/i18n/ja.ts';
import { browserTierSkipped, checkAccessibility, englishLeftovers, screenshot } from '../support/browser.ts';
import { inSignedInPage, useBrowserStack } from '../support/browserStack.ts';
import { api } from '../support/stack.ts';

const AREAS = ['overview', 'floor', 'racks', 'power', 'cooling', 'cmdb', 'admin'] as const;

const navLabels = (page: Page) => page.$$eval('[data-testid="area-nav"] a', (links) => links.map((a) => a.textContent?.trim()));

describe.skipIf(browserTierSkipped)('application shell in Chromium', () => {
  const env = useBrowserStack({
    readyPaths: ['/api/v1/cis/r1-a01'],
    // The search finds points once the rack sensors have reported (they publish over MQTT on their own clock).
    ready: async (stack) => {
      const res = await api(stack, '/api/v1/points?q=inlet.top.temp&limit=1');
      return res.ok && ((await res.json()) as { items: unknown[] }).items.length > 0;
    },
  });

  it('navigates by area, finds a rack and a point by search, and speaks English and Japanese', () => inSignedInPage(env, 'shell-failure.png', async ({ page, errors }) => {
    expect(await navLabels(page)).toEqual(AREAS.map((area) => en[`nav.${area}`]));
    // The overview is the home page; every area link leads to its route and is marked current.
    expect(await page.getAttribute('[data-testid="nav-overview"]', 'aria-current')).toBe('page');
    for (const area of AREAS) {
      await page.click(`[data-testid="nav-${area}"]`);
      await expect.poll(() => page.evaluate(() => location.hash)).toMatch(new RegExp(`^#/${area}`));
      expect(await page.getAttribute(`[data-testid="nav-${area}"]`, 'aria-current')).toBe('page');
    }
    // The demo has one site; the switcher names it.
    await expect.poll(() => page.textContent('[data-testid="site-switcher"]')).toContain('Kiban demo site');

    // Search: a rack opens its elevation, a point its chart page.
    await page.fill('[data-testid="global-search"] input', 'r1-a01');
    await page.waitForSelector('#global-search-results [role="option"]', { timeout: 15_000 });
    const options = await page.$$eval('#global-search-results [role="option"]', (items) => items.map((li) => li.textContent ?? ''));
    expect(options.some((text) => text.includes('r1-a01'))).toBe(true);
    await page.keyboard.press('ArrowDown');
    expect(await page.getAttribute('[data-testid="global-search"] input', 'aria-activedescendant')).toBeTruthy();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => decodeURIComponent(location.hash))).toMatch(/^#\/(racks|cmdb\/ci)\/r1-a01/);

    await page.fill('[data-testid="global-search"] input', 'inlet.top.temp');
    await page.waitForSelector('#global-search-results [role="option"][id^="pt-"]', { timeout: 15_000 });
    await page.click('#global-search-results [role="option"][id^="pt-"]');
    await expect.poll(() => page.evaluate(() => decodeURIComponent(location.hash))).toMatch(/^#\/points\/.+\/inlet\.top\.temperature$/);

    // Nothing found is said so, not left blank.
    await page.fill('[data-testid="global-search"] input', 'zz-no-such-thing-zz');
    await expect.poll(() => page.textContent('#global-search-results'), { timeout: 15_000 }).toContain(en['shell.search.none']);
    await page.keyboard.press('Escape');

    // Japanese: the chrome and the admin page's dates switch; the choice survives a reload.
    await page.evaluate(() => { location.hash = '#/admin'; });
    await page.waitForSelector('[data-testid="admin-tokens"] tbody tr', { timeout: 15_000 });
    const createdEn = await page.textContent('[data-testid="admin-tokens"] tbody tr td:nth-child(3)');
    await page.click('[data-testid="lang-ja"]');
    expect(await navLabels(page)).toEqual(AREAS.map((area) => ja[`nav.${area}`]));
    expect(await page.getAttribute('html', 'lang')).toBe('ja');
    const createdJa = await page.textContent('[data-testid="admin-tokens"] tbody tr td:nth-child(3)');
    expect(createdJa).not.toBe(createdEn);
    expect(createdJa).toMatch(/^\d{4}\/\d{1,2}\/\d{1,2}/); // Japanese date order, year first
    expect(await page.textContent('[data-testid="admin-page"] h1')).toBe(ja['admin.title']);
    expect(await englishLeftovers(page, en, ja)).toEqual([]);
    await screenshot(page, 'shell-admin-ja.png', { fullPage: false });
    await page.reload();
    await page.waitForSelector('[data-testid="area-nav"]', { timeout: 30_000 });
    expect(await navLabels(page)).toEqual(AREAS.map((area) => ja[`nav.${area}`]));
    await page.click('[data-testid="lang-en"]');
    expect(await navLabels(page)).toEqual(AREAS.map((area) => en[`nav.${area}`]));

    expect(await checkAccessibility(page)).toEqual([]);
    expect(errors).toEqual([]);
  }), 150_000);

  it('switches between dark and light themes from the user menu and remembers the choice', () => inSignedInPage(env, 'shell-theme-failure.png', async ({ page, errors }) => {
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.click('[data-testid="user-menu"]');
    await page.check('[data-testid="theme-dark"]');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    const dark = await background();
    await page.check('[data-testid="theme-light"]');
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    const light = await background();
    expect(light).not.toBe(dark);
    // Contrast holds in the light theme too (the menu is open: its controls are checked as well).
    expect(await checkAccessibility(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="user-menu-panel"]').count()).toBe(0);
    await page.evaluate(() => { location.hash = '#/admin'; });
    await page.waitForSelector('[data-testid="admin-devices"] tbody tr', { timeout: 15_000 });
    await screenshot(page, 'shell-admin-light.png', { fullPage: false });
    await page.reload();
    await page.waitForSelector('[data-testid="area-nav"]', { timeout: 30_000 });
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    expect(errors).toEqual([]);
  }), 90_000);

  it('works from the keyboard and on a tablet-sized screen', () => inSignedInPage(env, { failureScreenshot: 'shell-tablet-failure.png', viewport: { width: 1024, height: 768 } }, async ({ page, errors }) => {
    // The first Tab reaches the skip link, which moves focus to the page content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.className)).toContain('skip-link');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('main');
    // Navigation fits as a row under the top bar; nothing makes the page scroll sideways.
    const nav = await page.locator('[data-testid="area-nav"]').boundingBox();
    expect(nav!.width).toBeGreaterThan(900);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1024);
    await page.click('[data-testid="nav-admin"]');
    await page.waitForSelector('[data-testid="admin-devices"] tbody tr', { timeout: 15_000 });
    await screenshot(page, 'shell-tablet.png', { fullPage: false });
    expect(errors).toEqual([]);
  }), 90_000);

  it('lets an administrator create a token whose secret is shown once', () => inSignedInPage(env, 'shell-token-failure.png', async ({ page, errors }) => {
    await page.evaluate(() => { location.hash = '#/admin'; });
    await page.fill('[data-testid="token-form"] input', 'noc-wall');
    await page.selectOption('[data-testid="token-form"] select', 'viewer');
    await page.click('[data-testid="token-form"] button[type="submit"]');
    const secret = (await page.textContent('[data-testid="token-secret"] code', { timeout: 15_000 }))!.trim();
    expect(secret.length).toBeGreaterThan(20);
    // The new token works, with the viewer role.
    const me = await fetch(`${env.stack.baseUrl}/api/v1/session`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);
    await expect.poll(() => page.locator('[data-testid="admin-tokens"] tbody tr', { hasText: 'noc-wall' }).count()).toBe(1);
    expect(errors).toEqual([]);
  }), 90_000);
});
