import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, shot, signedIn } from './browser.js';

const p = inject('platform');
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('sign-in', () => {
  it('sends a signed-out visitor to the sign-in page and refuses an unknown key', async () => {
    const page = await browser.newPage();
    await page.goto(`${p.consoleUrl}/runs`);
    await page.waitForURL(/\/sign-in/);
    await shot(page, 'sign-in');
    await page.getByLabel('API key').fill('graft_not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.locator('#key-error').textContent())
      .toContain('does not know this key');
    await page.close();
  });

  it('signs in with a key kept in an httpOnly cookie, shows the role, and signs out', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    const cookies = await page.context().cookies();
    const cookie = cookies.find((c) => c.name === 'graft_key');
    expect(cookie?.httpOnly).toBe(true);
    // Page scripts cannot read the key.
    expect(await page.evaluate(() => document.cookie)).not.toContain('graft_');
    await expect.poll(() => page.locator('header').textContent()).toContain('viewer');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    expect((await page.context().cookies()).find((c) => c.name === 'graft_key')).toBeUndefined();
    await page.context().close();
  });
});
