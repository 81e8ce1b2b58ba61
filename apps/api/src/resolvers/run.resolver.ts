import {
  Arg,
  Ctx,
  FieldResolver,
  ID,
  Int,
  Mutation,
  Query,
  Resolver,
  Root,
  Subscription,
  Authorized,
} from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { signDownload } from '../artifacts/downloadLinks.js';
import { compareRuns, setTags } from '../services/compare.service.js';
import { RunComparison } from '../types/compare.type.js';
import { cancelRun, getRun, listRuns, startRun } from '../services/run.service.js';
import { GraphQLJSON } from 'graphql-scalars';
import { loaders } from '../loaders.js';
import { NotFoundError } from '../errors/index.js';
import { Backbone } from '../types/backbone.type.js';
import { Dataset } from '../types/dataset.type.js';
import { RunFilter, RunOrder, StartRunInput } from '../types/run.input.js';
import { Run, RunArtifact, RunEpoch, RunPage, RunProgress, RunStatus } from '../types/run.type.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

@Resolver(() => Run)
export class RunResolver {
  @Authorized('viewer')
  @Query(() => Run, { description: 'One run; NOT_FOUND for an unknown id.' })
  run(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Run> {
    return getRun(ctx, id) as unknown as Promise<Run>;
  }

  @Authorized('viewer')
  @Query(() => RunPage, {
    description: 'Runs, filtered, newest or best first, with cursor pagination.',
  })
  runs(
    @Ctx() ctx: GraphQLContext,
    @Arg('filter', () => RunFilter, { nullable: true }) filter?: RunFilter,
    @Arg('orderBy', () => RunOrder, { nullable: true }) orderBy?: RunOrder,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<RunPage> {
    return listRuns(ctx, { filter, orderBy, first, after }) as unknown as Promise<RunPage>;
  }

  // Lists of runs leave the large documents out (see listRuns); these load them when asked for.
  @FieldResolver(() => GraphQLJSON, {
    description: 'The surgery requested and, once trained, the resolved layer table.',
  })
  surgery(@Root() run: Run, @Ctx() ctx: GraphQLContext): unknown {
    return run.surgery !== undefined ? run.surgery : loaders(ctx).runColumn('surgery').load(run.id);
  }

  @FieldResolver(() => GraphQLJSON, { nullable: true })
  evaluation(@Root() run: Run, @Ctx() ctx: GraphQLContext): unknown {
    return run.evaluation !== undefined
      ? run.evaluation
      : loaders(ctx).runColumn('evaluation').load(run.id);
  }

  @FieldResolver(() => GraphQLJSON, {
    nullable: true,
    description: 'The LineageRecord (JSON Schema in @graft/core).',
  })
  lineage(@Root() run: Run, @Ctx() ctx: GraphQLContext): unknown {
    return run.lineage !== undefined ? run.lineage : loaders(ctx).runColumn('lineage').load(run.id);
  }

  @FieldResolver(() => String)
  async log(@Root() run: Run, @Ctx() ctx: GraphQLContext): Promise<string> {
    return run.log !== undefined
      ? run.log
      : ((await loaders(ctx).runColumn('log').load(run.id)) ?? '');
  }

  @FieldResolver(() => Backbone, { description: 'The backbone the run started from.' })
  async backbone(@Root() run: Run, @Ctx() ctx: GraphQLContext): Promise<Backbone> {
    const row = await loaders(ctx).backbone.load(run.backboneId);
    if (!row) throw new NotFoundError('backbone', run.backboneId);
    return row as unknown as Backbone;
  }

  @FieldResolver(() => Dataset, { description: 'The dataset the run trained on.' })
  async dataset(@Root() run: Run, @Ctx() ctx: GraphQLContext): Promise<Dataset> {
    const row = await loaders(ctx).dataset.load(run.datasetId);
    if (!row) throw new NotFoundError('dataset', run.datasetId);
    return row as unknown as Dataset;
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Name of the API key that started the run.',
  })
  startedBy(@Root() run: Run & { startedBy?: string | null }, @Ctx() ctx: GraphQLContext) {
    return run.startedBy ? loaders(ctx).apiKeyName.load(run.startedBy) : null;
  }

  @FieldResolver(() => RunProgress, {
    nullable: true,
    description:
      'The latest progress event (what runProgress streams), for clients that poll; null before the run starts.',
  })
  progress(@Root() run: Run & { progress?: Record<string, unknown> | null }): RunProgress | null {
    return run.progress ? { ...run.progress, runId: run.id, status: run.status } : null;
  }

  @FieldResolver(() => [RunEpoch], { description: 'Per-epoch metrics, phase by phase.' })
  epochs(@Root() run: Run, @Ctx() ctx: GraphQLContext): Promise<RunEpoch[]> {
    return loaders(ctx).epochs.load(run.id);
  }

  @FieldResolver(() => [RunArtifact], {
    description: 'Files the run produced, with expiring download URLs.',
  })
  async artifacts(@Root() run: Run, @Ctx() ctx: GraphQLContext): Promise<RunArtifact[]> {
    const files = await loaders(ctx).artifacts.load(run.id);
    return Promise.all(
      files.map(async (f) => ({
        ...f,
        url: await ctx.store.presignedGetUrl(f.key, ctx.config.presignedUrlTtlSeconds),
      })),
    );
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'Path (relative to the API URL) of the trained model.json behind an expiring link; stock tf.loadLayersModel(apiUrl + modelPath) loads it. Null until the run succeeded.',
  })
  modelPath(
    @Root() run: Run,
    @Ctx() ctx: GraphQLContext,
    @Arg('expiresInSeconds', () => Int, { nullable: true }) expiresInSeconds?: number,
  ): string | null {
    if (run.status !== RunStatus.succeeded) return null;
    const ttl = Math.min(
      Math.max(expiresInSeconds ?? ctx.config.presignedUrlTtlSeconds, 1),
      7 * 24 * 3600,
    );
    return `/artifacts/${signDownload(ctx.downloadSecret, run.id, Date.now() + ttl * 1000)}/model.json`;
  }

  @Authorized('viewer')
  @Query(() => RunComparison, {
    description:
      'Runs side by side: parameters with a differs flag, the per-layer frozen/trainable diff, metric series.',
  })
  compareRuns(
    @Arg('ids', () => [ID]) ids: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<RunComparison> {
    return compareRuns(ctx, ids) as unknown as Promise<RunComparison>;
  }

  @Authorized('editor')
  @Mutation(() => Run, { description: "Replaces a run's tags." })
  setTags(
    @Arg('runId', () => ID) runId: string,
    @Arg('tags', () => [String]) tags: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<Run> {
    return setTags(ctx, runId, tags) as unknown as Promise<Run>;
  }

  @Authorized('editor')
  @Mutation(() => Run, {
    description: 'Validates the specs against the backbone, records the run and queues it.',
  })
  startRun(
    @Arg('input', () => StartRunInput) input: StartRunInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Run> {
    return startRun(ctx, input, ctx.auth?.keyId) as unknown as Promise<Run>;
  }

  @Authorized('editor')
  @Mutation(() => Run)
  cancelRun(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Run> {
    return cancelRun(ctx, id) as unknown as Promise<Run>;
  }

  @Authorized('viewer')
  @Subscription(() => RunProgress, {
    description: 'Progress of a run until it ends (the last event carries the final status).',
    subscribe: ({ args, context }) =>
      progressEvents(context as GraphQLContext, (args as { runId: string }).runId),
  })
  runProgress(@Arg('runId', () => ID) _runId: string, @Root() event: RunProgress): RunProgress {
    return event;
  }
}

/** Polls the run's progress row (written by whichever worker runs it) and yields each change. */
async function* progressEvents(ctx: GraphQLContext, runId: string): AsyncGenerator<RunProgress> {
  let last = '';
  for (;;) {
    const run = await getRun(ctx, runId);
    const event: RunProgress = { runId, status: run.status as RunStatus, ...(run.progress ?? {}) };
    const key = JSON.stringify(event);
    if (key !== last) {
      last = key;
      yield event;
    }
    if (TERMINAL.has(run.status)) return;
    await new Promise((r) => setTimeout(r, 300));
  }
}
