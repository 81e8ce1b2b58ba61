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

const rowIds = (page: import('playwright-core').Page) =>
  page
    .getByTestId('run-row')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id') ?? ''));

describe('runs table', () => {
  it('lists the runs with their columns, filters and sorts in the URL, and selects runs to compare', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    await page.getByTestId('runs-table').waitFor();
    const ids = await rowIds(page);
    expect(ids).toContain(p.runA);
    expect(ids).toContain(p.runB);
    const rowB = page.locator(`[data-testid="run-row"][data-run-id="${p.runB}"]`);
    expect(await rowB.getByTestId('run-status').textContent()).toContain('succeeded');
    expect(await rowB.textContent()).toContain('fine-tuning');
    expect(await rowB.textContent()).toContain('1e-4'); // fine-tuning learning rate
    await shot(page, 'runs');

    // Filter: mode (kept in the URL, restarts at page 1).
    await page.getByTestId('filter-mode').selectOption('fine-tuning');
    await page.waitForURL(/mode=fine-tuning/);
    await expect.poll(() => rowIds(page)).not.toContain(p.runA);
    expect(await rowIds(page)).toContain(p.runB);

    // A tag nobody uses: the empty state offers to clear the filters.
    await page.goto(`${p.consoleUrl}/runs?tag=no-such-tag`);
    await page.getByTestId('runs-empty').waitFor();
    expect(await page.getByTestId('runs-empty').textContent()).toContain('No runs match');

    // Sort by test accuracy: the header says so.
    await page.goto(`${p.consoleUrl}/runs`);
    await page.getByTestId('runs-sort-testAccuracy').click();
    await page.waitForURL(/order=testAccuracy/);
    expect(await page.getByTestId('runs-th-testAccuracy').getAttribute('aria-sort')).toBe(
      'descending',
    );

    // Select two runs: Compare links to /compare?ids=a,b.
    await page
      .locator(`[data-testid="run-row"][data-run-id="${p.runA}"]`)
      .getByTestId('run-select')
      .check();
    await page
      .locator(`[data-testid="run-row"][data-run-id="${p.runB}"]`)
      .getByTestId('run-select')
      .check();
    const href = await page.getByTestId('runs-compare').getAttribute('href');
    expect(href).toMatch(/^\/compare\?ids=/);
    expect(href!.replace('/compare?ids=', '').split(',').sort()).toEqual([p.runA, p.runB].sort());
    await page.context().close();
  });
});

describe('run page', () => {
  it('shows the curves, the layer strip, hyperparameters, evaluation, artifacts and lineage', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    await page
      .locator(`[data-testid="run-row"][data-run-id="${p.runB}"] [data-testid="run-link"]`)
      .click();
    await page.waitForURL(new RegExp(`/runs/${p.runB}$`));
    await page.getByTestId('run-detail').waitFor();

    // Curves: train and validation lines, per phase (fine-tuning has two phases).
    await expect
      .poll(() => page.locator('[data-testid="run-curves"] .recharts-line-curve').count())
      .toBeGreaterThanOrEqual(8);

    // Layer strip: frozen and trainable backbone cells, the cut, the new head.
    const strip = page.getByTestId('layer-strip');
    expect(await strip.locator('[data-state="frozen"]').count()).toBeGreaterThan(0);
    expect(await strip.locator('[data-state="trainable"]').count()).toBeGreaterThan(0);
    expect(await strip.locator('[data-state="head"]').count()).toBeGreaterThan(0);
    await page.getByTestId('layer-strip-cut').waitFor();

    // Keyboard: focus a cell, move with the arrows; the details line follows.
    await strip.locator('[data-layer]').first().focus();
    await page.keyboard.press('ArrowRight');
    const second = await strip.locator('.ls-cells [data-layer]').nth(1).getAttribute('data-layer');
    await expect.poll(() => page.getByTestId('layer-strip-info').textContent()).toContain(second!);
    // Expand: the layer table lists every layer with its state.
    await page.getByTestId('layer-strip-toggle').click();
    expect(await strip.locator('table tbody tr').count()).toBe(
      await strip.locator('.ls-cells [data-layer]').count(),
    );

    expect(await page.getByTestId('run-hyperparameters').textContent()).toContain('fine-tuning');
    await page.getByTestId('confusion-matrix').waitFor();
    expect(await page.getByTestId('per-class-table').locator('tbody tr').count()).toBe(2);
    expect(await page.getByTestId('run-artifacts').getByRole('link').count()).toBeGreaterThan(0);
    await page.getByTestId('run-lineage').locator('summary').click();
    expect(await page.getByTestId('run-lineage').locator('pre').textContent()).toContain(
      'weightsSha256',
    );
    // A viewer cannot register versions.
    expect(await page.getByTestId('register-open').count()).toBe(0);
    await shot(page, 'run');
    await page.context().close();
  });

  it('links a registered run to its model version; editors may register unregistered runs', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.editorKey);
    await page.goto(`${p.consoleUrl}/runs/${p.runA}`);
    // Run A is version 1 of the seeded model: a run becomes at most one version.
    const link = page.getByTestId('run-registered').getByRole('link');
    expect(await link.getAttribute('href')).toBe(`/models/${p.modelName}`);
    expect(await link.textContent()).toBe(`${p.modelName} v1`);
    expect(await page.getByTestId('register-open').count()).toBe(0);
    await page.context().close();
  });

  it('answers an unknown run id with the not-found page and HTTP 404', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-run-id']) {
      const res = await page.goto(`${p.consoleUrl}/runs/${id}`);
      expect(res?.status()).toBe(404);
      await expect.poll(() => page.locator('main h1').textContent()).toBe('Not found');
      expect(await page.getByTestId('not-found').getAttribute('data-resource')).toBe('run');
    }
    // A run that exists still answers 200, and so does the New run form under /runs/.
    expect((await page.goto(`${p.consoleUrl}/runs/${p.runA}`))?.status()).toBe(200);
    expect((await page.goto(`${p.consoleUrl}/runs/new`))?.status()).toBe(200);
    await page.context().close();
  });
});
