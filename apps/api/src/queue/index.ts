import PgBoss from 'pg-boss';
import type { SharedTransaction } from '../db/index.js';
import type { QueueConfig } from '../env.js';
import type { Logger } from '../logger.js';

/** The pg-boss queue training runs go through. */
export const TRAIN_RUN_QUEUE = 'train-run';

/** What a worker receives for one training run. */
export interface TrainRunJob {
  /** pg-boss job id; equal to the run id. */
  id: string;
  runId: string;
  /** 0 on the first attempt, then 1, 2, ... after failures or expiries. */
  retryCount: number;
  retryLimit: number;
  /** Id of the request that queued the run, for the worker's log lines. */
  requestId?: string;
}

/** Runs one training job; throwing fails the attempt (retried while retries remain). */
export type TrainRunHandler = (job: TrainRunJob) => Promise<void>;

/** Options of {@link TrainQueue.stop}. */
export interface StopQueueOptions {
  /**
   * How long to wait for this process's running jobs before failing them (they are then
   * retried). Default 30 000 ms; pg-boss waits at least 1 000 ms when jobs are running.
   */
  timeoutMs?: number;
}

/** The durable queue of training runs, shared by every API and worker process. */
export interface TrainQueue {
  /** The pg-boss instance, for what this interface does not cover. */
  boss: PgBoss;
  /**
   * Queues a run. The job id is the run id, so queueing a run twice is a no-op. Given a
   * transaction, the job is inserted in it: it exists if and only if the transaction commits.
   * @returns the job id, or `null` when the run was already queued.
   */
  send(
    runId: string,
    meta?: { requestId?: string },
    transaction?: Pick<SharedTransaction, 'executeSql'>,
  ): Promise<string | null>;
  /** Cancels the job of a run that has not started (a no-op for others). */
  cancel(runId: string): Promise<void>;
  /** Starts taking jobs in this process, one at a time. @returns the worker id. */
  work(handler: TrainRunHandler): Promise<string>;
  /**
   * Fails the active job of a run whose worker stopped answering, so pg-boss retries it on
   * another worker (`retry`), or gives up when no retries remain (`failed`). `not-active` when
   * the job is not running any more (it finished, or another process already failed it).
   */
  failStalled(runId: string, reason: string): Promise<'retry' | 'failed' | 'not-active'>;
  /** Resolves when the queue's database answers. */
  ping(): Promise<void>;
  /** Stops polling, lets running jobs finish (see {@link StopQueueOptions}) and closes the pool. */
  stop(options?: StopQueueOptions): Promise<void>;
}

/** Options of {@link createQueue}. */
export interface CreateQueueOptions extends QueueConfig {
  /** Postgres (or PGlite served over the wire protocol) to keep jobs in. */
  connectionString: string;
  /** Connections of pg-boss's own pool. Default 4. */
  poolMax?: number;
  logger?: Logger;
}

interface TrainRunData {
  runId: string;
  requestId?: string;
}

/**
 * Starts pg-boss on the database (installing or migrating its `pgboss` schema) and makes sure
 * the `train-run` queue exists with the configured retry and expiry settings.
 *
 * Durability: a job whose worker dies stays active until it expires (`expireInSeconds`), then
 * pg-boss retries it (`retryLimit` times, `retryDelaySeconds` doubling each time).
 */
export async function createQueue(options: CreateQueueOptions): Promise<TrainQueue> {
  const { logger } = options;
  const boss = new PgBoss({
    connectionString: options.connectionString,
    max: options.poolMax ?? 4,
    application_name: 'graft-queue',
    // No cron schedules: spare the clock-skew and cron polling.
    schedule: false,
  });
  // Without a listener, an 'error' event (e.g. a lost connection while polling) would crash.
  boss.on('error', (error) => logger?.error('queue error', { error }));
  await boss.start();

  const queueSettings = {
    name: TRAIN_RUN_QUEUE,
    policy: 'standard' as const,
    retryLimit: options.retryLimit,
    retryDelay: options.retryDelaySeconds,
    retryBackoff: true,
    expireInSeconds: options.expireInSeconds,
  };
  try {
    await boss.createQueue(TRAIN_RUN_QUEUE, queueSettings);
    // createQueue leaves an existing queue as it was: apply the current settings.
    await boss.updateQueue(TRAIN_RUN_QUEUE, queueSettings);
  } catch (error) {
    await boss.stop({ graceful: false });
    throw error;
  }

  const workerIds: string[] = [];
  let stopped: Promise<void> | undefined;

  return {
    boss,
    async send(runId, meta = {}, transaction) {
      const data: TrainRunData = meta.requestId ? { runId, requestId: meta.requestId } : { runId };
      const jobId = await boss.send(TRAIN_RUN_QUEUE, data, {
        id: runId,
        ...(transaction
          ? { db: { executeSql: (text, values) => transaction.executeSql(text, values) } }
          : {}),
      });
      // A worker in this process need not wait for its next poll (inside a transaction the job
      // is not visible yet: that worker finds it at its next poll).
      if (!transaction) for (const id of workerIds) boss.notifyWorker(id);
      return jobId;
    },
    async cancel(runId) {
      const job = await boss.getJobById(TRAIN_RUN_QUEUE, runId);
      if (job && (job.state === 'created' || job.state === 'retry'))
        await boss.cancel(TRAIN_RUN_QUEUE, runId);
    },
    async work(handler) {
      const id = await boss.work<TrainRunData>(
        TRAIN_RUN_QUEUE,
        {
          batchSize: 1,
          includeMetadata: true,
          pollingIntervalSeconds: options.pollingIntervalSeconds,
        },
        async (jobs) => {
          for (const job of jobs) {
            await handler({
              id: job.id,
              runId: job.data.runId,
              retryCount: job.retryCount,
              retryLimit: job.retryLimit,
              ...(job.data.requestId ? { requestId: job.data.requestId } : {}),
            });
          }
        },
      );
      workerIds.push(id);
      return id;
    },
    async failStalled(runId, reason) {
      const job = await boss.getJobById(TRAIN_RUN_QUEUE, runId);
      if (job?.state !== 'active') return 'not-active';
      await boss.fail(TRAIN_RUN_QUEUE, runId, { reason });
      const after = await boss.getJobById(TRAIN_RUN_QUEUE, runId);
      return after?.state === 'retry' ? 'retry' : 'failed';
    },
    async ping() {
      await boss.getDb().executeSql('select 1', []);
    },
    stop(stopOptions = {}) {
      return (stopped ??= boss.stop({
        graceful: true,
        wait: true,
        close: true,
        timeout: stopOptions.timeoutMs ?? 30_000,
      }));
    },
  };
}
