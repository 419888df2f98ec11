import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { AxeResults, Result as AxeViolation } from 'axe-core';
import { CHROMIUM_PATH } from '../../devstack/chromium';

/** Browser tests start a test system, a chromium and walk several pages on 2 loaded cores: minutes, not seconds. */
export const BROWSER_TEST_TIMEOUT_MS = 180_000;

/** Flags for Debian's chromium on a closed network (no Google lookups, no background connections). */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** A fake microphone (a beep) the page may use without a permission prompt. */
const FAKE_MEDIA_ARGS = ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];

const VIEWPORT = { width: 1280, height: 800 };

export interface TestBrowser {
  context: BrowserContext;
  /** A new tab; uncaught page errors are collected in `pageErrors`. */
  newPage(): Promise<Page>;
  /** Uncaught exceptions thrown by any page's scripts, for tests to assert there were none. */
  pageErrors: string[];
  /** Pids of this browser's processes still running. */
  processes(): number[];
  close(): Promise<void>;
}

/**
 * Debian's chromium through playwright-core, with a fresh profile (mkdtemp) removed on close. Close kills
 * every process started with that profile, so no chromium outlives its test file.
 */
export async function launchBrowser(options: { fakeMedia?: boolean; baseURL?: string } = {}): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM_PATH))
    throw new Error(
      `${CHROMIUM_PATH} is missing: run \`npm run provision -- --for-tests\` (installs Debian's chromium)`,
    );
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'beluga-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.fakeMedia ? FAKE_MEDIA_ARGS : [])],
    viewport: VIEWPORT,
    ...(options.fakeMedia ? { permissions: ['microphone'] } : {}),
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
  });
  const pageErrors: string[] = [];
  const watch = (page: Page) => page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
  context.pages().forEach(watch);
  context.on('page', watch);
  return {
    context,
    pageErrors,
    async newPage() {
      // The persistent context opens with one blank tab: use it first.
      const blank = context.pages().find((p) => p.url() === 'about:blank');
      return blank ?? (await context.newPage());
    },
    processes: () => profileProcesses(userDataDir),
    async close() {
      await context.close().catch(() => undefined);
      killProfileProcesses(userDataDir);
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Chromium processes (browser, renderers, GPU/utility) of this profile still alive: their pids. */
function profileProcesses(userDataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes(userDataDir)) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

function killProfileProcesses(userDataDir: string): void {
  for (const pid of profileProcesses(userDataDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

const AXE_SOURCE = require.resolve('axe-core/axe.min.js');
const FAILING_IMPACTS = new Set(['serious', 'critical']);

function describeViolation(v: AxeViolation): string {
  const nodes = v.nodes
    .slice(0, 5)
    .map(
      (n) =>
        `    at ${n.target.join(' ')}: ${n.html.slice(0, 160)}${n.failureSummary ? `\n      ${n.failureSummary.replace(/\n/g, '\n      ')}` : ''}`,
    );
  const more = v.nodes.length > 5 ? [`    … and ${v.nodes.length - 5} more`] : [];
  return [`- [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})`, ...nodes, ...more].join('\n');
}

/**
 * Runs axe-core on the page as it is now; throws a readable list of the serious and critical violations
 * (minor and moderate ones are returned, not thrown).
 */
export async function checkAccessibility(page: Page, what = page.url()): Promise<AxeViolation[]> {
  // These callbacks run in the page (the project compiles without the DOM library, hence the local shape).
  type AxePage = { axe?: { run(context: unknown, options: object): Promise<AxeResults> }; document: unknown };
  const loaded = () => page.evaluate(() => typeof (globalThis as unknown as AxePage).axe === 'object');
  if (!(await loaded())) {
    await page.addScriptTag({ path: AXE_SOURCE }).catch(() => undefined);
    // A Content-Security-Policy without inline scripts blocks the tag: evaluate the source over the
    // devtools protocol instead, which CSP does not govern.
    if (!(await loaded())) await page.evaluate(fs.readFileSync(AXE_SOURCE, 'utf8'));
  }
  const results = await page.evaluate(() => {
    const w = globalThis as unknown as AxePage;
    return w.axe!.run(w.document, { resultTypes: ['violations'] });
  });
  const failing = results.violations.filter((v) => FAILING_IMPACTS.has(v.impact ?? ''));
  if (failing.length > 0)
    throw new Error(
      `accessibility check of ${what}: ${failing.length} serious/critical violation(s)\n${failing.map(describeViolation).join('\n')}`,
    );
  return results.violations;
}

/** Where screenshots of failing or documented pages go. */
function screenshotPath(dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}

/** A viewport-sized PNG (1280x800) of the page, after fonts and pending animations have settled. */
export async function saveScreenshot(page: Page, file: string): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await page.evaluate(() =>
    (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready.then(
      () => undefined,
    ),
  );
  await page.screenshot({ path: file, fullPage: false, animations: 'disabled', caret: 'hide' });
}

/**
 * Runs `step`; when it fails, saves a screenshot of the page under test-results/browser so the failure can
 * be seen, then rethrows.
 */
export async function withFailureScreenshot<T>(page: Page, name: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const file = screenshotPath(path.join(__dirname, '..', '..', 'test-results', 'browser'), name);
    await page.screenshot({ path: file }).catch(() => undefined);
    if (error instanceof Error) error.message += `\n(screenshot: ${file})`;
    throw error;
  }
}
