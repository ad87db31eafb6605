/**
 * Browser tier for the racks area on the real demo stack in headless Chromium: the rack list loads with live
 * power and inlet values, sorts and filters; a click opens the elevation of r1-a01 with its servers at their U
 * (checked against the CMDB and against where they are drawn), live power that changes, the inlet chart, and
 * the same pages in Japanese. Accessibility checked by axe; no console errors.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ja } from '../../web/src/i18n/ja.ts';
import { en } from '../../web/src/i18n/en.ts';
import { browserTierSkipped, checkAccessibility, englishLeftovers, screenshot } from '../support/browser.ts';
import { inSignedInPage, useBrowserStack } from '../support/browserStack.ts';
import { api } from '../support/stack.ts';

const RACK = 'r1-a01';

interface Summary { key: string; name: string; freeU: number; powerW: number | null; inletC: number | null }
interface Elevation {
  rack: { uHeight: number; descendingUnits: boolean };
  devices: Array<{ key: string; positionU: number; uHeight: number; face: 'front' | 'rear'; fullDepth: boolean; powerPoints: string[] }>;
  inlets: Array<{ key: string; value: number | null }>;
}

/** axe over the whole page, shell included. */
const a11y = (page: Page) => checkAccessibility(page);

/** Text of every element matching `selector`, joined: changes when any live value on screen changes. */
const texts = (page: Page, selector: string) => page.locator(selector).allTextContents().then((all) => all.join('|'));

describe.skipIf(browserTierSkipped)('racks pages in Chromium', () => {
  const env = useBrowserStack({
    // Wait until the demo has documented its racks and the collector has reported their PDUs and sensors,
    // every inlet sensor of the rack included (the elevation lists the sensors that have reported).
    ready: async (stack) => {
      const res = await api(stack, '/api/v1/racks?site=site');
      if (!res.ok) return undefined;
      const items = (await res.json() as { items: Summary[] }).items;
      const rack = items.find((r) => r.key === RACK);
      if (!rack || rack.powerW === null || rack.inletC === null) return undefined;
      const elevation = await (await api(stack, `/api/v1/racks/${RACK}/elevation`)).json() as Elevation;
      return elevation.inlets.length === 3 && elevation.inlets.every((inlet) => inlet.value !== null) ? items : undefined;
    },
  });

  it('lists the racks with live values, sorts, filters and opens a rack elevation with its devices at the right U', () => inSignedInPage(env, { failureScreenshot: 'racks-failure.png', hash: '#/racks' }, async ({ page, errors }) => {
    const racks = env.ready;
    const rows = page.locator('[data-testid="rack-row"]');
    await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(racks.length);
    // r1-a01 shows its power in kW against its budget and its hottest inlet in °C.
    const row = page.locator(`[data-testid="rack-row"][data-key="${RACK}"]`);
    await expect.poll(() => row.locator('[data-testid="rack-power"]').textContent(), { timeout: 15_000 }).toMatch(/\d.*kW/);
    expect(await row.locator('[data-testid="rack-inlet"]').textContent()).toMatch(/\d+(\.\d)? °C/);
    expect(await row.locator('[data-col="space"]').textContent()).toMatch(/\d+ U used · \d+ U free/);

    // Sort by name, descending: the last rack by name comes first.
    await page.click('[data-testid="sort-name"]');
    expect(await page.getAttribute('th:has([data-testid="sort-name"])', 'aria-sort')).toBe('descending');
    const byNameDesc = [...racks].sort((a, b) => b.name.localeCompare(a.name, undefined, { numeric: true }));
    expect(await rows.first().getAttribute('data-key')).toBe(byNameDesc[0].key);
    // Sort by free U: the fullest rack first, and the column never decreases down the table.
    await page.click('[data-testid="sort-freeU"]');
    const freeU = (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute('data-free-u')))));
    expect(freeU).toEqual([...freeU].sort((a, b) => a - b));
    expect(freeU[0]).toBe(Math.min(...racks.map((r) => r.freeU)));
    await screenshot(page, 'racks-list.png');
    expect(await a11y(page)).toEqual([]);

    // Filter by the rack's key; then click through to it.
    await page.fill('[data-testid="rack-filter"]', RACK);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeLessThan(racks.length);
    const keys = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-key')));
    expect(keys).toContain(RACK);
    expect(keys.every((k) => k!.includes(RACK))).toBe(true);
    await row.locator('a.rack-link').click();
    await page.waitForSelector(`[data-testid="rack-elevation"][data-key="${RACK}"]`, { timeout: 30_000 });
    expect(page.url()).toContain(`#/racks/${RACK}`);

    // Every device of the CMDB is drawn on its face at its U …
    const elevation = await (await api(env.stack, `/api/v1/racks/${RACK}/elevation`)).json() as Elevation;
    expect(elevation.devices.length).toBeGreaterThan(0);
    for (const d of elevation.devices) {
      const slot = page.locator(`[data-testid="rack-face-${d.face}"] [data-testid="rack-device"][data-key="${d.key}"]`);
      expect(await slot.getAttribute('data-u'), d.key).toBe(String(d.positionU));
      // … and a full-depth device also fills the same U of the other face, marked.
      if (d.fullDepth) {
        const other = d.face === 'front' ? 'rear' : 'front';
        expect(await page.locator(`[data-testid="rack-face-${other}"] [data-key="${d.key}"].from-behind`).getAttribute('data-u')).toBe(String(d.positionU));
      }
    }
    // … where a person sees it: U1 is the bottom slot, so a device at U n sits n−1 slots above the bottom.
    const frame = await page.locator('[data-testid="rack-face-front"] .rack-frame').boundingBox();
    const slotPx = (frame!.height - 8) / elevation.rack.uHeight; // 4 px padding top and bottom
    for (const d of elevation.devices.filter((x) => x.face === 'front').slice(0, 3)) {
      const box = await page.locator(`[data-testid="rack-face-front"] [data-key="${d.key}"]`).boundingBox();
      const slotsAboveBottom = (frame!.y + frame!.height - 4 - (box!.y + box!.height)) / slotPx;
      expect(Math.round(slotsAboveBottom), d.key).toBe(d.positionU - 1);
    }

    // Feeds A and B, the PDUs with their outlets, inlet temperatures; the inlet chart has data.
    expect(await page.locator('[data-testid="rack-feeds"] li.feed').count()).toBe(2);
    expect(await page.locator('[data-testid="rack-pdus"] details.pdu').count()).toBe(2);
    expect(await page.locator('[data-testid="rack-inlets"] tbody tr').count()).toBe(3);
    await expect.poll(() => page.getAttribute('[data-testid="rack-inlet-chart"]', 'data-samples').then(Number), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="rack-inlet-chart"] canvas').count()).toBeGreaterThan(0);

    // Power per device and per outlet updates from the stream.
    const powerSelector = '[data-testid="device-power"], [data-testid="outlet-power"], [data-testid="pdu-power"]';
    await expect.poll(() => page.locator('[data-testid="device-power"]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    const before = await texts(page, powerSelector);
    await expect.poll(() => texts(page, powerSelector), { timeout: 30_000, interval: 500 }).not.toBe(before);
    await expect.poll(() => page.getAttribute('[data-testid="connection-state"]', 'data-state'), { timeout: 15_000 }).toBe('live');
    await screenshot(page, 'racks-elevation.png');
    expect(await a11y(page)).toEqual([]);

    // A device slot is a link to its CI.
    const first = elevation.devices.find((d) => d.face === 'front')!;
    expect(await page.getAttribute(`[data-testid="rack-face-front"] [data-key="${first.key}"]`, 'href')).toBe(`#/cmdb/ci/${first.key}`);
    expect(errors).toEqual([]);
  }), 180_000);

  it('reads the elevation and the list in Japanese', () => inSignedInPage(env, { failureScreenshot: 'racks-ja-failure.png', hash: `#/racks/${RACK}` }, async ({ page, errors }) => {
    await page.waitForSelector('[data-testid="rack-elevation"] [data-testid="rack-device"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="rack-face-front"] figcaption')).toBe(en['rack.face.front']);
    await page.click('[data-testid="lang-ja"]');
    await expect.poll(() => page.getAttribute('html', 'lang'), { timeout: 15_000 }).toBe('ja');
    expect(await page.textContent('[data-testid="rack-face-front"] figcaption')).toBe(ja['rack.face.front']);
    expect(await page.textContent('[data-testid="rack-face-rear"] figcaption')).toBe(ja['rack.face.rear']);
    expect(await page.textContent('#rack-feeds-title')).toBe(ja['rack.feeds.title']);
    expect(await page.textContent('#rack-pdus-title')).toBe(ja['rack.pdus.title']);
    expect(await page.textContent('#rack-inlet-chart-title')).toBe(ja['rack.chart.title']);
    expect(await page.locator('[data-testid="rack-inlets"] tbody a').allTextContents())
      .toEqual([ja['rack.inlet.position.top'], ja['rack.inlet.position.middle'], ja['rack.inlet.position.bottom']]);
    await expect.poll(() => page.getAttribute('[data-testid="rack-inlet-chart"]', 'data-samples').then(Number), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await englishLeftovers(page, en, ja)).toEqual([]);
    await screenshot(page, 'racks-elevation-ja.png');
    expect(await a11y(page)).toEqual([]);

    await page.evaluate(() => { location.hash = '#/racks'; });
    await page.waitForSelector('[data-testid="rack-row"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="sort-inlet"]')).toContain(ja['rack.list.col.inlet']);
    expect(await page.textContent('[data-testid="rack-row"] [data-col="space"]')).toMatch(/使用 \d+ U・空き \d+ U/);
    // Hottest first, in Japanese.
    await page.click('[data-testid="sort-inlet"]');
    expect(await page.getAttribute('th:has([data-testid="sort-inlet"])', 'aria-sort')).toBe('descending');
    expect(await englishLeftovers(page, en, ja)).toEqual([]);
    await screenshot(page, 'racks-list-ja.png');
    expect(await a11y(page)).toEqual([]);
    expect(errors).toEqual([]);
  }), 120_000);
});
