import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, shot } from './browser.js';

const p = inject('platform');
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(`${p.apiUrl}/graphql`);
  await page.waitForFunction(() => 'graftFetcher' in window);
});
afterAll(async () => {
  await browser?.close();
});

/** Runs a subscription through the page's own GraphiQL fetcher with the given headers. */
function subscribe(headers: Record<string, string>) {
  return page.evaluate(
    async ({ runId, headers }) => {
      const fetcher = (
        window as unknown as { graftFetcher: (params: unknown, opts: unknown) => unknown }
      ).graftFetcher;
      const results: unknown[] = [];
      const stream = await fetcher(
        {
          query: 'subscription Progress($id: ID!) { runProgress(runId: $id) { runId status } }',
          operationName: 'Progress',
          variables: { id: runId },
        },
        {
          headers,
          // What GraphiQL's editor passes along: the parsed operation, which routes it to the
          // WebSocket client. Only the operation's kind and name matter for that.
          documentAST: {
            kind: 'Document',
            definitions: [
              {
                kind: 'OperationDefinition',
                operation: 'subscription',
                name: { kind: 'Name', value: 'Progress' },
                variableDefinitions: [],
                directives: [],
                selectionSet: { kind: 'SelectionSet', selections: [] },
              },
            ],
          },
        },
      );
      try {
        for await (const r of stream as AsyncIterable<unknown>) results.push(r);
      } catch (err) {
        results.push({ thrown: String(err) });
      }
      return results;
    },
    { runId: p.runA, headers },
  );
}

describe('GraphiQL (served by the API, no CDN)', () => {
  it('sends the key from the header editor on subscriptions too', async () => {
    await shot(page, 'graphiql');
    const withKey = await subscribe({ Authorization: `Bearer ${p.viewerKey}` });
    expect(withKey.at(-1)).toEqual({
      data: { runProgress: { runId: p.runA, status: 'succeeded' } },
    });
    const without = JSON.stringify(await subscribe({}));
    expect(without).toMatch(/UNAUTHENTICATED|sign in|api key/i);
  });
});
