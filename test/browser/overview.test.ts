/**
 * Browser tier for the overview (the default page) on the real demo stack in headless Chromium: every tile
 * loads with the site's data, the power figures move with the stream, a UPS losing its feeder shows on
 * battery and a PDU that goes silent shows as not reporting without a reload, the page reads in Japanese,
 * passes the accessibility check, and the hottest rack leads to its elevation.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ja } from '../../web/src/i18n/ja.ts';
import { browserTierSkipped, checkAccessibility, screenshot } from '../support/browser.ts';
import { inSignedInPage, useBrowserStack } from '../support/browserStack.ts';
import { api, type Stack } from '../support/stack.ts';

const UPS = 'ups-a1';
/** A PDU the test silences (an SNMP device: the collector records comm_loss for it from then on). */
const SILENCED_PDU = 'r1-b04-pdu-b';

const tile = (id: string) => `[data-testid="${id}"]`;
const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent())?.trim() ?? '';

async function injectFault(stack: Stack, fault: { kind: string; target: string }): Promise<void> {
  const res = await fetch(`${stack.demo.sim.controlUrl}/sim/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  expect(res.status, await res.clone().text()).toBe(201);
}

describe.skipIf(browserTierSkipped)('Overview page in Chromium', () => {
  const env = useBrowserStack({
    readyPaths: [`/api/v1/cis/${UPS}`],
    // A settled site: every simulated device declared, power measured, both UPSs' state known, and every
    // rack's inlet reported (the rack sensors publish over MQTT on their own clocks, seconds after the
    // power meters: with only some racks in, the hottest rack on the page could differ from the API's).
    ready: async (stack) => {
      const simDevices = (await (await fetch(`${stack.demo.sim.controlUrl}/sim/v1/devices`)).json()).items.length as number;
      if ((await (await api(stack, '/api/v1/devices')).json()).items.length < simDevices + 1) return false;
      const power = await (await api(stack, '/api/v1/overview/power?site=site')).json();
      const racks = await (await api(stack, '/api/v1/racks?site=site')).json();
      return power.utility.kw !== null && power.it.kw !== null && power.ups.every((u: { onBattery: boolean | null }) => u.onBattery !== null)
        && racks.items.length > 0 && racks.items.every((r: { inletC: number | null }) => r.inletC !== null);
    },
    readyTimeoutMs: 180_000,
  });

  it('shows the site at a glance, live, in English and Japanese, and leads from the hottest rack to its elevation', () => inSignedInPage(env, 'overview-failure.png', async ({ page, errors }) => {
    // The overview is the default page.
    await page.waitForSelector(`${tile('tile-power')} ${tile('power-utility')}`, { timeout: 30_000 });
    expect(await page.locator('[data-testid="nav-overview"]').getAttribute('aria-current')).toBe('page');

    // Site power: utility, IT, cooling and losses, each with what it is measured by.
    await expect.poll(() => text(page, `${tile('power-utility')} ${tile('figure-value')}`), { timeout: 30_000 }).toMatch(/^[\d.,]+ kW$/);
    expect(await text(page, `${tile('power-it')} ${tile('figure-value')}`)).toMatch(/^[\d.,]+ kW$/);
    expect(await text(page, `${tile('power-utility')} .figure-basis`)).toContain('supply meters');
    // The demo's CRACs have no power meter: cooling says so and the losses carry it.
    expect(await text(page, `${tile('power-cooling')} ${tile('figure-value')}`)).toBe('not metered');
    expect(await page.locator(`${tile('power-losses')} .flag[data-flag="includes-cooling"]`).count()).toBe(1);
    // The figures are those of the API (the page sums the same points).
    const apiPower = await (await api(env.stack, '/api/v1/overview/power?site=site')).json();
    expect(['UPS outputs', 'PDU inlets']).toContain(await text(page, `${tile('power-it')} .figure-basis span`));
    expect(apiPower.utility.points.length).toBe(3);

    // Temperature extremes: the hottest and coldest rack inlets against 18–27 °C.
    const hottest = page.locator(tile('hottest-rack'));
    await hottest.waitFor({ timeout: 30_000 });
    const hottestKey = (await hottest.getAttribute('data-key'))!;
    expect(await hottest.getAttribute('href')).toBe(`#/racks/${hottestKey}`);
    const racks = (await (await api(env.stack, '/api/v1/racks?site=site')).json()).items as Array<{ key: string; inletC: number | null; freeU: number }>;
    const measured = racks.filter((r) => r.inletC !== null);
    const maxInlet = Math.max(...measured.map((r) => r.inletC!));
    expect(measured.find((r) => r.key === hottestKey)!.inletC!).toBeGreaterThan(maxInlet - 1);
    expect(await text(page, `${tile('hottest-rack')} .extreme-value`)).toMatch(/^[\d.]+ °C$/);
    expect(await page.locator(tile('coldest-rack')).count()).toBe(1);
    expect(await text(page, tile('racks-outside'))).toMatch(/18–27 °C/);

    // The five racks with the least free U, fullest first, each a link to its rack.
    const fullest = page.locator(`${tile('tile-free-u')} li`);
    await expect.poll(() => fullest.count(), { timeout: 15_000 }).toBe(5);
    const freeU = (await page.locator(`${tile('tile-free-u')} li .muted`).allTextContents()).map((s) => Number(/(\d+) U free/.exec(s)![1]));
    expect(freeU).toEqual([...freeU].sort((a, b) => a - b));
    expect(freeU[0]).toBe(Math.min(...racks.map((r) => r.freeU)));
    expect(await fullest.first().locator('a').getAttribute('href')).toMatch(/^#\/racks\/r1-/);

    // UPS status: both UPSs on mains with their load.
    const upsRows = page.locator(`${tile('tile-ups')} li`);
    await expect.poll(() => upsRows.count(), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => text(page, `${tile('tile-ups')} li[data-key="${UPS}"] ${tile('ups-status')}`), { timeout: 15_000 }).toBe('On mains');
    expect(await text(page, `${tile('tile-ups')} li[data-key="${UPS}"] .ups-facts`)).toMatch(/load \d+ %/);

    // Devices not reporting: what the API says now.
    await page.waitForSelector(`${tile('tile-not-reporting')} :is(${tile('all-reporting')}, ${tile('not-reporting-count')})`, { timeout: 15_000 });

    // Each tile's heading leads to its page.
    expect(await page.locator(`${tile('tile-power')} h2 a`).getAttribute('href')).toBe('#/power');
    expect(await page.locator(`${tile('tile-temperature')} h2 a`).getAttribute('href')).toBe('#/floor');
    expect(await page.locator(`${tile('tile-free-u')} h2 a`).getAttribute('href')).toBe('#/racks');
    expect(await page.locator(`${tile('tile-not-reporting')} h2 a`).getAttribute('href')).toBe('#/admin');
    expect(await page.locator(`${tile('tile-ups')} h2 a`).getAttribute('href')).toBe('#/power');
    await screenshot(page, 'overview.png');

    // Live: the utility figure moves with the meter, without a reload.
    const before = await text(page, `${tile('power-utility')} ${tile('figure-value')}`);
    await expect.poll(() => text(page, `${tile('power-utility')} ${tile('figure-value')}`), { timeout: 30_000, interval: 500 }).not.toBe(before);

    // Accessibility basics.
    expect(await checkAccessibility(page)).toEqual([]);

    // Japanese: every tile in Japanese, numbers still with their units.
    await page.click('[data-testid="lang-ja"]');
    await expect.poll(() => text(page, `${tile('tile-power')} h2`)).toBe(ja['overview.power.title']);
    expect(await text(page, `${tile('tile-temperature')} h2`)).toBe(ja['overview.temp.title']);
    expect(await text(page, `${tile('tile-free-u')} h2`)).toBe(ja['overview.freeU.title']);
    expect(await text(page, `${tile('tile-not-reporting')} h2`)).toBe(ja['overview.devices.title']);
    expect(await text(page, `${tile('tile-ups')} h2`)).toBe(ja['overview.ups.title']);
    expect(await text(page, `${tile('power-cooling')} ${tile('figure-value')}`)).toBe(ja['power.notMetered']);
    expect(await text(page, `${tile('tile-ups')} li[data-key="${UPS}"] ${tile('ups-status')}`)).toBe(ja['power.ups.onMains']);
    expect(await text(page, `${tile('tile-free-u')} li .muted`)).toMatch(/^42 U 中 \d+ U 空き$/);
    await screenshot(page, 'overview-ja.png');
    expect(await checkAccessibility(page)).toEqual([]);
    await page.click('[data-testid="lang-en"]');
    await expect.poll(() => text(page, `${tile('tile-power')} h2`)).toBe('Site power');

    // On a tablet the tiles reflow; the page never scrolls sideways.
    await page.setViewportSize({ width: 1024, height: 768 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'overview-tablet.png');
    await page.setViewportSize({ width: 1440, height: 1000 });

    // Trouble arrives on the stream: UPS A1 loses its feeder (on battery at once), a PDU goes silent
    // (not reporting once its last value is a minute old).
    await injectFault(env.stack, { kind: 'utility_failure', target: UPS });
    await injectFault(env.stack, { kind: 'device_silent', target: SILENCED_PDU });
    await expect.poll(() => text(page, `${tile('tile-ups')} li[data-key="${UPS}"] ${tile('ups-status')}`), { timeout: 30_000 }).toBe('On battery');
    await expect.poll(() => page.locator(`${tile('tile-not-reporting')} li[data-device="${SILENCED_PDU}"]`).count(), { timeout: 150_000, interval: 1000 }).toBe(1);
    expect(await page.locator(`${tile('tile-not-reporting')} li[data-device="${SILENCED_PDU}"] a`).getAttribute('href')).toBe(`#/devices/${SILENCED_PDU}`);
    expect(await text(page, `${tile('tile-not-reporting')} li[data-device="${SILENCED_PDU}"] .reason`)).toMatch(/^not answering · last value/);
    await screenshot(page, 'overview-trouble.png');

    // From the hottest rack to its elevation.
    const hotKey = (await page.locator(tile('hottest-rack')).getAttribute('data-key'))!;
    await page.click(tile('hottest-rack'));
    await expect.poll(() => page.evaluate(() => location.hash)).toBe(`#/racks/${hotKey}`);
    expect(await page.locator('[data-testid="nav-racks"]').getAttribute('aria-current')).toBe('page');

    expect(errors).toEqual([]);
  }), 360_000);
});
