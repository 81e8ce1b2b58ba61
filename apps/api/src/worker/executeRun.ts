/**
 * Executes one queued run: loads its backbone and dataset through @graft/core, trains, uploads the
 * model to the object store under content addresses, and only then records artifacts, metrics and
 * lineage in one short transaction. A failure keeps the run's log and error.
 */
import {
  GraftError,
  UnsupportedLayerError,
  buildLineageRecord,
  onnxExportBytes,
  DirectoryBlobStore,
  exportLayersModel,
  splitDataset,
  trainTransferModel,
  type TrainProgress,
} from '@graft/core';
import { and, eq, sql } from 'drizzle-orm';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../db/index.js';
import { artifacts, backbones, datasets, runEpochs, runs } from '../db/schema.js';
import type { ObjectStore, StoredObject } from '../storage/index.js';
import { backboneFromRow } from '../services/backboneLoader.js';
import { materializeDataset } from '../datasets/materialize.js';

/** Log lines of a running attempt reach the database this often at most. */
const LOG_FLUSH_MS = 1_000;

/** What a worker needs to execute runs. */
export interface ExecuteRunDeps {
  db: Db;
  store: ObjectStore;
  /** Called with every progress event (throttling is the caller's). */
  onProgress?: (runId: string, p: TrainProgress) => void;
  /** Aborted when the run is cancelled while it trains: training stops and nothing is recorded. */
  signal?: AbortSignal;
  /**
   * Attempts the queue will still make after this one. While some remain, a failure that is not
   * about the run's spec or data (`GraftError`) re-queues the run and throws
   * {@link RetryableRunError}, so the queue retries it; default 0 (such failures fail the run).
   */
  retriesLeft?: number;
}

/** This attempt failed for a reason that may pass (see `ExecuteRunDeps.retriesLeft`). */
export class RetryableRunError extends Error {
  constructor(readonly original: Error) {
    super(`attempt failed, to be retried: ${original.message}`, { cause: original });
    this.name = 'RetryableRunError';
  }
}

/**
 * How a run ended: `skipped` when it was not queued/running any more (cancelled before, or done
 * by another attempt); `cancelled` when it was cancelled while this attempt trained.
 */
export type ExecuteRunOutcome = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export async function executeRun(runId: string, deps: ExecuteRunDeps): Promise<ExecuteRunOutcome> {
  const { db, store } = deps;
  const [run] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!run || (run.status !== 'queued' && run.status !== 'running')) return 'skipped';
  const attempt = run.attempt + 1;
  await db
    .update(runs)
    .set({
      status: 'running',
      startedAt: new Date(),
      heartbeatAt: sql`now()`,
      attempt,
      error: null,
    })
    .where(eq(runs.id, runId));
  let superseded = false;
  const logLines: string[] = [];
  // Lines are also written as they come (at once, then at most every LOG_FLUSH_MS), so that the
  // log of an attempt whose worker dies is kept; the final update writes them all again.
  let flushTimer: NodeJS.Timeout | undefined;
  let lastFlush = 0;
  const flushLog = (): void => {
    flushTimer = undefined;
    lastFlush = Date.now();
    void db
      .update(runs)
      .set({ log: run.log + logLines.map((l) => `${l}\n`).join('') })
      .where(and(eq(runs.id, runId), eq(runs.attempt, attempt), eq(runs.status, 'running')))
      .catch(() => undefined);
  };
  const log = (line: string): void => {
    logLines.push(`${new Date().toISOString()} ${line}`);
    flushTimer ??= setTimeout(flushLog, Math.max(0, lastFlush + LOG_FLUSH_MS - Date.now()));
  };
  const work = await mkdtemp(join(tmpdir(), 'graft-run-'));
  try {
    const [bb] = await db.select().from(backbones).where(eq(backbones.id, run.backboneId));
    const [ds] = await db.select().from(datasets).where(eq(datasets.id, run.datasetId));
    if (!bb || !ds)
      throw new Error('the run references a backbone or dataset that no longer exists');
    const backbone = await backboneFromRow(bb, store);
    const [h, w, c] = run.surgery.request.inputShape ?? backbone.inputShape;
    const set = await materializeDataset(ds.source, {
      store,
      size: [h, w],
      channels: c === 1 ? 1 : 3,
    });
    const data = splitDataset({ set, seed: run.train.seed ?? 42 });
    log(
      `training ${bb.name} on ${ds.name}: ${data.train.count}/${data.validation.count}/${data.test.count} images`,
    );
    const result = await trainTransferModel({
      backbone,
      data,
      surgery: run.surgery.request,
      train: run.train,
      log,
      onProgress: (p) => deps.onProgress?.(runId, p),
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    // Upload first; record after (a key in the database always names a whole object).
    const local = new DirectoryBlobStore({ root: work });
    const exported = await exportLayersModel({
      model: result.model,
      store: local,
      prefix: 'model',
    });
    // The same model as one ONNX file, for ONNX Runtime or Triton; a layer ONNX cannot express
    // (a custom backbone's) leaves the tfjs files only.
    let onnx: { bytes: Uint8Array; sha256: string } | undefined;
    try {
      onnx = onnxExportBytes({
        model: result.model,
        classes: ds.classes,
        preprocessing: backbone.preprocessing,
      });
    } catch (error) {
      if (!(error instanceof UnsupportedLayerError)) throw error;
      log(`no model.onnx: ${error.message}`);
    }
    result.model.dispose();
    const stored: (StoredObject & { name: string; kind: string })[] = [];
    for (const f of exported.files) {
      const bytes = await readFile(join(work, f.path));
      const obj = await store.putObject(bytes);
      if (obj.sha256 !== f.sha256) throw new Error(`upload of ${f.path} changed its content`);
      stored.push({ name: f.path.replace(/^model\//, ''), kind: 'model', ...obj });
    }
    if (onnx) {
      const obj = await store.putObject(onnx.bytes);
      if (obj.sha256 !== onnx.sha256) throw new Error('upload of model.onnx changed its content');
      stored.push({ name: 'model.onnx', kind: 'onnx', ...obj });
    }
    const lineage = await buildLineageRecord({
      backbone,
      surgery: run.surgery.request,
      train: run.train,
      data,
      result,
      datasetId: ds.id,
      artifacts: stored.map((s) => ({ path: s.name, bytes: s.bytes, sha256: s.sha256 })),
      ...(run.parentVersionId ? { parentModelVersionId: run.parentVersionId } : {}),
    });
    const best = Math.max(...result.history.map((h) => h.valAccuracy));
    await db.transaction(async (tx) => {
      const [current] = await tx
        .select({ status: runs.status, attempt: runs.attempt })
        .from(runs)
        .where(eq(runs.id, runId))
        .for('update');
      if (current?.status === 'cancelled') return;
      // A later attempt owns the run (this worker was taken for dead and the job retried).
      if (current?.attempt !== attempt) {
        superseded = true;
        return;
      }
      await tx.delete(artifacts).where(eq(artifacts.runId, runId));
      await tx.insert(artifacts).values(
        stored.map((s) => ({
          runId,
          kind: s.kind,
          name: s.name,
          key: s.key,
          bytes: s.bytes,
          sha256: s.sha256,
        })),
      );
      await tx.delete(runEpochs).where(eq(runEpochs.runId, runId));
      const phaseIndex = new Map(result.phases.map((p, i) => [p.name, i]));
      await tx.insert(runEpochs).values(
        result.history.map((h) => ({
          runId,
          phase: h.phase,
          phaseIndex: phaseIndex.get(h.phase as 'head') ?? 0,
          epoch: h.epoch,
          loss: h.loss,
          accuracy: h.accuracy,
          valLoss: h.valLoss,
          valAccuracy: h.valAccuracy,
          seconds: h.seconds,
        })),
      );
      await tx
        .update(runs)
        .set({
          status: 'succeeded',
          finishedAt: new Date(),
          frozenParams: result.surgery.frozenParams,
          trainableParams: result.surgery.trainableParams,
          bestValAccuracy: Number.isFinite(best) ? best : null,
          testAccuracy: result.evaluation.accuracy,
          backends: lineage.training.backends,
          evaluation: result.evaluation,
          lineage,
          surgery: {
            ...run.surgery,
            layers: result.surgery.layers,
            frozenLayers: result.surgery.frozenLayers,
          },
          log: run.log + logLines.map((l) => `${l}\n`).join(''),
        })
        .where(eq(runs.id, runId));
    });
    return superseded ? 'skipped' : 'succeeded';
  } catch (err) {
    const cancelled = deps.signal?.aborted === true;
    log(cancelled ? 'cancelled while training' : `error: ${(err as Error).message}`);
    const keepLog = run.log + logLines.map((l) => `${l}\n`).join('');
    const mine = and(eq(runs.id, runId), eq(runs.attempt, attempt));
    if (cancelled) {
      await db.update(runs).set({ log: keepLog }).where(mine);
      return 'cancelled';
    }
    // A bad spec or bad data fails the same way every time; anything else (the store or the
    // database out of reach, a lost connection) may not: the run goes back to the queue and
    // pg-boss retries it while retries remain.
    if (!(err instanceof GraftError) && (deps.retriesLeft ?? 0) > 0) {
      await db
        .update(runs)
        .set({ status: 'queued', error: (err as Error).message, log: keepLog })
        .where(and(mine, eq(runs.status, 'running')));
      throw new RetryableRunError(err as Error);
    }
    await db
      .update(runs)
      .set({
        status: 'failed',
        finishedAt: new Date(),
        error: (err as Error).message,
        log: keepLog,
      })
      .where(and(mine, eq(runs.status, 'running')));
    return 'failed';
  } finally {
    clearTimeout(flushTimer);
    await rm(work, { recursive: true, force: true });
  }
}
