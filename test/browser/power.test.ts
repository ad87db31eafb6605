/**
 * Browser tier for the power page on the real demo stack in headless Chromium: the chain from the utility
 * through the UPSs, panels and PDUs to the racks with live values on nodes and links, circuits hidden and
 * shown per UPS, the UPS list, Japanese, the accessibility check, and clicking through to a rack and a PDU.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ja } from '../../web/src/i18n/ja.ts';
import { browserTierSkipped, checkAccessibility, screenshot } from '../support/browser.ts';
import { inSignedInPage, useBrowserStack } from '../support/browserStack.ts';
import { api } from '../support/stack.ts';

const CHAIN = '[data-testid="power-chain"]';
const node = (key: string) => `${CHAIN} .chain-node[data-key="${key}"]`;
const link = (from: string, to: string) => `${CHAIN} .chain-link[data-from="${from}"][data-to="${to}"]`;
const label = (from: string, to: string) => `${CHAIN} .chain-link-label[data-from="${from}"][data-to="${to}"]`;
const text = async (page: Page, selector: string) => (await page.locator(selector).first().textContent())?.trim() ?? '';
const count = (page: Page, selector: string) => page.locator(selector).count();

describe.skipIf(browserTierSkipped)('Power page in Chromium', () => {
  const env = useBrowserStack({
    readyPaths: ['/api/v1/cis/ups-a1'],
    // Settled: every PDU and UPS measured in the chain, and every link whose flow is measured has a value
    // (the page's link labels are read once, not waited for). Gives the chain's counts for the test.
    ready: async (stack) => {
      const body = await (await api(stack, '/api/v1/power-chain?site=site')).json();
      const unmeasured = body.nodes.filter((n: any) => (n.type === 'pdu' || n.type === 'ups') && n.kw === null);
      if (unmeasured.length > 0 || body.links.some((l: any) => l.points.length > 0 && !l.idle && l.kw === null)) return undefined;
      return {
        racks: body.nodes.filter((n: any) => n.type === 'rack').length as number,
        pdus: body.nodes.filter((n: any) => n.type === 'pdu').length as number,
        ups: body.nodes.filter((n: any) => n.type === 'ups').map((n: any) => n.key) as string[],
      };
    },
  });

  it('draws the chain with live values, hides circuits per UPS, reads in Japanese and clicks through', () => inSignedInPage(env, 'power-failure.png', async ({ page, errors }) => {
    const spec = env.ready;
    await page.click('[data-testid="nav-power"]');
    await page.waitForSelector(`${CHAIN} .chain-node`, { timeout: 30_000 });
    expect(await page.evaluate(() => location.hash)).toBe('#/power');

    // Columns: supply → transformer → UPS → panels → PDUs → racks and cooling.
    expect(await page.locator(`${CHAIN} .chain-column-title`).allTextContents())
      .toEqual(['Supply', 'Transformers', 'UPS', 'Panels', 'PDUs', 'Racks and cooling']);
    expect(spec.ups).toEqual(['ups-a1', 'ups-b1']);
    expect(await count(page, `${CHAIN} .chain-node[data-type="ups"]`)).toBe(2);
    expect(await count(page, `${CHAIN} .chain-node[data-type="panel"]`)).toBe(3); // two distribution panels, one mechanical
    expect(await count(page, `${CHAIN} .chain-node[data-type="pdu"]`)).toBe(spec.pdus);
    expect(await count(page, `${CHAIN} .chain-node[data-type="rack"]`)).toBe(spec.racks);
    expect(spec.racks).toBe(8);

    // Live values on the nodes: UPS output and load, a PDU, a rack against its budget.
    await expect.poll(() => text(page, `${node('ups-a1')} [data-testid="node-kw"]`), { timeout: 30_000 }).toMatch(/^[\d.]+ kW/);
    expect(await text(page, `${node('ups-a1')} [data-testid="node-load"]`)).toMatch(/^\d+ %$/);
    expect(await text(page, `${node('r1-a01-pdu-a')} [data-testid="node-kw"]`)).toMatch(/^[\d.]+ kW/);
    expect(await text(page, `${node('r1-a01')} [data-testid="node-kw"]`)).toMatch(/^[\d.]+ kW.*rating [\d.]+ kW$/);
    // …and on the links: what flows from the utility, from each UPS into its panel, from a panel into a PDU on feed A.
    await expect.poll(() => text(page, label('utility-1', 'tr-1')), { timeout: 15_000 }).toMatch(/^[\d.]+ kW$/);
    expect(await text(page, label('ups-a1', 'pdp-a1'))).toMatch(/^[\d.]+ kW$/);
    expect(await text(page, label('pdp-a1', 'r1-a01-pdu-a'))).toMatch(/^[\d.]+ kW · A$/);
    expect(await text(page, label('r1-a01-pdu-b', 'r1-a01'))).toMatch(/^[\d.]+ kW · B$/);
    // The generator stands by; the CRACs' supply is not measured.
    expect(await text(page, label('gen-1', 'ups-a1'))).toBe('standby');
    expect(await page.locator(link('mcc-1', 'crac-r1-a')).getAttribute('class')).toContain('unmeasured');
    await screenshot(page, 'power.png');

    // Live: the values on the chain move with the stream, without a reload. (One UPS's output at 0.1 kW
    // can hold still for half a minute; the whole chain cannot.)
    const liveValues = () => page.$$eval(`${CHAIN} [data-testid="node-kw"]`, (nodes) => nodes.map((n) => n.textContent).join('|'));
    const before = await liveValues();
    await expect.poll(liveValues, { timeout: 60_000, interval: 500 }).not.toBe(before);

    // The UPS list: live status, the UPS detail page and each of the UPS's devices.
    const rows = page.locator('[data-testid="ups-table"] tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await text(page, '[data-testid="ups-table"] tr[data-key="ups-a1"] [data-testid="ups-status"]')).toBe('On mains');
    expect(await page.locator('[data-testid="ups-detail-link"]').getAttribute('href')).toBe('#/ups');
    expect(await page.locator('[data-testid="ups-table"] tr[data-key="ups-a1"] a[href="#/devices/ups-a1"]').count()).toBe(1);
    expect(await page.locator('[data-testid="ups-table"] tr[data-key="ups-a1"] a[href="#/devices/ups-a1-modbus"]').count()).toBe(1);

    // Accessibility basics.
    expect(await checkAccessibility(page)).toEqual([]);

    // Hiding UPS A1's circuits leaves the A PDUs out; the racks stay (feed B still reaches them).
    await page.click('[data-testid="chain-toggle"][data-ups="ups-a1"]');
    await expect.poll(() => count(page, `${CHAIN} .chain-node[data-type="pdu"]`)).toBe(spec.pdus / 2);
    expect(await count(page, `${CHAIN} .chain-node[data-key$="-pdu-a"]`)).toBe(0);
    expect(await count(page, `${CHAIN} .chain-node[data-type="rack"]`)).toBe(spec.racks);
    expect(await page.locator('[data-testid="chain-toggle"][data-ups="ups-a1"]').getAttribute('aria-pressed')).toBe('false');
    await screenshot(page, 'power-collapsed.png');
    await page.click('[data-testid="chain-toggle"][data-ups="ups-a1"]');
    await expect.poll(() => count(page, `${CHAIN} .chain-node[data-type="pdu"]`)).toBe(spec.pdus);

    // Japanese.
    await page.click('[data-testid="lang-ja"]');
    await expect.poll(() => text(page, 'h1')).toBe(ja['power.title']);
    expect(await page.locator(`${CHAIN} .chain-column-title`).allTextContents()).toEqual([
      ja['power.column.source'], ja['power.column.transformer'], ja['power.column.ups'], ja['power.column.panel'], ja['power.column.pdu'], ja['power.column.load'],
    ]);
    expect(await text(page, `${node('pdp-a1')} .node-type`)).toBe('分電盤');
    expect(await text(page, label('gen-1', 'ups-a1'))).toBe(ja['power.link.idle']);
    expect(await text(page, '[data-testid="ups-table"] tr[data-key="ups-a1"] [data-testid="ups-status"]')).toBe(ja['power.ups.onMains']);
    await screenshot(page, 'power-ja.png');
    expect(await checkAccessibility(page)).toEqual([]);
    await page.click('[data-testid="lang-en"]');

    // Light theme (the diagram follows the theme's colours) and a tablet: the page itself never scrolls sideways.
    await page.evaluate(() => { localStorage.setItem('kiban.theme', 'light'); document.documentElement.dataset.theme = 'light'; window.dispatchEvent(new Event('kiban:theme')); });
    await page.setViewportSize({ width: 1024, height: 768 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    await screenshot(page, 'power-tablet-light.png');
    // The page in light colours and at tablet width, shell included.
    expect(await checkAccessibility(page)).toEqual([]);

    // Click through: a rack to its elevation, a PDU to its device page.
    await page.click(`${node('r1-a01')} a`);
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/racks/r1-a01');
    await page.goBack();
    await page.waitForSelector(node('r1-a01-pdu-a'), { timeout: 15_000 });
    await page.click(`${node('r1-a01-pdu-a')} a`);
    await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/devices/r1-a01-pdu-a');

    expect(errors).toEqual([]);
  }), 300_000);
});
