import type { Db } from './db/index.js';
import type { AppConfig } from './env.js';
import type { Logger } from './logger.js';
import type { TrainQueue } from './queue/index.js';
import type { ObjectStore } from './storage/index.js';

/** What every resolver receives, over HTTP and over WebSocket alike. */
export interface GraphQLContext {
  config: AppConfig;
  db: Db;
  store: ObjectStore;
  queue: TrainQueue;
  logger: Logger;
}
