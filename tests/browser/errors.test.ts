/**
 * Error and not-found states: unknown model names and version ids answer HTTP 404 with the
 * not-found page of their route; a console whose API is down says so on every page (in
 * production, where Next hides server error messages) and on the sign-in form, instead of a bare
 * "something went wrong".
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, shot, signedIn } from './browser.js';
import { freePort, startConsole, type StandaloneConsole } from './platform.js';

const p = inject('platform');
const NO_SUCH_UUID = '00000000-0000-0000-0000-000000000000';
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * Opens `path` and checks it answers 404 with its route's not-found page for `resource` (the
 * proxy asks the API before the page streams its loading state).
 */
async function expectNotFound(page: Page, path: string, resource: string) {
  const res = await page.goto(`${p.consoleUrl}${path}`);
  expect(res?.status()).toBe(404);
  await expect.poll(() => page.locator('main h1').textContent()).toBe('Not found');
  const body = page.getByTestId('not-found');
  expect(await body.getAttribute('data-resource')).toBe(resource);
  return { body };
}

describe('not found', () => {
  it('answers an unknown model name with the models not-found page', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    const { body } = await expectNotFound(page, '/models/no-such-model', 'model');
    expect(await body.textContent()).toContain('No model is registered under this name');
    expect(await body.getByRole('link', { name: 'models page' }).getAttribute('href')).toBe(
      '/models',
    );
    // The model that does exist still opens (the page is not "not found" for everything).
    expect((await page.goto(`${p.consoleUrl}/models/${p.modelName}`))?.status()).toBe(200);
    await page.getByTestId('versions-table').waitFor();
    expect(await page.getByTestId('not-found').count()).toBe(0);
    await shot(page, 'model-not-found');
    await page.context().close();
  });

  it('answers an unknown or malformed version id with the lineage not-found page', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    for (const id of [NO_SUCH_UUID, 'not-a-version-id']) {
      const { body } = await expectNotFound(page, `/lineage/${id}`, 'version');
      expect(await body.textContent()).toContain('There is no model version with this id');
      expect(await body.getByRole('link').first().getAttribute('href')).toBe('/models');
    }
    // A run id is not a version id either; a version's lineage answers 200.
    await expectNotFound(page, `/lineage/${p.runA}`, 'version');
    expect((await page.goto(`${p.consoleUrl}/lineage/${p.versionA}`))?.status()).toBe(200);
    await shot(page, 'lineage-not-found');
    await page.context().close();
  });

  it('answers an unknown run id with the runs not-found page', async () => {
    const page = await signedIn(browser, p.consoleUrl, p.viewerKey);
    const { body } = await expectNotFound(page, `/runs/${NO_SUCH_UUID}`, 'run');
    expect(await body.getByRole('link', { name: 'runs table' }).getAttribute('href')).toBe('/runs');
    await page.context().close();
  });
});

describe('API unreachable', () => {
  let deadApi: string;
  let web: StandaloneConsole;

  beforeAll(async () => {
    // A port nothing listens on: connections are refused, as when the API is down.
    deadApi = `http://127.0.0.1:${await freePort()}`;
    web = await startConsole(deadApi);
  });
  afterAll(async () => {
    await web?.close();
  });

  /** A page of the dead-API console with a key cookie (the proxy lets it through). */
  async function pageWithKey(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await context.addCookies([
      { name: 'graft_key', value: p.viewerKey, url: web.url, httpOnly: true },
    ]);
    return context.newPage();
  }

  it('says on each page that the API cannot be reached and what to check', async () => {
    const page = await pageWithKey();
    for (const [path, heading] of [
      ['/runs', 'The runs could not be loaded'],
      [`/runs/${p.runA}`, 'This run could not be loaded'],
      [`/compare?ids=${p.runA},${p.runB}`, 'The comparison could not be loaded'],
      ['/models', 'The models could not be loaded'],
      [`/models/${p.modelName}`, 'This model could not be loaded'],
      [`/lineage/${p.versionA}`, 'This lineage could not be loaded'],
      ['/backbones', 'The backbones could not be loaded'],
      ['/datasets', 'The datasets could not be loaded'],
      ['/runs/new', 'The New run form could not be loaded'],
    ] as const) {
      await page.goto(`${web.url}${path}`);
      const state = page.getByTestId('error-state');
      await state.waitFor({ timeout: 20_000 });
      expect({ path, heading: await page.locator('main h1').textContent() }).toEqual({
        path,
        heading,
      });
      expect(await state.getAttribute('data-code')).toBe('API_UNREACHABLE');
      expect(await page.getByTestId('error-title').textContent()).toContain(
        'The console cannot reach the Graft API',
      );
      expect(await page.getByTestId('error-hint').textContent()).toContain('GRAFT_API_URL');
      // Production hides server messages: nothing of the raw error leaks to the page.
      expect(await page.locator('main').textContent()).not.toContain('ECONNREFUSED');
      if (path === '/runs') await shot(page, 'api-unreachable');
    }
    await page.context().close();
  });

  it('answers client requests with a coded 502, and the sign-in form with what to do', async () => {
    const page = await pageWithKey();
    await page.goto(`${web.url}/sign-in`);
    const proxied = await page.evaluate(async () => {
      const res = await fetch('/api/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ me { name } }' }),
      });
      const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
      return { status: res.status, code: body.errors?.[0]?.extensions?.code };
    });
    expect(proxied).toEqual({ status: 502, code: 'API_UNREACHABLE' });

    await page.getByLabel('API key').fill(p.viewerKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect
      .poll(() => page.locator('#key-error').textContent())
      .toContain(`Cannot reach the Graft API at ${deadApi}`);
    expect(await page.locator('#key-error').textContent()).toContain('GRAFT_API_URL');
    expect(page.url()).toContain('/sign-in');
    await page.context().close();
  });
});
