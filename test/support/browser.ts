/**
 * The browser tier's shared harness: Debian Chromium driven by playwright-core with the flags this closed
 * network needs, one browser context shape, error watching, and screenshots saved as test artifacts.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run',
  '--disable-quic', '--disable-component-update', '--disable-sync',
];
export const hasChromium = existsSync(CHROMIUM_PATH);
/** With CI=true a missing browser fails the tier instead of skipping it. */
export const browserTierSkipped = !hasChromium && process.env.CI !== 'true';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const artifactsDir = resolve(repoRoot, 'test-artifacts/browser');

/** Launches Chromium (and makes sure the artifacts directory exists); throws when there is no browser. */
export async function launchChromium(): Promise<Browser> {
  if (!hasChromium) throw new Error(`Chromium not found at ${CHROMIUM_PATH}; the browser tier must run in CI`);
  mkdirSync(artifactsDir, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export async function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 1440, height: 1000 },
    deviceScaleFactor: 1,
    colorScheme: 'dark',
    locale: 'en-US',
  });
}

/** Uncaught page errors and console errors, except the HTTP statuses a test provokes on purpose. */
export function watchForErrors(page: Page, expectedStatuses: number[] = []): string[] {
  const errors: string[] = [];
  const expected = expectedStatuses.map((status) => `status of ${status} `);
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (expected.some((text) => message.text().includes(text))) return;
    errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/** Full-page screenshot into test-artifacts/browser/ (from the top: sticky parts would otherwise draw mid-page). */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: resolve(artifactsDir, name), fullPage: opts.fullPage ?? true });
}

/** The page as it was when a test failed, for whoever reads the CI artifacts; never throws. */
export async function failureScreenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: resolve(artifactsDir, name), fullPage: true }).catch(() => {});
}
