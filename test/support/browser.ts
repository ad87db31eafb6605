/**
 * The browser tier's shared harness: Debian Chromium driven by playwright-core with the flags this closed
 * network needs, one browser context shape, error watching, and screenshots saved as test artifacts.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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

/** The one context shape of the browser tier: a desktop window (unless `viewport` says otherwise), dark, English. */
export async function newContext(browser: Browser, opts: { viewport?: { width: number; height: number } } = {}): Promise<BrowserContext> {
  return browser.newContext({
    viewport: opts.viewport ?? { width: 1440, height: 1000 },
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

/**
 * Accessibility basics checked by axe-core in the page as it is: names and labels of controls and images,
 * keyboard focusability (tabindex, nested interactive elements, scrollable regions), ARIA validity and colour
 * contrast (WCAG 2.x AA). Returns the violations as readable lines so a failing test names the element.
 * `exclude` takes CSS selectors of parts not to check (e.g. a chart canvas whose text is drawn pixels).
 */
export async function checkAccessibility(page: Page, opts: { exclude?: string[] } = {}): Promise<string[]> {
  const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async (exclude) => {
    const axe = (window as unknown as { axe: any }).axe;
    const context = exclude.length ? { include: [['html']], exclude: exclude.map((s) => [s]) } : document;
    const result = await axe.run(context, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      resultTypes: ['violations'],
    });
    return (result.violations as Array<{ id: string; help: string; nodes: Array<{ target: string[]; failureSummary?: string }> }>)
      .flatMap((v) => v.nodes.slice(0, 5).map((n) => `${v.id} (${v.help}): ${n.target.join(' ')} — ${(n.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 200)}`));
  }, opts.exclude ?? []);
  return violations;
}

/**
 * English catalog messages still visible after switching to Japanese: text rendered once and not re-rendered
 * on the language switch (a `t()` outside a reactive scope), or an English message copied into markup.
 * Compares whole text nodes (and aria-label/title/placeholder values) with every English message that has a
 * different Japanese text and no placeholders.
 */
export async function englishLeftovers(page: Page, en: Record<string, string>, ja: Record<string, string>): Promise<string[]> {
  // A text that is also a Japanese string somewhere (an acronym like "UPS") is not a leftover.
  const japanese = new Set(Object.values(ja).map((text) => text.trim()));
  const english = Object.keys(en)
    .filter((key) => en[key] !== ja[key] && !japanese.has(en[key].trim()) && !/\{\w+\}/.test(en[key]) && /[A-Za-z]{3}/.test(en[key]))
    .map((key) => en[key].trim());
  return page.evaluate((messages) => {
    const wanted = new Set(messages);
    const found = new Set<string>();
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent?.trim() ?? '';
      const parent = node.parentElement;
      if (!text || !parent || parent.closest('script, style, [aria-hidden="true"]')) continue;
      if (wanted.has(text)) found.add(text);
    }
    for (const element of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
      for (const name of ['aria-label', 'title', 'placeholder']) {
        const value = element.getAttribute(name)?.trim();
        if (value && wanted.has(value)) found.add(`${name}="${value}"`);
      }
    }
    return [...found];
  }, english);
}
