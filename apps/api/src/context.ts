import type { AuthIdentity } from './auth/index.js';
import type { Database, Db } from './db/index.js';
import type { AppConfig } from './env.js';
import type { Logger } from './logger.js';
import type { TrainQueue } from './queue/index.js';
import type { ObjectStore } from './storage/index.js';

/** What every resolver receives, over HTTP and over WebSocket alike. */
export interface GraphQLContext {
  config: AppConfig;
  db: Db;
  /** One transaction across our tables and the queue (see `Database.transact`). */
  transact: Database['transact'];
  store: ObjectStore;
  queue: TrainQueue;
  logger: Logger;
  /** The HTTP request's id (`x-request-id`); the queued job carries it to the worker's logs. */
  requestId?: string;
  /**
   * The API key the request came with (HTTP `Authorization: Bearer <key>`, or the graphql-ws
   * `authorization` connection parameter); `null` without one. Check roles with
   * `@Authorized('editor')` or `requireRole(ctx, 'maintainer')` from `src/auth/`.
   */
  auth: AuthIdentity | null;
  /** Signs expiring download links (`/artifacts/<token>/<file>`). */
  downloadSecret: Buffer;
}
