import { BROWSER_TEST_TIMEOUT_MS, checkAccessibility, launchBrowser, type TestBrowser } from '../harness/browser';
import { requireBuiltConsole, signInThroughPage } from '../harness/console';
import { createOperator, type TestOperator } from '../harness/operators';
import { TEST_ACCOUNT_SID, startTestSystem, type TestSystem } from '../harness/system';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

const WORD = `wombatfizz${Math.random().toString(36).slice(2, 7)}`;
const DOCUMENT = `# Returns policy\n\nParcels marked ${WORD} may be returned within 60 days for a full refund.\n`;

/** An admin uploads a document to a knowledge base from the page, watches it ingest, and finds it by search. */
describe('knowledge upload and search (browser)', () => {
  let system: TestSystem;
  let browser: TestBrowser;
  let admin: TestOperator;

  beforeAll(async () => {
    requireBuiltConsole();
    [system, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
    admin = await createOperator(system, { name: 'Kim Knowledge', role: 'admin' });
    const base = await system.api('POST', '/knowledge-bases', { name: 'Help center', accountSid: TEST_ACCOUNT_SID });
    expect(base.status).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('uploads a document, shows it ingested, and the search finds it', async () => {
    const page = await browser.newPage();
    await signInThroughPage(page, system.gatewayUrl, admin);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Knowledge', exact: true }).click();
    await page.getByRole('heading', { name: 'Knowledge', exact: true }).waitFor();
    await checkAccessibility(page);

    await page.getByLabel('Upload document').setInputFiles({
      name: 'returns-policy.md',
      mimeType: 'text/markdown',
      buffer: Buffer.from(DOCUMENT),
    });
    // The document is listed with its status badge, which reaches "ready" once its workflow has
    // indexed it (the badge in the document's own row: the page's help text mentions "ready" too).
    const row = page
      .getByRole('list', { name: 'Documents' })
      .getByRole('listitem')
      .filter({ hasText: /returns/i });
    await row.first().waitFor({ timeout: 30_000 });
    await row.getByText('ready', { exact: true }).first().waitFor({ timeout: 90_000 });
    await checkAccessibility(page);

    await page.getByRole('searchbox', { name: 'Search knowledge' }).fill(WORD);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const results = page.getByRole('list', { name: 'Results' });
    await results.getByText(new RegExp(WORD)).first().waitFor({ timeout: 30_000 });
    expect(await results.textContent()).toMatch(/returns/i);
    await checkAccessibility(page);
    expect(browser.pageErrors).toEqual([]);
  });
});
