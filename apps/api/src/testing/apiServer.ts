import { loadConfig } from '../env.js';
import { createServer, type GraftServer } from '../server.js';
import { maintainerAuthorization } from './authHeader.js';
import { createTempDir } from './tempDir.js';

/** A GraphQL error as clients see it. */
export interface GqlError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** A listening embedded server in a temp folder, with a GraphQL client that sends the maintainer key. */
export interface TestServer {
  server: GraftServer;
  dataDir: string;
  /** `Bearer <maintainer key>`. */
  authorization: string;
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    authorization?: string | null,
  ): Promise<{ data?: T; errors?: GqlError[] }>;
  close(): Promise<void>;
}

/**
 * Starts one embedded server for a test file (type-graphql rc.3 mixes up resolver arguments
 * after a second schema build in one process, so one per file).
 */
export async function startTestServer(
  options: { worker?: boolean; env?: Record<string, string> } = {},
): Promise<TestServer> {
  const dir = await createTempDir();
  const server = await createServer({
    config: loadConfig({
      PORT: '0',
      GRAFT_DATA_DIR: dir.path,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      GRAFT_QUEUE_POLL_SECONDS: '1',
      ...options.env,
    }),
    worker: options.worker ?? false,
  });
  await server.listen();
  const authorization = maintainerAuthorization(dir.path);
  return {
    server,
    dataDir: dir.path,
    authorization,
    async gql(query, variables = {}, auth = authorization) {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return (await res.json()) as never;
    },
    async close() {
      await server.close();
      await dir.remove();
    },
  };
}
