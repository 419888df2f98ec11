import fs from 'node:fs';
import { checkAccessibility, launchBrowser, BROWSER_TEST_TIMEOUT_MS, type TestBrowser } from '../harness/browser';
import { startTestSystem, type TestSystem } from '../harness/system';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

/** The browser harness itself: Debian's chromium driven by playwright-core, the axe check, and cleanup. */
describe('browser harness', () => {
  let system: TestSystem;
  let browser: TestBrowser;

  beforeAll(async () => {
    [system, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('opens a page the gateway serves', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${system.gatewayUrl}/health`);
    expect(response?.status()).toBe(200);
    expect(await page.textContent('body')).toContain('"status"');
  });

  it('checks the console (served with a strict CSP, no inline scripts) for accessibility', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${system.gatewayUrl}/console/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await checkAccessibility(page);
  });

  it('fails the accessibility check with a readable list of serious violations, and passes a clean page', async () => {
    const page = await browser.newPage();
    await page.setContent(
      '<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>' +
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button></button></main></body></html>',
    );
    const failure = await checkAccessibility(page, 'the bad page').then(
      () => undefined,
      (error: Error) => error.message,
    );
    expect(failure).toContain('accessibility check of the bad page');
    expect(failure).toContain('image-alt');
    expect(failure).toContain('button-name');

    await page.setContent(
      '<!doctype html><html lang="en"><head><title>Good</title></head><body><main><h1>Good</h1>' +
        '<img alt="A dot" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><button>Go</button></main></body></html>',
    );
    await expect(checkAccessibility(page)).resolves.toBeDefined();
  });

  it('leaves no chromium process behind when closed', async () => {
    const other = await launchBrowser({ fakeMedia: true });
    const page = await other.newPage();
    // The fake device answers getUserMedia without a prompt (the browser call uses it).
    await page.goto(`${system.gatewayUrl}/health`);
    type MediaPage = {
      navigator: {
        mediaDevices: {
          getUserMedia(c: { audio: boolean }): Promise<{ getTracks(): Array<{ kind: string; stop(): void }> }>;
        };
      };
    };
    const tracks = await page.evaluate(async () => {
      const { navigator } = globalThis as unknown as MediaPage;
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const kinds = stream.getTracks().map((t) => t.kind);
      stream.getTracks().forEach((t) => t.stop());
      return kinds;
    });
    expect(tracks).toEqual(['audio']);
    const pids = other.processes();
    expect(pids.length).toBeGreaterThan(0);
    await other.close();
    expect(other.processes()).toEqual([]);
    expect(pids.filter((pid) => alive(pid))).toEqual([]);
  });
});

/** Running, not a zombie (a renderer orphaned to an init that does not reap stays one, holding nothing). */
function alive(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}
