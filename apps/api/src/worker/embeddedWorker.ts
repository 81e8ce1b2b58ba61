import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Database } from '../db/index.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/index.js';

/** The compiled worker entry (tests run from src/, the child always runs compiled code). */
function workerEntry(): string {
  const url = new URL('./main.js', import.meta.url);
  return fileURLToPath(
    import.meta.url.endsWith('.ts') ? new URL(url.href.replace('/src/', '/dist/')) : url,
  );
}

/** A worker child process started by the embedded API. */
export interface EmbeddedWorker {
  readonly pid: number | undefined;
  /** Stops the child (SIGTERM, then SIGKILL after `timeoutMs`). */
  stop(timeoutMs?: number): Promise<void>;
}

/**
 * Forks a training worker next to the embedded API: training never runs on the API's event loop.
 * The child reaches the API's PGlite through its Postgres socket and the embedded S3 server by
 * URL — the same code path as workers started apart in production.
 */
export async function startEmbeddedWorker(args: {
  database: Database;
  store: ObjectStore;
  logLevel: string;
  logger: Logger;
}): Promise<EmbeddedWorker> {
  const { connection } = args.store;
  const child: ChildProcess = fork(workerEntry(), ['worker'], {
    env: {
      ...process.env,
      DATABASE_URL: args.database.connectionString,
      S3_ENDPOINT: connection.endpoint,
      S3_ACCESS_KEY: connection.accessKey,
      S3_SECRET_KEY: connection.secretKey,
      S3_BUCKET: connection.bucket,
      S3_REGION: connection.region,
      LOG_LEVEL: args.logLevel,
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if ((m as { type?: string }).type === 'worker-ready') {
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null): void =>
      reject(new Error(`the embedded worker exited with code ${code} while starting`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
  args.logger.info('embedded worker started', { pid: child.pid });
  return {
    pid: child.pid,
    stop: (timeoutMs = 15_000) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
