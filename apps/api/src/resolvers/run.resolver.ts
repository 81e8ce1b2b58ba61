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
} from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import { cancelRun, getRun, listRuns, runEpochsOf, startRun } from '../services/run.service.js';
import { RunFilter, RunOrder, StartRunInput } from '../types/run.input.js';
import { Run, RunEpoch, RunPage, RunProgress, RunStatus } from '../types/run.type.js';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

@Resolver(() => Run)
export class RunResolver {
  @Query(() => Run, { description: 'One run; NOT_FOUND for an unknown id.' })
  run(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Run> {
    return getRun(ctx, id) as unknown as Promise<Run>;
  }

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

  @FieldResolver(() => [RunEpoch], { description: 'Per-epoch metrics, phase by phase.' })
  epochs(@Root() run: Run, @Ctx() ctx: GraphQLContext): Promise<RunEpoch[]> {
    return runEpochsOf(ctx, run.id);
  }

  // TODO(auth): editor
  @Mutation(() => Run, {
    description: 'Validates the specs against the backbone, records the run and queues it.',
  })
  startRun(
    @Arg('input', () => StartRunInput) input: StartRunInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Run> {
    return startRun(ctx, input) as unknown as Promise<Run>;
  }

  // TODO(auth): editor
  @Mutation(() => Run)
  cancelRun(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Run> {
    return cancelRun(ctx, id) as unknown as Promise<Run>;
  }

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
