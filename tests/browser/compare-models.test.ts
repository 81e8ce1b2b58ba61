import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, shot, signedIn } from './browser.js';
import { apiData } from './platform.js';
import { waitForRun } from './seed.js';

const p = inject('platform');
let browser: Browser;

interface ResolvedLayer {
  name: string;
  origin: string;
  trainable: boolean;
}

/** Layer name -> trainable, from a trained run's resolved layer table. */
async function trainableByLayer(runId: string): Promise<Map<string, boolean>> {
  const { run } = await apiData<{ run: { surgery: { layers: ResolvedLayer[] } } }>(
    p.apiUrl,
    p.maintainerKey,
    `query($id: ID!) { run(id: $id) { surgery } }`,
    { id: runId },
  );
  return new Map(
    run.surgery.layers.filter((l) => l.origin === 'backbone').map((l) => [l.name, l.trainable]),
  );
}

const attr = (page: Page, selector: string, name: string) =>
  page
    .locator(selector)
    .evaluateAll((els, n) => els.map((e) => e.getAttribute(n as string) ?? ''), name);

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('compare', () => {
  it('explains how to pick runs when fewer than two are given', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    await page.goto(`${p.consoleUrl}/compare?ids=${p.runA}`);
    await page.getByTestId('compare-empty').waitFor();
    expect(await page.getByTestId('compare-empty').getByRole('link').getAttribute('href')).toBe(
      '/runs',
    );
    await page.context().close();
  });

  it('compares two runs that differ in freeze point and fine-tune rate: exactly those differences highlighted, the best run marked', async () => {
    const [b, c] = [p.runB, p.runC];
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    await page.goto(`${p.consoleUrl}/compare?ids=${b},${c}`);
    // Fully drawn: 2 charts (loss, accuracy) x 2 runs x (train, validation).
    await expect
      .poll(() => page.locator('[data-testid="compare-curves"] .recharts-line-curve').count())
      .toBe(8);

    // Layers: exactly conv2 (frozen in C, trainable in phase 2 of B) is marked, in the table
    // and on both strips; the runs' own resolved layer tables say the same.
    const [lb, lc] = [await trainableByLayer(b), await trainableByLayer(c)];
    const resolvedDiff = [...lb.keys()].filter((n) => lc.has(n) && lb.get(n) !== lc.get(n));
    expect(resolvedDiff).toEqual(['conv2']);
    expect(await attr(page, '[data-testid="compare-layers"] tr.diff', 'data-layer')).toEqual([
      'conv2',
    ]);
    for (const strip of ['compare-strip-0', 'compare-strip-1'])
      expect(
        await attr(page, `[data-testid="${strip}"] .ls-cell[data-differs="true"]`, 'data-layer'),
      ).toEqual(['conv2']);

    // Hyperparameters. The seed changes two settings (freeze, fine-tune learning rate); two
    // more rows follow from the freeze point (frozen and trainable parameter counts: conv2 has
    // weights); the results differ when training made them differ (per the runs' own records).
    // Nothing else may be marked: same backbone, dataset, mode, head, epochs, head rate, ...
    const { r0, r1 } = await apiData<{
      r0: { bestValAccuracy: number; testAccuracy: number };
      r1: { bestValAccuracy: number; testAccuracy: number };
    }>(
      p.apiUrl,
      p.maintainerKey,
      `query($b: ID!, $c: ID!) { r0: run(id: $b) { bestValAccuracy testAccuracy } r1: run(id: $c) { bestValAccuracy testAccuracy } }`,
      { b, c },
    );
    const results = (['bestValAccuracy', 'testAccuracy'] as const).filter((k) => r0[k] !== r1[k]);
    const expected = [
      'freeze',
      'fineTuneLearningRate',
      'frozenParams',
      'trainableParams',
      ...results,
    ].sort();
    const params = page.getByTestId('compare-params');
    const differing = await attr(page, '[data-testid="compare-params"] tr.diff', 'data-param');
    expect([...differing].sort()).toEqual(expected);
    // Every row the page shows is either marked or has the same value in both columns.
    const rows = await params.locator('tbody tr[data-param]').evaluateAll((trs) =>
      trs.map((tr) => ({
        name: tr.getAttribute('data-param') ?? '',
        diff: tr.classList.contains('diff'),
        values: Array.from(tr.querySelectorAll('td'), (td) => td.getAttribute('title') ?? ''),
      })),
    );
    expect(rows.length).toBeGreaterThan(expected.length);
    for (const row of rows)
      expect({ param: row.name, marked: row.diff }).toEqual({
        param: row.name,
        marked: row.values[0] !== row.values[1],
      });
    expect(await params.locator('tr[data-param="learningRate"]').textContent()).toMatch(
      /3e-3.*3e-3/,
    );
    expect(await params.locator('tr[data-param="fineTuneLearningRate"]').textContent()).toMatch(
      /1e-4.*3e-4/,
    );
    // "Differences only" hides every unmarked row.
    await page.getByLabel('Differences only').check();
    await expect.poll(() => params.locator('tr[data-param="optimizer"]').count()).toBe(0);
    expect(
      (await attr(page, '[data-testid="compare-params"] tbody tr', 'data-param')).sort(),
    ).toEqual(expected);
    await page.getByLabel('Differences only').uncheck();

    // Final metrics: the run with the lower final validation loss (the last epoch of its series
    // as the API records it) is the one marked best in that column, and only it.
    const { compareRuns } = await apiData<{
      compareRuns: {
        bestRunId: string;
        series: { runId: string; epochs: { valLoss: number }[] }[];
      };
    }>(
      p.apiUrl,
      p.maintainerKey,
      `query($ids: [ID!]!) { compareRuns(ids: $ids) { bestRunId series { runId epochs { valLoss } } } }`,
      { ids: [b, c] },
    );
    const finalValLoss = new Map(
      compareRuns.series.map((s) => [s.runId, s.epochs[s.epochs.length - 1]!.valLoss]),
    );
    expect(finalValLoss.get(b)).not.toBe(finalValLoss.get(c));
    const lowerValLoss = finalValLoss.get(b)! < finalValLoss.get(c)! ? b : c;
    const metrics = page.getByTestId('compare-metrics');
    const bestIn = (metric: string) =>
      metrics
        .locator(`tbody tr:has(td[data-metric="${metric}"].best)`)
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run') ?? ''));
    expect(await bestIn('valLoss')).toEqual([lowerValLoss]);
    // Test accuracy: the best cells are the runs with the highest; the run badged best overall
    // is the API's bestRunId, one of them.
    const top = Math.max(r0.testAccuracy, r1.testAccuracy);
    const withTop = [b, c].filter((_, i) => [r0, r1][i]!.testAccuracy === top);
    expect((await bestIn('testAccuracy')).sort()).toEqual(withTop.sort());
    expect(withTop).toContain(compareRuns.bestRunId);
    expect(
      await metrics
        .locator('tbody tr[data-best="true"]')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-run'))),
    ).toEqual([compareRuns.bestRunId]);
    expect(
      await page
        .locator(`[data-testid="compare-runs"] li[data-run="${compareRuns.bestRunId}"]`)
        .getByTestId('best-run')
        .count(),
    ).toBe(1);
    expect(await page.getByTestId('best-run').count()).toBe(1);
    await shot(page, 'compare');
    await page.context().close();
  });
});

describe('models', () => {
  const versionRow = (page: Page, version: number) =>
    page.locator(`[data-testid="version-row"][data-version="${version}"]`);

  afterAll(async () => {
    // Leave the seeded state as other files expect it: production on version A.
    await apiData(
      p.apiUrl,
      p.maintainerKey,
      `mutation($id: ID!) { promoteModelVersion(versionId: $id, alias: "production", reason: "restore after the browser test") { id } }`,
      { id: p.versionA },
    );
  });

  it('lists the registered models with their aliases', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    await page.goto(`${p.consoleUrl}/models`);
    const row = page.locator(`[data-testid="model-row"][data-model="${p.modelName}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('production → v1');
    await shot(page, 'models');
    await page.context().close();
  });

  it('as viewer, shows no promote control, and the API refuses a promotion', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    await page.goto(`${p.consoleUrl}/models/${p.modelName}`);
    await page.getByTestId('versions-table').waitFor();
    expect(await page.getByTestId('promote-button').count()).toBe(0);
    expect(await page.getByTestId('archive-button').count()).toBe(0);
    await page.getByTestId('role-note').waitFor();
    // The same request a promote button would send, through the console's proxy.
    const code = await page.evaluate(async (versionId) => {
      const res = await fetch('/api/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          query: `mutation($v: ID!) { promoteModelVersion(versionId: $v, alias: "production", reason: "x") { id } }`,
          variables: { v: versionId },
        }),
      });
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      return body.errors?.[0]?.extensions?.code;
    }, p.versionB);
    expect(code).toBe('FORBIDDEN');
    await page.context().close();
  });

  it('as editor, shows production disabled with why, and archive disabled', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.editorKey);
    await page.goto(`${p.consoleUrl}/models/${p.modelName}`);
    await versionRow(page, 2).getByTestId('promote-button').click();
    const dialog = page.getByTestId('promote-dialog');
    await dialog.waitFor();
    const production = dialog.getByRole('radio', { name: /production/ });
    expect(await production.isDisabled()).toBe(true);
    expect(await production.getAttribute('title')).toMatch(/maintainer/i);
    expect(await versionRow(page, 2).getByTestId('archive-button').isDisabled()).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.context().close();
  });

  it('as maintainer, promotes a version to production: the alias moves and is audited', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.maintainerKey);
    await page.goto(`${p.consoleUrl}/models/${p.modelName}`);
    expect(await page.getByTestId('alias-production-version').textContent()).toBe('v1');
    await versionRow(page, 2).getByTestId('promote-button').click();
    const dialog = page.getByTestId('promote-dialog');
    await dialog.getByRole('radio', { name: /production/ }).check();
    // The candidate beside the current holder.
    const sbs = dialog.getByTestId('promote-compare');
    await sbs.waitFor();
    expect(await sbs.locator('thead').textContent()).toMatch(/Candidate · v2.*Current · v1/);
    expect(await sbs.textContent()).toContain('Frozen layers');
    // A reason is required.
    await dialog.getByTestId('promote-confirm').click();
    await dialog.locator('.field-error').waitFor();
    await dialog.getByTestId('promote-reason').fill('fine-tuned last block is better');
    await shot(page, 'promote-dialog');
    await dialog.getByTestId('promote-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('alias-production-version').textContent()).toBe('v2');
    const event = page.getByTestId('alias-event').first();
    expect(await event.getAttribute('data-alias')).toBe('production');
    expect(await event.getByTestId('alias-move').textContent()).toMatch(/v1\s*→\s*v2/);
    expect(await event.textContent()).toContain('fine-tuned last block is better');
    await shot(page, 'model');
    await page.context().close();
  });

  it('as maintainer, archives a version with a reason', async () => {
    // A run is one version at most: a small new run for a model of its own.
    const name = 'archive-me';
    const q = <T>(query: string, variables: Record<string, unknown>) =>
      apiData<T>(p.apiUrl, p.maintainerKey, query, variables);
    const { startRun } = await q<{ startRun: { id: string } }>(
      `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
      {
        input: {
          backboneId: p.backboneId,
          datasetId: p.datasetId,
          surgery: {},
          train: { mode: 'feature-extraction', epochs: 1, engine: { workers: 0 } },
          tags: ['archive-test'],
        },
      },
    );
    await waitForRun(p.apiUrl, p.maintainerKey, startRun.id);
    await q(
      `mutation($runId: ID!, $name: String!) { createModelVersion(runId: $runId, modelName: $name) { id } }`,
      { runId: startRun.id, name },
    );
    const page = await signedIn(browser, p.consoleUrl, p.maintainerKey);
    await page.goto(`${p.consoleUrl}/models/${name}`);
    await versionRow(page, 1).getByTestId('archive-button').click();
    const dialog = page.getByTestId('archive-dialog');
    await dialog.getByTestId('archive-reason').fill('superseded');
    await dialog.getByTestId('archive-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await versionRow(page, 1).getByTestId('archived').waitFor();
    expect(await versionRow(page, 1).getByTestId('promote-button').count()).toBe(0);
    await page.context().close();
  });
});

describe('lineage', () => {
  it('draws backbone weights and dataset through the run to the version, nodes linked', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    await page.goto(`${p.consoleUrl}/lineage/${p.versionA}`);
    const graph = page.getByTestId('lineage-graph');
    await graph.waitFor();
    const href = (kind: string) =>
      graph.locator(`a[data-testid="lineage-node-${kind}"]`).getAttribute('href');
    expect(await href('backbone')).toBe(`/backbones?id=${p.backboneId}`);
    expect(await href('dataset')).toBe('/datasets');
    expect(await href('run')).toBe(`/runs/${p.runA}`);
    expect(await href('version')).toBe(`/models/${p.modelName}`);
    expect(await graph.textContent()).toMatch(/sha256 [0-9a-f]{12}/);
    const record = page.getByTestId('lineage-record');
    await record.locator('summary').click();
    expect(await record.locator('pre').textContent()).toContain('"contentHash"');
    await shot(page, 'lineage');
    await page.context().close();
  });
});
