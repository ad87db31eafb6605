/**
 * Browser tier for the floor plan and the cooling page on the real demo stack (simulator → collector → server):
 * room r1 drawn on its grid with its eight racks where the CMDB places them, the overlay switch recolouring the
 * racks and changing the legend, a live value changing, hover and keyboard focus with a tooltip, a click and
 * Enter opening the rack's elevation, the cooling units with their live values, in English and Japanese, in the
 * dark and the light theme, with no accessibility violations and no console errors.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ja } from '../../web/src/i18n/ja.ts';
import { browserTierSkipped, checkAccessibility, screenshot } from '../support/browser.ts';
import { inSignedInPage, useBrowserStack } from '../support/browserStack.ts';
import { api } from '../support/stack.ts';

const ROOM = 'r1';
const CANVAS = '[data-testid="floor-canvas"]';

type Rect = { x: number; y: number; w: number; h: number };

async function rackRect(page: Page, key: string): Promise<Rect> {
  const rect = await page.evaluate((k) => (window as any).__kibanFloorRackRect?.(k), key) as Rect | undefined;
  if (!rect) throw new Error(`rack ${key} is not drawn`);
  return rect;
}

/** The colour drawn at the centre of a rack. */
async function rackPixel(page: Page, key: string): Promise<[number, number, number]> {
  const r = await rackRect(page, key);
  return page.evaluate(({ x, y }) => {
    const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="floor-canvas"]')!;
    const ratio = canvas.width / canvas.clientWidth;
    const d = canvas.getContext('2d')!.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data;
    return [d[0], d[1], d[2]] as [number, number, number];
  }, { x: r.x + 3, y: r.y + 3 });
}

async function pointAt(page: Page, key: string): Promise<{ x: number; y: number }> {
  const r = await rackRect(page, key);
  const box = (await page.locator(CANVAS).boundingBox())!;
  return { x: box.x + r.x + r.w / 2, y: box.y + r.y + r.h / 2 };
}

/** Every rack's power as the table shows it (the demo's loads move every second; its inlet air barely does). */
const tablePowers = (page: Page) => page.$$eval('tr[data-key]', (rows) => rows.map((r) => `${r.getAttribute('data-key')}=${r.querySelector('[data-testid="floor-table-power"]')?.textContent}`).sort().join('|'));

describe.skipIf(browserTierSkipped)('floor plan and cooling in Chromium', () => {
  const env = useBrowserStack({
    // The demo documents its site and the collector reports: wait for every rack's inlet and power and a CRAC's supply air.
    ready: async (stack) => {
      const racks = (await (await api(stack, `/api/v1/racks?room=${ROOM}`)).json()).items as Array<{ inletC: number | null; powerW: number | null }>;
      if (racks.length !== 8 || racks.some((r) => r.inletC === null || r.powerW === null)) return false;
      const floor = await (await api(stack, '/api/v1/floor?site=site')).json();
      return floor.rooms?.[0]?.coolingUnits?.some((u: any) => typeof u.points.supplyAirC?.value === 'number');
    },
    readyTimeoutMs: 240_000,
  });

  it('draws room r1 with its racks, switches overlays, shows live values, opens a rack by click and by keyboard', () => inSignedInPage(env, { failureScreenshot: 'floor-failure.png', hash: `#/floor/${ROOM}` }, async ({ page, errors }) => {
    await page.waitForSelector(`${CANVAS}[data-racks="8"]`, { timeout: 60_000 });
    expect(await page.textContent('h1')).toBe('Floor plan');
    expect(await page.textContent('[data-testid="floor-summary"]')).toContain('Racks 8');

    // Racks stand where the CMDB puts them: row A left to right, row B in front of it; each drawn in colour.
    const a01 = await rackRect(page, 'r1-a01');
    const a02 = await rackRect(page, 'r1-a02');
    const b01 = await rackRect(page, 'r1-b01');
    expect(a02.x).toBeGreaterThan(a01.x);
    expect(a02.y).toBe(a01.y);
    expect(b01.y).toBeGreaterThan(a01.y);
    expect(b01.x).toBe(a01.x);
    const inletColour = await rackPixel(page, 'r1-a01');
    expect(Math.max(...inletColour) - Math.min(...inletColour), `r1-a01 drawn in colour, got ${inletColour}`).toBeGreaterThan(60);
    expect(await page.textContent('[data-testid="floor-legend"]')).toContain('Recommended 18–27 °C (ASHRAE)');
    await screenshot(page, 'floor-r1-inlet.png');

    // Hover: the tooltip names the rack and its inlet temperature.
    const at = await pointAt(page, 'r1-a01');
    await page.mouse.move(at.x, at.y);
    await page.waitForSelector('[data-testid="floor-tooltip"]');
    expect(await page.textContent('[data-testid="floor-tip-name"]')).toBe('Rack R1-A01');
    expect(await page.textContent('[data-testid="floor-tip-inlet"]')).toMatch(/^\d+(\.\d)? °C$/);
    await screenshot(page, 'floor-r1-tooltip.png', { fullPage: false });

    // A live value changes: the rack table follows the stream.
    await expect.poll(() => tablePowers(page), { timeout: 60_000 }).toMatch(/r1-a01=\d+\.\d+/);
    const before = await tablePowers(page);
    await expect.poll(() => tablePowers(page), { timeout: 60_000, interval: 500 }).not.toBe(before);

    // Overlay: free U recolours the racks and changes the legend.
    await page.click('[data-testid="floor-overlay"] label:has-text("Free U")');
    await expect.poll(() => page.getAttribute('[data-testid="floor-legend"]', 'data-overlay')).toBe('freeU');
    expect(await page.textContent('[data-testid="floor-legend"]')).toContain('Free rack units (U)');
    await expect.poll(async () => (await rackPixel(page, 'r1-a01')).join(',')).not.toBe(inletColour.join(','));
    expect(page.url()).toContain('overlay=freeU');
    await page.click('[data-testid="floor-overlay"] label:has-text("Alarm state")');
    await expect.poll(() => page.getAttribute('[data-testid="floor-legend"]', 'data-overlay')).toBe('alarm');
    expect(await page.textContent('[data-testid="floor-legend"]')).toContain('derived from the measurements');
    await screenshot(page, 'floor-r1-alarm.png');

    // Click a rack: its elevation.
    const b02 = await pointAt(page, 'r1-b02');
    await page.mouse.click(b02.x, b02.y);
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/racks/r1-b02');

    // Keyboard: focus the plan, arrows move from rack to rack (announced and in the tooltip), Enter opens.
    await page.evaluate((r) => { location.hash = `#/floor/${r}`; }, ROOM);
    await page.waitForSelector(`${CANVAS}[data-racks="8"]`, { timeout: 30_000 });
    await page.focus(CANVAS);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.textContent('[data-testid="floor-announce"]')).toContain('Rack R1-A01');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.textContent('[data-testid="floor-announce"]')).toContain('Rack R1-B02');
    expect(await page.textContent('[data-testid="floor-tip-name"]')).toBe('Rack R1-B02');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/racks/r1-b02');

    await page.evaluate((r) => { location.hash = `#/floor/${r}`; }, ROOM);
    await page.waitForSelector(`${CANVAS}[data-racks="8"]`, { timeout: 30_000 });
    expect(await checkAccessibility(page)).toEqual([]);
    expect(errors).toEqual([]);
  }), 240_000);

  it('shows the cooling units with live values and the inlet range of each row, links to the floor plan; in Japanese and the light theme', () => inSignedInPage(env, { failureScreenshot: 'cooling-failure.png', hash: '#/cooling' }, async ({ page, errors }) => {
    await page.waitForSelector('[data-testid="cooling-units"] tr[data-key="crac-r1-a"]', { timeout: 60_000 });
    const supply = () => page.$$eval('[data-testid="cooling-supply"]', (cells) => cells.map((c) => c.textContent));
    // Supply air of the units that report (under load a Modbus poll may time out and leave one blank for a while).
    await expect.poll(async () => (await supply()).some((v) => /^\d+(\.\d)?$/.test(v ?? '')), { timeout: 60_000 }).toBe(true);
    expect(await page.getAttribute('[data-testid="cooling-units"] tr[data-key="crac-r1-a"] td a', 'href')).toBe('#/devices/crac-r1-a');
    await page.waitForSelector('[data-testid="cooling-rows"] tr[data-key="r1-a"]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="cooling-rows"] tr[data-key="r1-a"] [data-testid="cooling-row-max"]')).toMatch(/^\d+(\.\d)?$/);
    expect(await page.getAttribute('[data-testid="cooling-floor-link"]', 'href')).toBe('#/floor?overlay=inlet');
    await screenshot(page, 'cooling.png');
    expect(await checkAccessibility(page)).toEqual([]);

    // Japanese.
    await page.click('[data-testid="lang-ja"]');
    await expect.poll(() => page.textContent('h1')).toBe(ja['cooling.title']);
    expect(await page.textContent('#cooling-units-title')).toBe(ja['cooling.units.title']);
    expect(await page.textContent('[data-testid="cooling-units"] thead')).toContain(ja['cooling.col.supply']);
    await screenshot(page, 'cooling-ja.png');

    // The floor plan link opens the site's rooms coloured by inlet temperature (still Japanese), in the light theme.
    await page.click('[data-testid="cooling-floor-link"]');
    await page.waitForSelector(`${CANVAS}[data-racks="8"]`, { timeout: 30_000 });
    expect(await page.getAttribute('[data-testid="floor-legend"]', 'data-overlay')).toBe('inlet');
    expect(await page.textContent('h1')).toBe(ja['floor.title']);
    expect(await page.textContent('[data-testid="floor-overlay"]')).toContain(ja['floor.overlay.inlet']);
    expect(await page.textContent('[data-testid="floor-legend"]')).toContain(ja['floor.legend.title']);
    await page.evaluate(() => { document.documentElement.dataset.theme = 'light'; window.dispatchEvent(new Event('kiban:theme')); });
    await expect.poll(async () => (await rackPixel(page, 'r1-a01')).join(',')).not.toBe('0,0,0');
    await page.waitForTimeout(300);
    await screenshot(page, 'floor-ja-light.png');
    expect(await checkAccessibility(page)).toEqual([]);
    // A tablet: the legend moves under the plan, every rack still drawn.
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.click('[data-testid="floor-fit"]');
    await expect.poll(async () => (await rackRect(page, 'r1-b04')).x).toBeLessThan(1024);
    await screenshot(page, 'floor-tablet.png');
    expect(errors).toEqual([]);
  }), 240_000);
});
