import { createRequire } from 'node:module';
import * as path from 'node:path';
import express from 'express';

/** Where the page's assets are mounted; everything the page loads lives under it. */
export const GRAPHIQL_ASSETS_PATH = '/graphiql';

const require = createRequire(import.meta.url);
/** The folder of an installed package (through its package.json, which all three export). */
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/**
 * GraphiQL 3 rather than the current major: 3 is the last to ship a UMD bundle that runs with
 * React 18's UMD builds and a `<script>` tag; later majors are ESM-only and need a bundler or a
 * CDN import map. Each entry: URL folder → the package folder served there, and the files used.
 */
const ASSETS = {
  react: { dir: () => path.join(packageDir('react'), 'umd'), files: ['react.production.min.js'] },
  'react-dom': {
    dir: () => path.join(packageDir('react-dom'), 'umd'),
    files: ['react-dom.production.min.js'],
  },
  graphiql: {
    dir: () => packageDir('graphiql'),
    files: ['graphiql.min.js', 'graphiql.min.js.map', 'graphiql.min.css'],
  },
} as const;

/** Options of {@link graphiqlRouter}. */
export interface GraphiqlOptions {
  /** Path of the GraphQL endpoint, also the page's path. Default `/graphql`. */
  endpoint?: string;
}

/**
 * GraphiQL served from local files (no CDN: the API works offline): the page at GET `endpoint`
 * for browsers (requests accepting text/html without a `query` parameter; other GETs go on to
 * Apollo), its assets under {@link GRAPHIQL_ASSETS_PATH}. The header editor starts with
 * `Authorization: Bearer ` to paste a key into.
 */
export function graphiqlRouter({ endpoint = '/graphql' }: GraphiqlOptions = {}): express.Router {
  const router = express.Router();
  for (const [name, asset] of Object.entries(ASSETS)) {
    const allowed = new Set<string>(asset.files);
    router.use(
      `${GRAPHIQL_ASSETS_PATH}/${name}`,
      // Only the files the page uses, not the whole package folder.
      (req, res, next) => (allowed.has(req.path.slice(1)) ? next() : res.sendStatus(404)),
      express.static(asset.dir(), { index: false, fallthrough: false, maxAge: '1d' }),
    );
  }
  const page = renderPage(endpoint);
  router.get(endpoint, (req, res, next) => {
    const wantsHtml = (req.headers.accept ?? '').includes('text/html');
    if (!wantsHtml || req.query['query'] !== undefined) {
      next();
      return;
    }
    res.type('html').set('Cache-Control', 'no-cache').send(page);
  });
  return router;
}

function renderPage(endpoint: string): string {
  const asset = (name: keyof typeof ASSETS, file: string) =>
    `${GRAPHIQL_ASSETS_PATH}/${name}/${file}`;
  // JSON.stringify, then `<` escaped, makes values safe inside an inline <script>.
  const config = JSON.stringify({
    endpoint,
    headers: JSON.stringify({ Authorization: 'Bearer ' }, null, 2),
  }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Graft API · GraphiQL</title>
    <link rel="stylesheet" href="${asset('graphiql', 'graphiql.min.css')}" />
    <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
  </head>
  <body>
    <div id="graphiql">Loading…</div>
    <script src="${asset('react', 'react.production.min.js')}"></script>
    <script src="${asset('react-dom', 'react-dom.production.min.js')}"></script>
    <script src="${asset('graphiql', 'graphiql.min.js')}"></script>
    <script>
      const config = ${config};
      const url = new URL(config.endpoint, location.href).toString();
      // Subscriptions go over graphql-ws, which has no headers: the key in the header editor
      // travels as the \`authorization\` connection parameter (one socket per key).
      const fetchers = new Map();
      const fetcher = (params, opts) => {
        const headers = (opts && opts.headers) || {};
        const authorization = headers.Authorization || headers.authorization || '';
        let f = fetchers.get(authorization);
        if (!f) {
          f = GraphiQL.createFetcher({
            url,
            subscriptionUrl: url.replace(/^http/, 'ws'),
            wsConnectionParams: { authorization },
          });
          fetchers.set(authorization, f);
        }
        return f(params, opts);
      };
      window.graftFetcher = fetcher; // for the browser test of subscriptions with a key
      ReactDOM.createRoot(document.getElementById('graphiql')).render(
        React.createElement(GraphiQL, {
          fetcher,
          defaultHeaders: config.headers,
          defaultEditorToolsVisibility: 'headers',
          shouldPersistHeaders: false,
        }),
      );
    </script>
  </body>
</html>
`;
}
