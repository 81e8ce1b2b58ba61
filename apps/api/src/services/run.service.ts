import {
  GraftError,
  validateSurgerySpec,
  validateTrainSpec,
  type SurgerySpec,
  type TrainSpec,
} from '@graft/core';
import {
  and,
  arrayContains,
  desc,
  eq,
  getTableColumns,
  inArray,
  lt,
  or,
  sql,
  type SQL,
} from 'drizzle-orm';
import type { GraphQLContext } from '../context.js';
import { datasets, runs } from '../db/schema.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors/index.js';
import type { RunFilter, StartRunInput } from '../types/run.input.js';
import { RunOrder } from '../types/run.input.js';
import { backboneFromRow } from './backboneLoader.js';
import { ensureVersionBackbone, getBackbone } from './backbone.service.js';
import { assertUuid } from './ids.js';

type RunRow = typeof runs.$inferSelect;

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Validates the specs against the backbone's layers (the same @graft/core code the worker runs),
 * records a queued run and queues it. Bad specs are refused before anything is stored, with the
 * offending field in `extensions.fieldErrors`.
 */
export async function startRun(
  ctx: GraphQLContext,
  input: StartRunInput,
  startedBy?: string,
): Promise<RunRow> {
  if (!input.backboneId === !input.parentVersionId) {
    throw new BadUserInputError('give exactly one of backboneId and parentVersionId', [
      { path: 'backboneId', message: 'give exactly one of backboneId and parentVersionId' },
    ]);
  }
  assertUuid('dataset', input.datasetId);
  const bb = input.parentVersionId
    ? await ensureVersionBackbone(ctx, input.parentVersionId)
    : await getBackbone(ctx, input.backboneId!);
  const [ds] = await ctx.db.select().from(datasets).where(eq(datasets.id, input.datasetId));
  if (!ds) throw new NotFoundError('dataset', input.datasetId);
  if (!isObject(input.surgery))
    throw new BadUserInputError('surgery must be an object', [
      { path: 'surgery', message: 'must be an object' },
    ]);
  if (!isObject(input.train))
    throw new BadUserInputError('train must be an object', [
      { path: 'train', message: 'must be an object' },
    ]);
  const head = isObject(input.surgery['head']) ? input.surgery['head'] : {};
  const surgery = {
    ...input.surgery,
    head: { ...head, classes: head['classes'] ?? ds.classes },
  } as unknown as SurgerySpec;
  const train = input.train as unknown as TrainSpec;
  try {
    const backbone = await backboneFromRow(bb, ctx.store);
    validateSurgerySpec(backbone, surgery);
    validateTrainSpec(train, surgery);
    if (JSON.stringify(surgery.head.classes) !== JSON.stringify(ds.classes)) {
      throw new GraftError(
        'INVALID_SPEC',
        `head classes must be the dataset's classes ${JSON.stringify(ds.classes)}`,
        'surgery.head.classes',
      );
    }
  } catch (err) {
    if (err instanceof GraftError) {
      throw new BadUserInputError(err.message, [
        { path: err.field ?? 'input', message: err.message },
      ]);
    }
    throw err;
  }
  // The run row and its job commit together: no queued run without a job, no job without a run.
  const run = await ctx.transact(async (tx) => {
    const [row] = await tx.db
      .insert(runs)
      .values({
        backboneId: bb.id,
        datasetId: ds.id,
        surgery: { request: surgery },
        train,
        mode: train.mode,
        headLr: train.learningRate ?? 1e-3,
        fineTuneLr: train.mode === 'fine-tuning' ? (train.fineTune?.learningRate ?? 1e-5) : null,
        tags: input.tags ?? [],
        startedBy: startedBy ?? null,
        parentVersionId: input.parentVersionId ?? null,
      })
      .returning();
    await ctx.queue.send(row!.id, { requestId: ctx.requestId }, tx);
    return row!;
  });
  ctx.logger.info('run queued', { runId: run.id, backbone: bb.name, mode: train.mode });
  return run;
}

/**
 * Cancels a queued or running run: a queued one is never trained, a running one stops within
 * about a second (its worker checks at each progress write) and records nothing but its log.
 */
export async function cancelRun(ctx: GraphQLContext, id: string): Promise<RunRow> {
  assertUuid('run', id);
  const [run] = await ctx.db.select().from(runs).where(eq(runs.id, id));
  if (!run) throw new NotFoundError('run', id);
  if (run.status !== 'queued' && run.status !== 'running') {
    throw new ConflictError(
      `run '${id}' is ${run.status}; only queued or running runs can be cancelled`,
    );
  }
  // Guarded: the run may have ended since it was read.
  const [updated] = await ctx.db
    .update(runs)
    .set({ status: 'cancelled', finishedAt: new Date() })
    .where(and(eq(runs.id, id), inArray(runs.status, ['queued', 'running'])))
    .returning();
  if (!updated) {
    const [now] = await ctx.db.select({ status: runs.status }).from(runs).where(eq(runs.id, id));
    throw new ConflictError(
      `run '${id}' is ${now?.status}; only queued or running runs can be cancelled`,
    );
  }
  // A queued run's job goes too; a running one stops at its worker's next progress write.
  await ctx.queue.cancel(id);
  ctx.logger.info('run cancelled', { runId: id, was: run.status });
  return updated;
}

export async function getRun(ctx: GraphQLContext, id: string): Promise<RunRow> {
  assertUuid('run', id);
  const [run] = await ctx.db.select().from(runs).where(eq(runs.id, id));
  if (!run) throw new NotFoundError('run', id);
  return run;
}

/**
 * Columns a page of runs carries: everything but the large JSON documents (lineage, evaluation,
 * log, the resolved layer table inside surgery), which the Run type's field resolvers load for
 * the runs that ask for them. Parsing those for 50 rows dominated a page's cost.
 */
const {
  lineage: _l,
  evaluation: _e,
  log: _g,
  surgery: _s,
  ...LIST_COLUMNS
} = getTableColumns(runs);

interface Cursor {
  v: number | string | null;
  id: string;
}

const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.id !== 'string') throw new Error('bad');
    return c;
  } catch {
    throw new BadUserInputError('invalid cursor', [
      { path: 'after', message: 'not a cursor from this API' },
    ]);
  }
}

/**
 * A page of runs, newest first or best final metric first (unfinished runs last), with keyset
 * cursors (`ORDER BY metric DESC NULLS LAST, id DESC`, the shape of the runs indexes).
 */
export async function listRuns(
  ctx: GraphQLContext,
  args: { filter?: RunFilter; orderBy?: RunOrder; first?: number; after?: string },
): Promise<{ items: Partial<RunRow>[]; endCursor: string | null; hasNextPage: boolean }> {
  const first = Math.min(Math.max(args.first ?? 50, 1), 500);
  const where: SQL[] = [];
  const f = args.filter ?? {};
  if (f.status) where.push(eq(runs.status, f.status));
  if (f.backboneId) where.push(eq(runs.backboneId, f.backboneId));
  if (f.datasetId) where.push(eq(runs.datasetId, f.datasetId));
  if (f.mode) where.push(eq(runs.mode, f.mode as 'feature-extraction'));
  if (f.tag) where.push(arrayContains(runs.tags, [f.tag]));
  const order = args.orderBy ?? RunOrder.createdAt;
  const column =
    order === RunOrder.createdAt
      ? runs.createdAt
      : order === RunOrder.testAccuracy
        ? runs.testAccuracy
        : runs.bestValAccuracy;
  if (args.after) {
    const c = decodeCursor(args.after);
    if (order === RunOrder.createdAt) {
      const at = new Date(String(c.v));
      where.push(or(lt(runs.createdAt, at), and(eq(runs.createdAt, at), lt(runs.id, c.id)))!);
    } else if (c.v === null) {
      where.push(and(sql`${column} is null`, lt(runs.id, c.id))!);
    } else {
      where.push(
        or(
          lt(column, c.v as number),
          and(eq(column, c.v as number), lt(runs.id, c.id)),
          sql`${column} is null`,
        )!,
      );
    }
  }
  const rows = await ctx.db
    .select(LIST_COLUMNS)
    .from(runs)
    .where(where.length ? and(...where) : undefined)
    .orderBy(
      order === RunOrder.createdAt ? desc(runs.createdAt) : sql`${column} desc nulls last`,
      desc(runs.id),
    )
    .limit(first + 1);
  const items = rows.slice(0, first);
  const last = items[items.length - 1];
  const value = (
    r: Pick<RunRow, 'createdAt' | 'testAccuracy' | 'bestValAccuracy'>,
  ): number | string | null =>
    order === RunOrder.createdAt
      ? r.createdAt.toISOString()
      : order === RunOrder.testAccuracy
        ? r.testAccuracy
        : r.bestValAccuracy;
  return {
    items,
    endCursor: last ? encodeCursor({ v: value(last), id: last.id }) : null,
    hasNextPage: rows.length > first,
  };
}
