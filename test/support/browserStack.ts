/**
 * The browser tier's one setup: a describe block gets the demo stack and Chromium for all its tests
 * (`useBrowserStack`), and each test a fresh signed-in page that is photographed when the test fails and
 * closed when it ends (`inSignedInPage`, or `openPage` + `runInPage` where the page comes about otherwise).
 * What a test checks stays in the test; this only starts, waits for data, signs in and tears down.
 *
 *   const env = useBrowserStack({ readyPaths: ['/api/v1/cis/r1-a01'] });
 *   it('…', () => inSignedInPage(env, 'racks-failure.png', async ({ page, errors }) => { … }), 90_000);
 *   it('…', () => inSignedInPage(env, { failureScreenshot: 'racks-ja-failure.png', hash: '#/racks' }, async ({ page }) => { … }), 90_000);
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { failureScreenshot, launchChromium, newContext, watchForErrors } from './browser.ts';
import { api, startStack, waitFor, type Stack } from './stack.ts';

export interface BrowserStackOptions<Ready> {
  /** Options for `startStack` (collector poll interval 1 s unless set). */
  stack?: Parameters<typeof startStack>[0];
  /** API paths, asked with the admin token, that must answer 2xx before the tests start (the CIs they open). */
  readyPaths?: string[];
  /**
   * Whatever else the tests need to find, polled until it returns a truthy value, which the tests get as
   * `env.ready`. The stack answers before its data is there: the collector declares and polls the SNMP and
   * Modbus devices over the first seconds, and the rack sensors publish over MQTT on their own clocks, so a
   * test that looks for a reading, a point or a settled figure waits for it here rather than racing it.
   */
  ready?: (stack: Stack) => Promise<Ready | undefined | null | false>;
  /** How long the data may take to arrive (default 120 s); starting the stack and Chromium get 2 min more. */
  readyTimeoutMs?: number;
}

/** The started stack and browser, for the tests of the describe block (read them inside tests and hooks only). */
export interface BrowserStack<Ready = true> {
  readonly stack: Stack;
  readonly browser: Browser;
  /** What `ready` returned. */
  readonly ready: Ready;
}

/**
 * Registers beforeAll/afterAll in the calling describe block: starts the demo stack, waits until
 * `readyPaths` answer and `ready` holds, launches Chromium; afterwards closes the browser, then stops the stack.
 */
export function useBrowserStack<Ready = true>(opts: BrowserStackOptions<Ready> = {}): BrowserStack<Ready> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  let stack: Stack | undefined;
  let browser: Browser | undefined;
  let ready: Ready | undefined;

  beforeAll(async () => {
    stack = await startStack({ pollIntervalMs: 1000, ...opts.stack });
    ready = await untilReady(stack, opts, readyTimeoutMs);
    browser = await launchChromium();
  }, readyTimeoutMs + 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started: use it inside a test of the describe block that called useBrowserStack`);
    return value;
  };
  return {
    get stack() { return started(stack, 'the stack'); },
    get browser() { return started(browser, 'the browser'); },
    get ready() { return started(ready, 'the readiness value'); },
  };
}

async function untilReady<Ready>(stack: Stack, opts: BrowserStackOptions<Ready>, timeoutMs: number): Promise<Ready> {
  let waitingFor = 'the first answer';
  try {
    return await waitFor(async () => {
      for (const path of opts.readyPaths ?? []) {
        const res = await api(stack, path);
        await res.body?.cancel();
        if (!res.ok) { waitingFor = `GET ${path} (answered ${res.status})`; return undefined; }
      }
      waitingFor = 'the ready() condition';
      return opts.ready ? opts.ready(stack) : (true as Ready);
    }, timeoutMs, 500);
  } catch (error) {
    throw new Error(`the demo stack was not ready in ${timeoutMs} ms, still waiting for ${waitingFor}`, { cause: error });
  }
}

/** One browser context with one page and the page's error watcher (see `watchForErrors`). */
export interface PageSession {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors so far; tests end with `expect(errors).toEqual([])`. */
  errors: string[];
}

export interface PageOptions {
  /** HTTP statuses the test provokes on purpose (Chromium logs every 4xx answer as a console error). */
  expectedStatuses?: number[];
  /** A window other than the desktop 1440×1000 (a tablet, say). */
  viewport?: { width: number; height: number };
}

/** A fresh context (nothing shared with other tests: no cookie, no stored language or theme) and a blank page. */
export async function openPage(browser: Browser, opts: PageOptions = {}): Promise<PageSession> {
  const context = await newContext(browser, { viewport: opts.viewport });
  const page = await context.newPage();
  return { context, page, errors: watchForErrors(page, opts.expectedStatuses) };
}

/**
 * Signs in the way `kiban demo` tells a person to: the admin token in `#token=`; done when the area
 * navigation shows (the app shows it to a signed-in user only). Then opens `hash` (e.g. '#/racks'), if given.
 */
export async function signIn(page: Page, stack: Pick<Stack, 'baseUrl' | 'adminToken'>, hash?: string): Promise<void> {
  await page.goto(`${stack.baseUrl}/#token=${encodeURIComponent(stack.adminToken)}`);
  await page.waitForSelector('[data-testid="area-nav"]', { timeout: 30_000 });
  if (hash !== undefined) await page.evaluate((h) => { location.hash = h; }, hash);
}

/**
 * Runs a test's body on a page: when it fails, saves the page as `failureName` in test-artifacts/browser/
 * and rethrows; in any case closes the page's context.
 */
export async function runInPage<S extends Pick<PageSession, 'context' | 'page'>>(session: S, failureName: string, body: (session: S) => Promise<void>): Promise<void> {
  try {
    await body(session);
  } catch (error) {
    await failureScreenshot(session.page, failureName);
    throw error;
  } finally {
    await session.context.close();
  }
}

export interface SignedInPageOptions extends PageOptions {
  /** File name in test-artifacts/browser/ for the page as it was when the test failed. */
  failureScreenshot: string;
  /** Route to open once signed in, e.g. '#/racks'. */
  hash?: string;
}

/**
 * A test on a fresh signed-in page: `openPage`, then `signIn` and the body under `runInPage`.
 * `options` is the failure screenshot's file name, or the options with it.
 */
export async function inSignedInPage(
  env: BrowserStack<unknown>, options: string | SignedInPageOptions, body: (session: PageSession) => Promise<void>,
): Promise<void> {
  const opts = typeof options === 'string' ? { failureScreenshot: options } : options;
  const session = await openPage(env.browser, opts);
  await runInPage(session, opts.failureScreenshot, async () => {
    await signIn(session.page, env.stack, opts.hash);
    await body(session);
  });
}
