import { and, desc, eq, inArray, max } from 'drizzle-orm';
import type { GraphQLContext } from '../context.js';
import {
  aliasEvents,
  backbones,
  datasets,
  modelAliases,
  modelVersions,
  registeredModels,
  runs,
} from '../db/schema.js';
import { requireRole } from '../auth/index.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors/index.js';
import { assertUuid } from './ids.js';

type VersionRow = typeof modelVersions.$inferSelect;
const ALIAS = /^[a-z][a-z0-9_-]{0,62}$/;

/**
 * Makes the next version of model `modelName` (created if new) from a succeeded run. A run yields at
 * most one version (unique run_id): a second call is a CONFLICT naming the existing version.
 */
export async function createModelVersion(
  ctx: GraphQLContext,
  args: { runId: string; modelName: string; actor?: string },
): Promise<VersionRow> {
  const name = args.modelName.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name)) {
    throw new BadUserInputError(
      'model names are 1-128 letters, digits, dots, dashes or underscores',
      [{ path: 'modelName', message: 'invalid name' }],
    );
  }
  assertUuid('run', args.runId);
  const [run] = await ctx.db.select().from(runs).where(eq(runs.id, args.runId));
  if (!run) throw new NotFoundError('run', args.runId);
  if (run.status !== 'succeeded') {
    throw new BadUserInputError(
      `run '${run.id}' is ${run.status}; only succeeded runs become model versions`,
      [{ path: 'runId', message: `run is ${run.status}` }],
    );
  }
  const [existing] = await ctx.db
    .select()
    .from(modelVersions)
    .where(eq(modelVersions.runId, run.id));
  if (existing)
    throw new ConflictError(
      `run '${run.id}' is already model version ${existing.version} (${existing.id})`,
    );
  // Short transaction; a concurrent creator of the same version number loses on the unique key and retries.
  for (let attempt = 0; ; attempt++) {
    try {
      return await ctx.db.transaction(async (tx) => {
        await tx
          .insert(registeredModels)
          .values({ name, createdBy: args.actor ?? null })
          .onConflictDoNothing();
        const [model] = await tx
          .select()
          .from(registeredModels)
          .where(eq(registeredModels.name, name));
        const [{ top } = { top: 0 }] = await tx
          .select({ top: max(modelVersions.version) })
          .from(modelVersions)
          .where(eq(modelVersions.modelId, model!.id));
        const [version] = await tx
          .insert(modelVersions)
          .values({
            modelId: model!.id,
            version: (top ?? 0) + 1,
            runId: run.id,
            createdBy: args.actor ?? null,
          })
          .returning();
        return version!;
      });
    } catch (err) {
      const code =
        (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
      if (code === '23505' && attempt < 3) {
        const [again] = await ctx.db
          .select()
          .from(modelVersions)
          .where(eq(modelVersions.runId, run.id));
        if (again)
          throw new ConflictError(
            `run '${run.id}' is already model version ${again.version} (${again.id})`,
          );
        continue;
      }
      throw err;
    }
  }
}

/** Points `alias` at a version (moving it from its current holder) and records who, when and why. */
export async function promoteModelVersion(
  ctx: GraphQLContext,
  args: { versionId: string; alias: string; reason: string; actor?: string },
): Promise<VersionRow> {
  const alias = args.alias.trim();
  if (!ALIAS.test(alias)) {
    throw new BadUserInputError(
      'aliases are lowercase letters, digits, dashes or underscores, starting with a letter',
      [{ path: 'alias', message: 'invalid alias' }],
    );
  }
  if (!args.reason.trim()) {
    throw new BadUserInputError('say why you promote this version', [
      { path: 'reason', message: 'required' },
    ]);
  }
  // Production serves users: moving it is a maintainer's call.
  if (alias === 'production') requireRole(ctx, 'maintainer');
  const version = await getVersion(ctx, args.versionId);
  if (version.archived)
    throw new ConflictError(
      `version ${version.version} is archived; archived versions hold no alias`,
    );
  await ctx.db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(modelAliases)
      .where(and(eq(modelAliases.modelId, version.modelId), eq(modelAliases.alias, alias)))
      .for('update');
    if (current?.versionId === version.id) return;
    await tx
      .insert(modelAliases)
      .values({ modelId: version.modelId, alias, versionId: version.id })
      .onConflictDoUpdate({
        target: [modelAliases.modelId, modelAliases.alias],
        set: { versionId: version.id, updatedAt: new Date() },
      });
    await tx.insert(aliasEvents).values({
      modelId: version.modelId,
      alias,
      fromVersion: current?.versionId ?? null,
      toVersion: version.id,
      actor: args.actor ?? null,
      reason: args.reason.trim(),
    });
  });
  return version;
}

/** Archives a version; the aliases it held are removed (and the removals audited). */
export async function archiveModelVersion(
  ctx: GraphQLContext,
  args: { versionId: string; reason?: string; actor?: string },
): Promise<VersionRow> {
  const version = await getVersion(ctx, args.versionId);
  return ctx.db.transaction(async (tx) => {
    const held = await tx
      .delete(modelAliases)
      .where(eq(modelAliases.versionId, version.id))
      .returning();
    for (const a of held) {
      await tx.insert(aliasEvents).values({
        modelId: version.modelId,
        alias: a.alias,
        fromVersion: version.id,
        toVersion: null,
        actor: args.actor ?? null,
        reason: args.reason ?? 'version archived',
      });
    }
    const [updated] = await tx
      .update(modelVersions)
      .set({ archived: true })
      .where(eq(modelVersions.id, version.id))
      .returning();
    return updated!;
  });
}

export async function getVersion(ctx: GraphQLContext, id: string): Promise<VersionRow> {
  assertUuid('model version', id);
  const [v] = await ctx.db.select().from(modelVersions).where(eq(modelVersions.id, id));
  if (!v) throw new NotFoundError('model version', id);
  return v;
}

export function listModels(ctx: GraphQLContext) {
  return ctx.db.select().from(registeredModels).orderBy(registeredModels.name);
}

export async function getModelByName(ctx: GraphQLContext, name: string) {
  const [m] = await ctx.db.select().from(registeredModels).where(eq(registeredModels.name, name));
  if (!m) throw new NotFoundError('model', name);
  return m;
}

export function aliasHistory(ctx: GraphQLContext, modelId: string) {
  return ctx.db
    .select()
    .from(aliasEvents)
    .where(eq(aliasEvents.modelId, modelId))
    .orderBy(desc(aliasEvents.id));
}

/** A version's lineage: backbone weights, dataset and run behind it; the version it fine-tuned; versions fine-tuned from it. */
export async function lineageOf(ctx: GraphQLContext, versionId: string) {
  const version = await getVersion(ctx, versionId);
  const [model] = await ctx.db
    .select()
    .from(registeredModels)
    .where(eq(registeredModels.id, version.modelId));
  const [run] = await ctx.db.select().from(runs).where(eq(runs.id, version.runId));
  const [backbone] = await ctx.db.select().from(backbones).where(eq(backbones.id, run!.backboneId));
  const [dataset] = await ctx.db.select().from(datasets).where(eq(datasets.id, run!.datasetId));
  const parent = run!.parentVersionId ? await getVersion(ctx, run!.parentVersionId) : null;
  const childRuns = await ctx.db
    .select({ id: runs.id })
    .from(runs)
    .where(eq(runs.parentVersionId, version.id));
  const children = childRuns.length
    ? await ctx.db
        .select()
        .from(modelVersions)
        .where(
          inArray(
            modelVersions.runId,
            childRuns.map((r) => r.id),
          ),
        )
    : [];
  const { layers: _layers, ...backboneSummary } = backbone!;
  const { lineage: record, log: _log, ...runSummary } = run!;
  return {
    version,
    model: model!,
    backbone: backboneSummary,
    dataset: dataset!,
    run: runSummary,
    record,
    parent,
    children,
  };
}
