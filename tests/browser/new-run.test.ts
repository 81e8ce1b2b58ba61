/**
 * New run, Backbones and Datasets: a fine-tuning run refused for its learning rate (the API's
 * reason on the field), then started and followed live on its page until it succeeds; the
 * backbone layer table; the dataset form's field errors; role gating.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, shot, signedIn } from './browser.js';
import { apiData } from './platform.js';

const p = inject('platform');
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const FT_LR = 'Fine-tune learning rate (phase 2)';

/** One observed state of the run page: status badge, progress line, epochs on the curves. */
interface LiveEntry {
  t: number;
  status: string;
  phase: string;
  epoch: string;
  points: number;
}
type LiveWindow = Window & { __liveRun?: LiveEntry[] };

/**
 * Runs in the page: logs every change of the run page's live parts as the DOM changes (a
 * MutationObserver sees each render, however short-lived, unlike polling from the test).
 */
function recordLiveRun() {
  const w = window as unknown as LiveWindow;
  const log: LiveEntry[] = (w.__liveRun = []);
  const text = (id: string) =>
    document.querySelector(`[data-testid="${id}"]`)?.textContent?.trim() ?? '';
  const snap = () => {
    const e = {
      t: Math.round(performance.now()),
      status: text('run-status'),
      phase: text('run-progress-phase'),
      epoch: text('run-progress-epoch'),
      points: Number(
        document.querySelector('[data-testid="run-curves"]')?.getAttribute('data-epochs') ?? 0,
      ),
    };
    const last = log[log.length - 1];
    if (
      !last ||
      last.status !== e.status ||
      last.phase !== e.phase ||
      last.epoch !== e.epoch ||
      last.points !== e.points
    )
      log.push(e);
  };
  new MutationObserver(snap).observe(document.body, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
  });
  snap();
}

async function openForm(page: Page) {
  await page.goto(`${p.consoleUrl}/runs/new`);
  await page.getByTestId('new-run-form').waitFor();
  await page.getByLabel('Backbone', { exact: true }).selectOption(p.backboneId);
  await page.getByLabel('Dataset', { exact: true }).selectOption(p.datasetId);
  // The backbone's layers arrive: the strip previews the request.
  await page.getByTestId('new-run-strip').waitFor();
}

describe('new run', () => {
  it('shows a viewer a notice instead of the form', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    await page.goto(`${p.consoleUrl}/runs/new`);
    await expect
      .poll(() => page.getByTestId('new-run-forbidden').textContent())
      .toContain('editor');
    expect(await page.getByTestId('new-run-form').count()).toBe(0);
    await page.context().close();
  });

  it('shows the refusal of a high fine-tune learning rate on its field, then starts a good run and follows it live', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.editorKey);
    await openForm(page);
    await shot(page, 'new-run');

    await page.getByTestId('mode-fine-tuning').check();
    // Freeze point on the layer strip: conv1 and pool1 stay frozen, conv2..flatten train in phase 2.
    await page.getByTestId('freeze-upTo').check();
    await page.getByTestId('new-run-strip').locator('[data-layer="pool1"]').click();
    await expect.poll(() => page.getByLabel(/Last frozen layer/).inputValue()).toBe('pool1');
    await expect
      .poll(() =>
        page
          .getByTestId('new-run-strip')
          .locator('[data-layer="conv2"]')
          .getAttribute('data-state'),
      )
      .toBe('trainable');
    await page.getByLabel('Head epochs (phase 1)').fill('3');
    await page.getByLabel('Fine-tune epochs (phase 2)').fill('3');
    await page.getByLabel(/Stop a phase early/).uncheck();
    await page.getByLabel('Tags (comma-separated)').fill('new-run-test');

    // A bad learning rate: refused by the API, its reason shown on the field.
    await page.getByLabel(FT_LR).fill('0.1');
    await page.getByTestId('start-run').click();
    const fieldError = page.getByTestId('error-train.fineTune.learningRate');
    await fieldError.waitFor();
    expect(await fieldError.textContent()).toMatch(/learning rate 0\.1 is above 0\.001/);
    expect(await page.getByLabel(FT_LR).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('new-run-errors').textContent()).toContain('not started');
    expect(page.url()).toMatch(/\/runs\/new$/);
    await shot(page, 'new-run-lr-refused');

    // A good one: editing clears the error; the run starts and its page follows it live.
    await page.getByLabel(FT_LR).fill('0.0001');
    expect(await fieldError.count()).toBe(0);
    // From here on, every change of the run's status, progress line and curves is logged in the
    // page. The form hands over to the run page by client-side navigation, so the log (and its
    // document) surviving to the end also proves that nothing reloaded the page.
    await page.evaluate(recordLiveRun);
    await page.getByTestId('start-run').click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const runId = page.url().split('/').pop()!;
    await page.getByTestId('run-status').waitFor();
    await page.waitForFunction(
      () => {
        const log = (window as unknown as LiveWindow).__liveRun ?? [];
        return ['succeeded', 'failed', 'cancelled'].includes(log.at(-1)?.status ?? '');
      },
      undefined,
      { timeout: 150_000, polling: 500 },
    );
    const log = await page.evaluate(() => (window as unknown as LiveWindow).__liveRun);
    expect(log, 'the page was reloaded: the live log is gone').toBeDefined();
    if (process.env.GRAFT_TEST_VERBOSE) process.stderr.write(`[live] ${JSON.stringify(log)}\n`);
    const statuses = log!
      .map((e) => e.status)
      .filter(Boolean)
      .filter((st, i, all) => st !== all[i - 1]);
    // Opened while queued or running, followed to the end without a reload.
    expect(['queued', 'running']).toContain(statuses[0]);
    expect(statuses.at(-1)).toBe('succeeded');
    // While it trained (before it succeeded), the progress line moved on through epochs and
    // phases, and epochs landed on the curves as points.
    const training = log!.filter((e) => e.status === 'running');
    const steps = [...new Set(training.filter((e) => e.epoch).map((e) => `${e.phase} ${e.epoch}`))];
    expect(
      steps.length,
      `progress seen while running: ${steps.join(' | ')}`,
    ).toBeGreaterThanOrEqual(2);
    expect(steps.some((x) => x.includes('fine-tune'))).toBe(true);
    const points = training.map((e) => e.points);
    expect(Math.max(...points), 'no epoch reached the curves while running').toBeGreaterThan(
      Math.min(...points),
    );
    expect(Math.max(...points)).toBeGreaterThanOrEqual(2);
    // Once it ends the page shows the recorded results (curves, test accuracy).
    await expect
      .poll(() => page.getByTestId('run-test-accuracy').textContent(), { timeout: 20_000 })
      .toMatch(/%/);
    await page.getByTestId('run-curves').waitFor();
    await shot(page, 'new-run-succeeded');

    // The form sent exactly the specs it showed.
    const { run } = await apiData<{
      run: {
        mode: string;
        fineTuneLr: number;
        surgery: { request: unknown };
        train: unknown;
        tags: string[];
      };
    }>(
      p.apiUrl,
      p.maintainerKey,
      `query($id: ID!) { run(id: $id) { mode fineTuneLr surgery train tags } }`,
      {
        id: runId,
      },
    );
    expect(run.mode).toBe('fine-tuning');
    expect(run.fineTuneLr).toBe(1e-4);
    expect(run.tags).toEqual(['new-run-test']);
    expect(run.surgery.request).toMatchObject({ freeze: { kind: 'upTo', layer: 'pool1' } });
    expect(run.train).toMatchObject({
      mode: 'fine-tuning',
      epochs: 3,
      earlyStopping: false,
      fineTune: { epochs: 3, learningRate: 1e-4 },
    });
    await page.context().close();
  });
});

describe('backbones', () => {
  it('lists the registered backbones and expands one to its layer table', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    await page.goto(`${p.consoleUrl}/backbones`);
    const row = page.getByTestId('backbone-lenet5-mnist04');
    await row.waitFor();
    expect(await row.textContent()).toContain('28×28×1');
    await page.getByTestId('backbone-toggle-lenet5-mnist04').click();
    const table = page.getByTestId('backbone-layer-table');
    await table.waitFor();
    expect(await table.locator('tbody tr').count()).toBe(9);
    expect(await table.textContent()).toContain('last feature layer');
    await shot(page, 'backbones');
    await page.context().close();
  });
});

describe('datasets', () => {
  it('shows the datasets, and the create form puts the API errors on their fields', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.editorKey);
    await page.goto(`${p.consoleUrl}/datasets`);
    await page.getByTestId('datasets-table').waitFor();
    expect(await page.getByTestId('dataset-digits 5-6').textContent()).toContain('400');
    await shot(page, 'datasets');

    await page.getByLabel('Name', { exact: true }).fill('digits 3 only');
    await page.getByLabel('digit 3').check();
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await expect
      .poll(() => page.locator('#ds-digits-error').textContent())
      .toContain('at least 2 classes');
    await shot(page, 'datasets-form-error');

    await page.getByLabel('Name', { exact: true }).fill('digits 3-8');
    await page.getByLabel('digit 8').check();
    await page.getByLabel(/^Limit/).fill('100');
    await page.getByRole('button', { name: 'Create dataset' }).click();
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'Created' }).count())
      .toBe(1);
    await page.getByTestId('dataset-digits 3-8').waitFor();
    await page.context().close();
  });

  it('hides the create form from viewers', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    await page.goto(`${p.consoleUrl}/datasets`);
    await page.getByTestId('datasets-table').waitFor();
    expect(await page.getByTestId('create-dataset-form').count()).toBe(0);
    await page.context().close();
  });
});
