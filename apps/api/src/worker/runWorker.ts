import type { TrainProgress } from '@graft/core';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { runs } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { TrainQueue } from '../queue/index.js';
import type { ObjectStore } from '../storage/index.js';
import { executeRun } from './executeRun.js';
import { startHeartbeat } from './heartbeat.js';

/** Progress is written at most this often per run (subscriptions read it). */
const PROGRESS_INTERVAL_MS = 500;

/** Arguments of {@link startRunWorker}. */
export interface StartRunWorkerArgs {
  db: Db;
  /** The database `db` is on, for the heartbeat thread's own connection. */
  connectionString: string;
  store: ObjectStore;
  queue: TrainQueue;
  logger: Logger;
  /** See `QueueConfig.stallSeconds`; default 120. */
  stallSeconds?: number;
}

/**
 * Takes `train-run` jobs from the queue and executes them. Any number of these, in any number of
 * processes and machines, share one queue: pg-boss hands each job to one worker, and retries it
 * (with a new attempt) when a worker dies mid-run.
 */
export async function startRunWorker({
  db,
  connectionString,
  store,
  queue,
  logger,
  stallSeconds = 120,
}: StartRunWorkerArgs): Promise<() => Promise<void>> {
  // Heartbeats several times per stall period, so one late write is no false alarm.
  const heartbeat = startHeartbeat({
    connectionString,
    intervalMs: Math.min(5_000, (stallSeconds * 1000) / 4),
    logger,
  });
  const stopReaper = startStallReaper({ db, queue, logger, stallSeconds });
  await queue.work(async (job) => {
    const last = new Map<string, number>();
    const writes: Promise<unknown>[] = [];
    // A cancelled run is noticed at its next progress write (every PROGRESS_INTERVAL_MS).
    const cancel = new AbortController();
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
          .returning({ status: runs.status })
          .then(([row]) => {
            if (row?.status === 'cancelled') cancel.abort(new Error('the run was cancelled'));
          })
          .catch((error: unknown) => logger.warn('progress write failed', { runId, error })),
      );
    };
    // The request id of the startRun that queued it follows the run into the worker's lines.
    const log = logger.child({
      runId: job.runId,
      ...(job.requestId ? { requestId: job.requestId } : {}),
    });
    log.info('run started', { attempt: job.retryCount + 1 });
    heartbeat.set(job.runId);
    try {
      const outcome = await executeRun(job.runId, {
        db,
        store,
        onProgress,
        signal: cancel.signal,
        retriesLeft: job.retryLimit - job.retryCount,
      });
      await Promise.all(writes);
      log.info('run ended', { outcome });
    } catch (error) {
      await Promise.all(writes);
      // RetryableRunError: the run is queued again; pg-boss retries the job after its delay.
      log.warn('run attempt failed; the queue retries it', { error });
      throw error;
    } finally {
      heartbeat.set(null);
    }
  });
  return async () => {
    stopReaper();
    await heartbeat.stop();
  };
}

/**
 * Every worker also watches for runs whose worker died (`kill -9`, a lost machine): a running
 * run without a heartbeat for `stallSeconds` has its job failed, and pg-boss retries it on a
 * live worker (or, without retries left, the run is marked failed). One reaper claims a stalled
 * run by touching its heartbeat in the same statement that finds it, so two never both act.
 */
export function startStallReaper(args: {
  db: Db;
  queue: TrainQueue;
  logger: Logger;
  stallSeconds: number;
}): () => void {
  const { db, queue, logger, stallSeconds } = args;
  let busy = false;
  const sweep = async () => {
    if (busy) return;
    busy = true;
    try {
      const stalled = await db
        .update(runs)
        .set({ heartbeatAt: sql`now()` })
        .where(
          and(
            eq(runs.status, 'running'),
            lt(runs.heartbeatAt, sql`now() - make_interval(secs => ${stallSeconds})`),
          ),
        )
        .returning({ id: runs.id, attempt: runs.attempt });
      for (const run of stalled) {
        const reason = `worker lost: no heartbeat for ${stallSeconds} s during attempt ${run.attempt}`;
        const outcome = await queue.failStalled(run.id, reason);
        logger.warn('stalled run', { runId: run.id, attempt: run.attempt, outcome });
        if (outcome === 'failed')
          await db
            .update(runs)
            .set({ status: 'failed', finishedAt: new Date(), error: reason })
            .where(and(eq(runs.id, run.id), eq(runs.status, 'running')));
      }
    } catch (error) {
      logger.warn('stall sweep failed', { error });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void sweep(), Math.max(1_000, (stallSeconds * 1000) / 4));
  timer.unref();
  return () => clearInterval(timer);
}
