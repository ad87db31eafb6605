/**
 * Browser tier for the CMDB pages: the real demo stack (whose simulated site is documented as CIs) in
 * headless Chromium. Walks the location tree down to a rack, reads its equipment, relationships, power path,
 * impact and history, reads it in Japanese, watches a UPS's points update live, and edits a CI as an admin
 * (a field error from the server, a conflict with someone else's save, then a saved change in the history).
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ja } from '../../web/src/i18n/ja.ts';
import { browserTierSkipped, screenshot } from '../support/browser.ts';
import { inSignedInPage, useBrowserStack } from '../support/browserStack.ts';
import { api, type Stack } from '../support/stack.ts';

/** CIs of the demo site (see the demo's CMDB description of the simulated data center). */
const RACK = 'r1-a01';
const UPS = 'ups-a1';

const TREE = '[data-testid="cmdb-tree"]';

const treeItem = (key: string) => `${TREE} li[data-key="${key}"]`;

/** From the signed-in shell to the CMDB home page with its location tree. */
async function openCmdb(page: Page): Promise<void> {
  await page.click('[data-testid="nav-cmdb"]', { timeout: 30_000 });
  await page.waitForSelector(TREE, { timeout: 30_000 });
}

/** Opens every branch from the site down to `key` (its location path, as the API tells it), the way a person clicks. */
async function expandTreeTo(page: Page, stack: Stack, key: string): Promise<void> {
  const detail = await (await api(stack, `/api/v1/cis/${encodeURIComponent(key)}`)).json() as { path: Array<{ key: string }> };
  expect(detail.path.length).toBeGreaterThanOrEqual(4); // site, building, room, row
  for (const ancestor of detail.path) {
    const branch = page.locator(treeItem(ancestor.key));
    await branch.waitFor({ timeout: 15_000 });
    if (await branch.getAttribute('aria-expanded') !== 'true') {
      await branch.locator(':scope > .tree-row [data-testid="tree-toggle"]').click();
    }
    await expect.poll(() => branch.getAttribute('aria-expanded'), { timeout: 15_000 }).toBe('true');
  }
  await page.waitForSelector(treeItem(key));
}

describe.skipIf(browserTierSkipped)('CMDB pages in Chromium', () => {
  const env = useBrowserStack({
    // The demo documents its site as it starts; wait until the rack and the UPS are there…
    readyPaths: [`/api/v1/cis/${RACK}`, `/api/v1/cis/${UPS}`],
    // …and until the collector has reported every device, so the audit on the home page shows a settled site.
    ready: async (stack) => {
      const simDevices = (await (await fetch(`${stack.demo.sim.controlUrl}/sim/v1/devices`)).json()).items.length as number;
      return (await (await api(stack, '/api/v1/devices')).json()).items.length >= simDevices + 1;
    },
  });

  it('walks the tree to a rack and shows its equipment, relationships, power path, impact and history, in English and Japanese', () => inSignedInPage(env, 'cmdb-rack-failure.png', async ({ page, errors }) => {
    await openCmdb(page);
    // The home page compares the CMDB with what the collectors discover.
    await page.waitForSelector('[data-testid="cmdb-audit"] [data-testid="audit-checked-at"]', { timeout: 30_000 });
    expect(page.url()).toContain('#/cmdb');
    await screenshot(page, 'cmdb-home.png');

    await expandTreeTo(page, env.stack, RACK);
    await page.click(`${treeItem(RACK)} > .tree-row a`);
    await page.waitForSelector(`[data-testid="ci-header"][data-key="${RACK}"]`, { timeout: 30_000 });
    expect(page.url()).toContain(`#/cmdb/ci/${RACK}`);
    await expect.poll(() => page.getAttribute(`${treeItem(RACK)} > .tree-row`, 'class'), { timeout: 15_000 }).toContain('current');

    // Breadcrumbs: CMDB › site › building › room › row › rack.
    expect(await page.locator('[data-testid="ci-breadcrumbs"] li').count()).toBeGreaterThanOrEqual(6);

    // Mounted equipment: its servers by U position and its PDUs.
    const equipment = page.locator('[data-testid="ci-children"] tbody tr');
    await expect.poll(() => equipment.count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.locator(`[data-testid="ci-children"] tr[data-key="${RACK}-srv01"]`).count()).toBe(1);
    expect(await page.locator(`[data-testid="ci-children"] tr[data-type="pdu"]`).count()).toBeGreaterThanOrEqual(1);
    const positions = await page.locator('[data-testid="ci-children"] tr[data-type="server"] td:first-child').allTextContents();
    expect(positions.every((text) => /^U\d+/.test(text.trim()))).toBe(true);

    // Relationships: powered by its PDUs (A and B feeds).
    const poweredBy = page.locator('[data-testid="ci-relations"] .relation-group[data-kind="powered_by"][data-direction="out"]');
    await poweredBy.waitFor();
    expect(await poweredBy.locator('li').count()).toBeGreaterThanOrEqual(1);

    // Power path: from the rack up through a UPS to the utility.
    await page.waitForSelector('[data-testid="power-path"]', { timeout: 15_000 });
    expect(await page.locator(`[data-testid="power-path"] .power-node.root[data-key="${RACK}"]`).count()).toBe(1);
    expect(await page.locator('[data-testid="power-path"] .power-node[data-type="ups"]').count()).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-testid="power-path"] .power-level').count()).toBeGreaterThanOrEqual(3);

    // What if the rack fails: its servers lose power.
    await page.click('[data-testid="impact-ask"]');
    await page.waitForSelector('[data-testid="impact-counts"] .effect-chip', { timeout: 15_000 });
    expect(await page.locator('[data-testid="impact-list"] tbody tr').count()).toBeGreaterThan(0);

    // History: the creation of the rack, and the rack as it was right after it.
    const history = page.locator('[data-testid="history-list"] > li');
    await history.first().waitFor({ timeout: 15_000 });
    // Newest first: the last creation of a CI is the rack's own.
    const created = page.locator('[data-testid="history-list"] > li[data-entity="ci"][data-action="create"]').last();
    await created.locator('[data-testid="history-view-at"]').click();
    await page.waitForSelector('[data-testid="ci-as-of"] [data-testid="ci-attributes"]', { timeout: 15_000 });
    await screenshot(page, 'cmdb-rack.png');

    // Search finds a server by part of its key.
    await page.fill('[data-testid="ci-search"]', `${RACK}-srv0`);
    await page.waitForSelector(`[data-testid="ci-search-results"] li[data-key="${RACK}-srv01"]`, { timeout: 15_000 });
    await page.selectOption('[data-testid="ci-search-type"]', 'pdu');
    await expect.poll(() => page.locator(`[data-testid="ci-search-results"] li[data-key="${RACK}-srv01"]`).count(), { timeout: 15_000 }).toBe(0);
    await page.fill('[data-testid="ci-search"]', '');
    await page.selectOption('[data-testid="ci-search-type"]', '');
    await page.waitForSelector(TREE);

    // Japanese: every heading comes from the Japanese catalog.
    await page.click('button[lang="ja"]');
    await expect.poll(() => page.getAttribute('html', 'lang'), { timeout: 15_000 }).toBe('ja');
    expect(await page.textContent('[data-testid="ci-relations"] h2')).toBe(ja['cmdb.relations.title']);
    expect(await page.textContent('[data-testid="ci-power-path"] h2')).toBe(ja['cmdb.power.title']);
    expect(await page.textContent('[data-testid="ci-history"] h2')).toBe(ja['cmdb.history.title']);
    expect(await page.textContent('[data-testid="ci-children"] h2')).toBe(ja['cmdb.children.rackTitle']);
    expect(await page.textContent('[data-testid="ci-header"] .kind-badge')).toBe(ja['cmdb.type.rack']);
    await screenshot(page, 'cmdb-rack-ja.png');

    expect(errors).toEqual([]);
  }), 150_000);

  it('shows the points of a UPS with values that update live', () => inSignedInPage(env, 'cmdb-ups-failure.png', async ({ page, errors }) => {
    await openCmdb(page);
    await page.goto(`${env.stack.baseUrl}/#/cmdb/ci/${UPS}`);
    const firstValue = '[data-testid="ci-points-table"] tbody tr[data-point] td.value[data-ts]';
    await page.waitForSelector(firstValue, { timeout: 30_000 });
    const ts = Number(await page.getAttribute(firstValue, 'data-ts'));
    await page.waitForFunction(([selector, before]) =>
      Number(document.querySelector(selector as string)?.getAttribute('data-ts')) > (before as number),
    [firstValue, ts] as const, { timeout: 30_000 });
    await expect.poll(() => page.getAttribute('[data-testid="connection-state"]', 'data-state'), { timeout: 15_000 }).toBe('live');
    await screenshot(page, 'cmdb-ups-points.png');
    expect(errors).toEqual([]);
  }), 90_000);

  it('lets an admin edit a CI: field errors next to the field, a conflict offers a reload, the change lands in the history', () => inSignedInPage(env, { failureScreenshot: 'cmdb-edit-failure.png', expectedStatuses: [409, 422] }, async ({ page, errors }) => {
    // 422 and 409 are provoked below (Chromium logs every 4xx answer as a console error: expectedStatuses).
    const before = await (await api(env.stack, `/api/v1/cis/${RACK}`)).json() as { ci: { attributes: { maxKw?: number } } };
    const budgetKw = (before.ci.attributes.maxKw ?? 8) + 1.5;
    const budgetText = `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(budgetKw)} kW`;

    await openCmdb(page);
    await page.goto(`${env.stack.baseUrl}/#/cmdb/ci/${RACK}`);
    await page.click('[data-testid="ci-edit"]', { timeout: 30_000 });
    const form = page.locator('[data-testid="ci-edit-form"]');

    // The server refuses a negative power budget and says so next to the field.
    await form.locator('[name="attributes.maxKw"]').fill('-3');
    await form.locator('[data-testid="ci-edit-save"]').click();
    await form.locator('[data-field="attributes.maxKw"] .field-error').waitFor({ timeout: 15_000 });

    // Someone else saves first: the form says so and reloads their change.
    const current = await (await api(env.stack, `/api/v1/cis/${RACK}`)).json() as { ci: { version: number } };
    const theirVendor = `Nihon Facility Service ${Date.now()}`;
    const theirs = await api(env.stack, `/api/v1/cis/${RACK}`, {
      method: 'PATCH', body: JSON.stringify({ version: current.ci.version, maintenanceVendor: theirVendor }),
    });
    expect(theirs.status).toBe(200);
    await form.locator('[name="attributes.maxKw"]').fill(String(budgetKw));
    await form.locator('[data-testid="ci-edit-save"]').click();
    await page.waitForSelector('[data-testid="ci-edit-conflict"]', { timeout: 15_000 });
    await page.click('[data-testid="ci-edit-conflict"] button');
    await expect.poll(() => page.inputValue('[data-testid="ci-edit-form"] [name="maintenanceVendor"]'), { timeout: 15_000 }).toBe(theirVendor);

    await form.locator('[name="attributes.maxKw"]').fill(String(budgetKw));
    await form.locator('[data-testid="ci-edit-save"]').click();
    await page.waitForSelector('[data-testid="ci-saved"]', { timeout: 15_000 });
    await expect.poll(() => page.textContent('[data-testid="ci-typed-attributes"] [data-field="attributes.maxKw"] dd'), { timeout: 15_000 }).toBe(budgetText);
    const change = page.locator('[data-testid="history-list"] > li').first().locator('tr[data-field="attributes.maxKw"]');
    await change.waitFor({ timeout: 15_000 });
    expect(await change.locator('.after').textContent()).toBe(budgetText);
    await screenshot(page, 'cmdb-edit.png');
    expect(errors).toEqual([]);
  }), 90_000);
});
