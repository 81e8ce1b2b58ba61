/**
 * A training worker process (`graft-api worker`): connects to the database, the object store and
 * the queue named by the environment (DATABASE_URL, S3_*), and executes runs until SIGTERM/SIGINT.
 * Start any number, on any machines; the embedded API forks one of these itself.
 */
import { createDatabase } from '../db/index.js';
import { loadConfig } from '../env.js';
import { createLogger } from '../logger.js';
import { createQueue } from '../queue/index.js';
import { createObjectStore } from '../storage/index.js';
import { startRunWorker } from './runWorker.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
if (config.database.kind !== 'postgres' || config.storage.kind !== 's3') {
  logger.error(
    'a worker needs DATABASE_URL and S3_ENDPOINT (the API it serves passes them to the workers it starts)',
  );
  process.exit(2);
}
const database = await createDatabase(config.database, { logger, migrate: false });
const store = await createObjectStore(config.storage);
const queue = await createQueue({
  ...config.queue,
  connectionString: database.connectionString,
  logger,
});
const stopWorker = await startRunWorker({
  db: database.db,
  connectionString: database.connectionString,
  store,
  queue,
  logger,
  stallSeconds: config.queue.stallSeconds,
});
logger.info('worker ready', { pid: process.pid });
process.send?.({ type: 'worker-ready' });

let stopping = false;
const stop = async (): Promise<void> => {
  if (stopping) return;
  stopping = true;
  await queue.stop({ timeoutMs: 10_000 }).catch(() => undefined);
  await stopWorker();
  await store.close();
  await database.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
process.on('disconnect', () => void stop());
