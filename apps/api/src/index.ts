/**
 * Starts the API: builds it with createServer(), listens, prints where, and shuts down
 * cleanly on SIGINT/SIGTERM (a second signal exits at once).
 */
import { ConfigError } from './env.js';
import { createServer, type GraftServer } from './server.js';

let server: GraftServer | undefined;
try {
  server = await createServer();
  const started = server;
  const url = await server.listen();
  console.log(`Graft API     ${url}`);
  console.log(`GraphQL       ${url}/graphql  (WebSocket: ${url.replace(/^http/, 'ws')}/graphql)`);
  console.log(`Database      ${server.database.kind}  ·  Storage  ${server.config.storage.kind}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    started.logger.info('shutting down', { signal });
    started.close().then(
      () => {
        process.exitCode = 0;
      },
      (error: unknown) => {
        started.logger.error('shutdown failed', { error });
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
  // E.g. the port is taken: release the database, store and queue so that the process exits.
  await server?.close();
}
