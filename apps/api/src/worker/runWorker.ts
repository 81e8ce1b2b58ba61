import type { TrainProgress } from '@graft/core';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { runs } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { TrainQueue } from '../queue/index.js';
import type { ObjectStore } from '../storage/index.js';
import { executeRun } from './executeRun.js';

/** Progress is written at most this often per run (subscriptions read it). */
const PROGRESS_INTERVAL_MS = 500;

/** Arguments of {@link startRunWorker}. */
export interface StartRunWorkerArgs {
  db: Db;
  store: ObjectStore;
  queue: TrainQueue;
  logger: Logger;
}

/**
 * Takes `train-run` jobs from the queue and executes them. Any number of these, in any number of
 * processes and machines, share one queue: pg-boss hands each job to one worker, and retries it
 * (with a new attempt) when a worker dies mid-run.
 */
export async function startRunWorker({
  db,
  store,
  queue,
  logger,
}: StartRunWorkerArgs): Promise<void> {
  await queue.work(async (job) => {
    const last = new Map<string, number>();
    const writes: Promise<unknown>[] = [];
    const onProgress = (runId: string, p: TrainProgress): void => {
      const now = Date.now();
      const final = p.stage === 'train' && p.valLoss !== undefined;
      if (!final && now - (last.get(runId) ?? 0) < PROGRESS_INTERVAL_MS) return;
      last.set(runId, now);
      writes.push(
        db
          .update(runs)
          .set({ progress: { ...p, at: new Date(now).toISOString() } })
          .where(eq(runs.id, runId))
          .catch((error: unknown) => logger.warn('progress write failed', { runId, error })),
      );
    };
    logger.info('run started', { runId: job.runId, attempt: job.retryCount + 1 });
    const outcome = await executeRun(job.runId, { db, store, onProgress });
    await Promise.all(writes);
    logger.info('run ended', { runId: job.runId, outcome });
  });
}
