/** Debian's Chromium driven by playwright-core, signed in through the console's own form. */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ARTIFACTS = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'artifacts',
);

/** The browsers this test file launched and has not closed (for screenshots on failure). */
export const openBrowsers = new Set<Browser>();

export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  openBrowsers.add(browser);
  browser.on('disconnected', () => openBrowsers.delete(browser));
  return browser;
}

/** A fresh context (its own cookies) signed in with `key`; lands on /runs. */
export async function signedIn(browser: Browser, consoleUrl: string, key: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${consoleUrl}/sign-in`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/runs$/);
  return page;
}

/** A full-page screenshot under tests/artifacts/ (git-ignored). */
export async function shot(page: Page, name: string): Promise<void> {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Screenshots of failed tests start with this (globalSetup removes a previous run's). */
export const FAILED_PREFIX = 'failed-';

/**
 * A screenshot of every page still open in this file's browsers, named after the failed test:
 * `failed-<file>-<test>[-n].png`. A failing test never reaches its own `shot()` nor closes its
 * pages, so they still show where it stopped. Best effort: a hung page is skipped.
 */
export async function shotOnFailure(file: string, test: string): Promise<string[]> {
  const slug = (x: string) =>
    x
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80);
  const base = `${FAILED_PREFIX}${slug(path.basename(file, '.test.ts'))}-${slug(test)}`;
  const pages = [...openBrowsers].flatMap((b) => b.contexts().flatMap((c) => c.pages()));
  await mkdir(ARTIFACTS, { recursive: true });
  const saved: string[] = [];
  for (const [i, page] of pages.entries()) {
    const out = path.join(ARTIFACTS, `${base}${pages.length > 1 ? `-${i + 1}` : ''}.png`);
    try {
      await page.screenshot({ path: out, fullPage: true, timeout: 10_000 });
      saved.push(out);
    } catch {
      // closed or hung: nothing to show
    }
  }
  return saved;
}
