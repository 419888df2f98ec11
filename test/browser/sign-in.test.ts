import { BROWSER_TEST_TIMEOUT_MS, checkAccessibility, launchBrowser, type TestBrowser } from '../harness/browser';
import { requireBuiltConsole, signInThroughPage } from '../harness/console';
import { createOperator, type TestOperator } from '../harness/operators';
import { startTestSystem, type TestSystem } from '../harness/system';

jest.setTimeout(BROWSER_TEST_TIMEOUT_MS);

describe('console sign-in (browser)', () => {
  let system: TestSystem;
  let browser: TestBrowser;
  let admin: TestOperator;

  beforeAll(async () => {
    requireBuiltConsole();
    [system, browser] = await Promise.all([startTestSystem(), launchBrowser()]);
    admin = await createOperator(system, { name: 'Ada Admin', role: 'admin' });
  });

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });

  it('a wrong password shows an alert; the right one lands on Live; signing out returns to the form', async () => {
    const page = await browser.newPage();
    // A signed-out visit to a console page goes to the sign-in form.
    await page.goto(`${system.gatewayUrl}/console/calls`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(page.url()).toContain('/console/sign-in');
    await checkAccessibility(page);

    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(`${admin.password}-wrong`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/wrong|invalid|incorrect/i);
    expect(page.url()).toContain('/console/sign-in');
    await checkAccessibility(page);

    await signInThroughPage(page, system.gatewayUrl, admin);
    expect(page.url()).toContain('/console/live');
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const link of ['Live', 'Calls', 'Customers', 'Queue', 'Agents', 'Knowledge', 'Health', 'Operators', 'Audit'])
      await expect(nav.getByRole('link', { name: link, exact: true }).count()).resolves.toBe(1);
    await checkAccessibility(page);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    // The session is gone server-side too: a console page asks to sign in again.
    await page.goto(`${system.gatewayUrl}/console/live`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(browser.pageErrors).toEqual([]);
  });
});
