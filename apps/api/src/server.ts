import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
// --- auth & limits ---
import { specifiedRules, validate } from 'graphql';
import { ensureMaintainerKey, graphqlWsAuth, identify } from './auth/index.js';
import { graphiqlRouter } from './graphiql/index.js';
import { queryLimitRules } from './limits/index.js';
// --- end auth & limits ---
import type { GraphQLContext } from './context.js';
import { createDatabase, type Database, type Db } from './db/index.js';
import { loadConfig, type AppConfig } from './env.js';
import { createFormatError, graphqlWsErrorHooks } from './errors/index.js';
import { createMetrics } from './observability/metrics.js';
import { requestIds } from './observability/requestId.js';
import { createLogger, type Logger } from './logger.js';
import { createQueue, type TrainQueue } from './queue/index.js';
import { buildGraphQLSchema } from './schema.js';
import { createObjectStore, type ObjectStore } from './storage/index.js';
import { startEmbeddedWorker } from './worker/embeddedWorker.js';
import { downloadRoute, loadDownloadSecret } from './artifacts/downloadLinks.js';
import { ensureCatalogBackbones } from './services/backbone.service.js';
import { uploadRoute } from './datasets/uploadRoute.js';

export type { GraphQLContext } from './context.js';
export { loadConfig, type AppConfig } from './env.js';

/** Options of {@link createServer}. */
export interface CreateServerOptions {
  /** Parsed configuration. Default: {@link loadConfig} of the environment. */
  config?: AppConfig;
  /** Default: JSON lines on stderr at `config.logLevel`. */
  logger?: Logger;
  /**
   * Fork a training worker (a child process) with the API. Default: in embedded mode (PGlite)
   * yes; with DATABASE_URL no — production workers are started apart (`graft-api worker`).
   */
  worker?: boolean;
}

/** Everything the API process is made of, built and ready to listen. */
export interface GraftServer {
  app: express.Express;
  httpServer: http.Server;
  /** `http://host:port` once {@link GraftServer.listen} resolved; GraphQL is at `${url}/graphql`. */
  readonly url: string;
  config: AppConfig;
  /** The drizzle query builder (same as `database.db`). */
  db: Db;
  /** The database handle: pool, connection string, kind, ping. */
  database: Database;
  store: ObjectStore;
  queue: TrainQueue;
  schema: GraphQLSchema;
  logger: Logger;
  /** Listens on `config.host`:`config.port` (0: a free port). @returns the base URL. */
  listen(): Promise<string>;
  /**
   * Stops accepting requests and lets in-flight ones finish, closes WebSocket connections,
   * stops the queue, the object store and the database, in that order. Idempotent.
   */
  close(): Promise<void>;
}

/** How long each readiness check may take before it counts as failed. */
const READINESS_TIMEOUT_MS = 3_000;

/**
 * Builds the API: configuration → database (migrated) → object store → queue → GraphQL schema
 * → Express app with Apollo Server at `/graphql`, graphql-ws on the same path, `/healthz`
 * (the process is up) and `/readyz` (database, store and queue answer). Nothing listens
 * until {@link GraftServer.listen}; tests and workers reuse this factory and its shutdown.
 */
export async function createServer(options: CreateServerOptions = {}): Promise<GraftServer> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? createLogger(config.logLevel);

  // Each resource is closed in reverse order if a later one fails to start.
  const cleanups: (() => Promise<void>)[] = [];
  const unwind = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch((error: unknown) => logger.error('shutdown step failed', { error }));
    }
  };

  try {
    const database = await createDatabase(config.database, { logger });
    cleanups.push(() => database.close());
    // --- auth: the first start creates a maintainer key (printed once, saved 0600) ---
    await ensureMaintainerKey(database.db, config.dataDir, logger);
    const store = await createObjectStore(config.storage);
    cleanups.push(() => store.close());
    // The core catalog's pretrained backbones are registered at first start (2 ms afterwards).
    await ensureCatalogBackbones({ db: database.db, store, logger });
    const queue = await createQueue({
      ...config.queue,
      connectionString: database.connectionString,
      logger,
    });
    cleanups.push(() => queue.stop());
    if (options.worker ?? config.database.kind === 'pglite') {
      const worker = await startEmbeddedWorker({
        database,
        store,
        logLevel: config.logLevel,
        logger,
      });
      // Stops before the queue and the database it uses (cleanups run in reverse).
      cleanups.push(() => worker.stop());
    }
    const downloadSecret = await loadDownloadSecret({
      configured: config.urlSecret,
      dataDir: config.dataDir,
      logger,
    });
    const schema = await buildGraphQLSchema();

    const context: GraphQLContext = {
      config,
      db: database.db,
      transact: database.transact,
      store,
      queue,
      logger,
      auth: null,
      downloadSecret,
    };
    const app = express();
    app.disable('x-powered-by');
    // --- observability: request ids, latency histogram, /metrics ---
    const metrics = createMetrics({ db: database.db, queue, logger });
    app.use(requestIds(logger));
    app.use(metrics.httpTimer);
    app.get('/metrics', async (_req, res) => {
      res.set('content-type', metrics.registry.contentType);
      res.send(await metrics.registry.metrics());
    });
    const httpServer = http.createServer(app);

    // Upgrades routed by hand (noServer) so that the WebSocket server does not re-emit the
    // HTTP server's errors (a taken port would be reported twice).
    const wsServer = new WebSocketServer({ noServer: true });
    httpServer.on('upgrade', (request, socket, head) => {
      if (new URL(request.url ?? '/', 'http://localhost').pathname !== '/graphql') {
        socket.destroy();
        return;
      }
      wsServer.handleUpgrade(request, socket, head, (ws) =>
        wsServer.emit('connection', ws, request),
      );
    });
    // --- auth & limits: per-connection identity, the same query limits as over HTTP ---
    const limitRules = [...specifiedRules, ...queryLimitRules(config.queryLimits)];
    const wsAuth = graphqlWsAuth(database.db);
    const formatError = createFormatError(logger);
    const wsCleanup = useServer(
      {
        schema,
        // Errors masked and coded as over HTTP (graphql-ws would send internal messages as-is).
        ...graphqlWsErrorHooks(formatError),
        onConnect: (ctx) => wsAuth.onConnect(ctx),
        context: (ctx): GraphQLContext => ({ ...context, auth: wsAuth.authOf(ctx) }),
        validate: (wsSchema, document) => validate(wsSchema, document, limitRules),
      },
      wsServer,
    );
    // --- end auth & limits ---

    const apollo = new ApolloServer<GraphQLContext>({
      schema,
      formatError,
      includeStacktraceInErrorResponses: false,
      introspection: true,
      csrfPrevention: true,
      validationRules: queryLimitRules(config.queryLimits), // auth & limits
      // Apollo would otherwise stop itself on SIGINT/SIGTERM and re-raise the signal, killing
      // the process before the queue, store and PGlite are closed (PGlite unflushed).
      // Shutdown belongs to close(), which index.ts calls on those signals.
      stopOnTerminationSignals: false,
      logger: {
        debug: (message: unknown) => logger.debug(String(message)),
        info: (message: unknown) => logger.info(String(message)),
        warn: (message: unknown) => logger.warn(String(message)),
        error: (message: unknown) => logger.error(String(message)),
      },
      plugins: [
        ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: 5_000 }),
        {
          async serverWillStart() {
            return {
              async drainServer() {
                await wsCleanup.dispose();
              },
            };
          },
        },
        // No cache hints are set: the default cache-control plugin only wrapped every field
        // resolver (a few per cent of a runs page's CPU).
        ApolloServerPluginCacheControlDisabled(),
        // The CDN-hosted Apollo Sandbox cannot load offline; a local GraphiQL page replaces it.
        ApolloServerPluginLandingPageDisabled(),
      ],
    });
    await apollo.start();
    cleanups.push(async () => {
      await apollo.stop();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    });

    app.post(
      '/uploads',
      uploadRoute({ db: database.db, store, maxBytes: config.maxUploadBytes, logger }),
    );
    app.get(
      '/artifacts/:token/:name',
      downloadRoute({
        db: database.db,
        store,
        secret: downloadSecret,
        ttlSeconds: config.presignedUrlTtlSeconds,
      }),
    );
    app.get('/healthz', (_req, res) => {
      res.json({ status: 'ok' });
    });
    app.get('/readyz', async (_req, res) => {
      const checks = await checkReadiness({ database, store, queue }, logger);
      const ready = Object.values(checks).every((status) => status === 'ok');
      res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
    });
    app.use(graphiqlRouter({ endpoint: '/graphql' })); // auth & limits: browsers get GraphiQL
    app.use(
      '/graphql',
      express.json({ limit: '1mb' }),
      expressMiddleware(apollo, {
        // auth: an invalid or revoked key is refused (401) rather than treated as anonymous.
        context: async ({ req }) => ({
          ...context,
          requestId: req.requestId,
          logger: req.requestId ? logger.child({ requestId: req.requestId }) : logger,
          auth: await identify(database.db, req.headers.authorization),
        }),
      }),
    );

    let url: string | undefined;
    let closing: Promise<void> | undefined;
    return {
      app,
      httpServer,
      get url() {
        if (!url) throw new Error('the server is not listening yet: await listen() first');
        return url;
      },
      config,
      db: database.db,
      database,
      store,
      queue,
      schema,
      logger,
      listen: () =>
        new Promise<string>((resolve, reject) => {
          httpServer.once('error', reject);
          httpServer.listen(config.port, config.host, () => {
            httpServer.off('error', reject);
            url = baseUrl(httpServer.address() as AddressInfo);
            logger.info('listening', { url, graphql: `${url}/graphql` });
            resolve(url);
          });
        }),
      close: () => (closing ??= unwind()),
    };
  } catch (error) {
    await unwind();
    throw error;
  }
}

function baseUrl(address: AddressInfo): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? 'localhost' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

type CheckStatus = 'ok' | 'failed' | 'timeout';

/** Runs the readiness checks in parallel, each bounded by {@link READINESS_TIMEOUT_MS}. */
async function checkReadiness(
  deps: { database: Database; store: ObjectStore; queue: TrainQueue },
  logger: Logger,
): Promise<Record<'database' | 'storage' | 'queue', CheckStatus>> {
  const run = async (name: string, check: () => Promise<void>): Promise<CheckStatus> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckStatus>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), READINESS_TIMEOUT_MS);
    });
    try {
      return await Promise.race([check().then(() => 'ok' as const), timeout]);
    } catch (error) {
      logger.warn('readiness check failed', { check: name, error });
      return 'failed';
    } finally {
      clearTimeout(timer);
    }
  };
  const [database, storage, queue] = await Promise.all([
    run('database', () => deps.database.ping()),
    run('storage', () => deps.store.ping()),
    run('queue', () => deps.queue.ping()),
  ]);
  return { database, storage, queue };
}
