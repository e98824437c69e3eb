import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { repoRoot, startTestOrigin, type TestOrigin } from './origin.ts';

/**
 * The web console in a real browser (issue 17): a real origin in this process serving a fresh
 * build of console/, driven in Debian's headless Chromium through playwright-core. Tests that use
 * it go in a file of their own with a clear timeout, and skip with a notice where there is no
 * Chromium (`describe.skipIf(!hasChromium)`).
 */

/** Debian's `chromium` package; CHROMIUM_PATH points elsewhere. */
export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const hasChromium = existsSync(chromiumPath);
if (!hasChromium) console.warn(`NOTICE: no Chromium at ${chromiumPath} (apt-get install chromium); the console browser tests are skipped`);

/** Where screenshots go (git-ignored; the README names it). */
export const screenshotDir = join(repoRoot, 'test-results', 'console');

/**
 * Flags for a quiet, reproducible run: no sandbox (containers run as root), no GPU, and nothing
 * that reaches the network on its own (QUIC, background fetches, component updates, sync).
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ConsoleBrowser {
  origin: TestOrigin;
  context: BrowserContext;
  /** The first tab; `context.newPage()` opens more (each is watched like this one). */
  page: Page;
  /** The built console this origin serves. */
  consoleDir: string;
  /** `/console/…` (or any path) on the origin. */
  url(path?: string): string;
  /**
   * What went wrong in the page so far: console errors (which include the CSP's refusals),
   * uncaught exceptions and failed requests to the origin. A test of a view expects it empty.
   */
  problems: string[];
  /** Signs in through the form and waits for the console's header; throws with the page's alert if refused. */
  signIn(key: string, page?: Page): Promise<void>;
  /** Clicks Sign out and waits for the sign-in form. */
  signOut(page?: Page): Promise<void>;
  /** A full-page PNG at test-results/console/<name>.png; returns its path. */
  screenshot(name: string, page?: Page): Promise<string>;
  /** axe-core on the page as it is now: its serious and critical violations, one readable line each. */
  accessibilityViolations(page?: Page): Promise<string[]>;
  close(): Promise<void>;
}

export interface ConsoleBrowserOptions {
  /** Settings of the origin (API_KEYS, limits…); CONSOLE_DIR is the fresh build. */
  env?: Record<string, string>;
  /** The viewport: desktop by default; 360 px wide for the narrow layout. */
  viewport?: { width: number; height: number };
}

/**
 * Builds the console into a temp dir (Vite takes about a second here), so the test runs what the
 * sources say now rather than whatever console/dist was last built from; two test files running
 * at once each have their own.
 */
export async function buildConsole(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'pixelfront-console-build-'));
  await build({
    configFile: join(repoRoot, 'console', 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

/** A real origin serving a fresh console build, and Chromium on a fresh profile, one tab open. */
export async function startConsoleBrowser(options: ConsoleBrowserOptions = {}): Promise<ConsoleBrowser> {
  const consoleDir = await buildConsole();
  const profile = await mkdtemp(join(tmpdir(), 'pixelfront-chromium-'));
  let origin: TestOrigin | undefined;
  let context: BrowserContext | undefined;
  try {
    origin = await startTestOrigin({ ...options.env, CONSOLE_DIR: consoleDir });
    // A persistent context is how playwright takes a --user-data-dir of our own.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1280, height: 900 },
      timeout: 60_000,
    });
  } catch (error) {
    await context?.close().catch(() => undefined);
    await origin?.destroy();
    await rm(consoleDir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
    throw error;
  }
  const running = origin;
  const browser = context;
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
    page.on('requestfailed', (request) => {
      // A request the page itself cancelled (an aborted upload, a lazy image scrolled away) is not a fault.
      const failure = request.failure()?.errorText ?? '';
      if (request.url().startsWith(running.url) && failure !== 'net::ERR_ABORTED')
        problems.push(`request failed: ${request.url()} ${failure}`);
    });
  };
  browser.on('page', watch);
  const page = browser.pages()[0] ?? (await browser.newPage());
  if (browser.pages().length === 1) watch(page);

  const url = (path = '/console/') => `${running.url}${path}`;

  return {
    origin: running,
    context: browser,
    page,
    consoleDir,
    url,
    problems,
    async signIn(key, on = page) {
      if (!on.url().startsWith(url())) await on.goto(url());
      await on.getByLabel('API key').fill(key);
      await on.getByRole('button', { name: 'Sign in' }).click();
      const signedIn = on.getByRole('button', { name: 'Sign out' });
      const refused = on.locator('form.sign-in [role="alert"]');
      await signedIn.or(refused).first().waitFor();
      if (await refused.isVisible()) throw new Error(`sign-in refused: ${await refused.innerText()}`);
    },
    async signOut(on = page) {
      await on.getByRole('button', { name: 'Sign out' }).click();
      await on.getByLabel('API key').waitFor();
    },
    async screenshot(name, on = page) {
      await mkdir(screenshotDir, { recursive: true });
      const path = join(screenshotDir, `${name}.png`);
      // Transitions are finished first, so a screenshot shows where a panel lands, not its slide.
      await on.screenshot({ path, fullPage: true, animations: 'disabled' });
      return path;
    },
    async accessibilityViolations(on = page) {
      return runAxe(on);
    },
    async close() {
      await browser.close().catch(() => undefined);
      await running.destroy();
      await rm(consoleDir, { recursive: true, force: true });
      await rm(profile, { recursive: true, force: true });
    },
  };
}

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core's WCAG 2.x A/AA rules on the page. Its source goes in through the DevTools protocol
 * (page.evaluate), which the page's CSP does not govern; a <script> tag would be refused, as the
 * CSP intends.
 */
async function runAxe(page: Page): Promise<string[]> {
  await page.evaluate(axe.source);
  const violations = await page.evaluate(async () => {
    // This runs in the page; the Node side's lib has no DOM types, so the page is reached through globalThis.
    const inPage = globalThis as unknown as {
      document: unknown;
      axe: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> };
    };
    const result = await inPage.axe.run(inPage.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map((node) => ({ target: node.target })),
    }));
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((v) => `${v.impact ?? ''} ${v.id}: ${v.help} (${v.nodes.map((node) => node.target.join(' ')).join(', ')})`);
}
