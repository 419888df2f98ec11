import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';

const BUILT_CONSOLE = path.join(__dirname, '..', '..', 'dist', 'console', 'index.html');

/** The browser tests drive the built console (`npm test` builds it before jest). */
export function requireBuiltConsole(): void {
  if (!fs.existsSync(BUILT_CONSOLE))
    throw new Error(`the console is not built (${BUILT_CONSOLE} is missing): run \`npm run build:console\``);
}

/** Signs in through the sign-in form and waits for the Live page the console lands on. */
export async function signInThroughPage(
  page: Page,
  gatewayUrl: string,
  operator: { email: string; password: string },
): Promise<void> {
  await page.goto(`${gatewayUrl}/console/sign-in`);
  await page.getByLabel('Email').fill(operator.email);
  await page.getByLabel('Password').fill(operator.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Live calls' }).waitFor();
}
