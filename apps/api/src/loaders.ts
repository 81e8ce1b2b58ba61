import DataLoader from 'dataloader';
import { asc, desc, inArray } from 'drizzle-orm';
import type { GraphQLContext } from './context.js';
import {
  apiKeys,
  artifacts,
  backbones,
  datasets,
  modelAliases,
  modelVersions,
  runEpochs,
  runs,
} from './db/schema.js';

type BackboneRow = typeof backbones.$inferSelect;
type DatasetRow = typeof datasets.$inferSelect;
type RunRow = typeof runs.$inferSelect;
type EpochRow = typeof runEpochs.$inferSelect;
type ArtifactRow = typeof artifacts.$inferSelect;
type VersionRow = typeof modelVersions.$inferSelect;
type AliasRow = typeof modelAliases.$inferSelect;
/** The large run columns lists leave out (see `listRuns`). */
export type LargeRunColumn = 'surgery' | 'evaluation' | 'lineage' | 'log';

/**
 * Per-request batch loaders: every `Run.backbone` (or dataset, starter, epochs, artifacts, large
 * column; a model's versions, a version's aliases) asked for in one request costs one SQL
 * statement together, however many runs or versions the response holds.
 */
export interface Loaders {
  backbone: DataLoader<string, BackboneRow | null>;
  dataset: DataLoader<string, DatasetRow | null>;
  apiKeyName: DataLoader<string, string | null>;
  /** Epochs of a run, phase by phase. */
  epochs: DataLoader<string, EpochRow[]>;
  /** Artifacts of a run, by name. */
  artifacts: DataLoader<string, ArtifactRow[]>;
  /** One large column of runs. */
  runColumn<K extends LargeRunColumn>(key: K): DataLoader<string, RunRow[K] | null>;
  /** Versions of a model, newest first. */
  versionsOfModel: DataLoader<string, VersionRow[]>;
  /** Aliases of a model, by name. */
  aliasesOfModel: DataLoader<string, AliasRow[]>;
}

/** Rows grouped under the keys asked for, in the order of the keys (each group in row order). */
function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const r of rows) groups.get(keyOf(r))?.push(r);
  return keys.map((k) => groups.get(k)!);
}

const perRequest = new WeakMap<object, Loaders>();

function byId<T extends { id: string }>(ids: readonly string[], rows: T[]): (T | null)[] {
  const map = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => map.get(id) ?? null);
}

/** The loaders of this request (the context object is one per HTTP request or WS operation). */
export function loaders(ctx: GraphQLContext): Loaders {
  let l = perRequest.get(ctx);
  if (!l) {
    const { db } = ctx;
    const columnLoaders = new Map<LargeRunColumn, DataLoader<string, unknown>>();
    l = {
      backbone: new DataLoader(async (ids) =>
        byId(
          ids,
          await db
            .select()
            .from(backbones)
            .where(inArray(backbones.id, [...ids])),
        ),
      ),
      dataset: new DataLoader(async (ids) =>
        byId(
          ids,
          await db
            .select()
            .from(datasets)
            .where(inArray(datasets.id, [...ids])),
        ),
      ),
      apiKeyName: new DataLoader(async (ids) =>
        byId(
          ids,
          await db
            .select({ id: apiKeys.id, name: apiKeys.name })
            .from(apiKeys)
            .where(inArray(apiKeys.id, [...ids])),
        ).map((r) => r?.name ?? null),
      ),
      epochs: new DataLoader(async (ids) =>
        groupBy(
          ids,
          await db
            .select()
            .from(runEpochs)
            .where(inArray(runEpochs.runId, [...ids]))
            .orderBy(runEpochs.runId, runEpochs.phaseIndex, runEpochs.epoch),
          (r) => r.runId,
        ),
      ),
      artifacts: new DataLoader(async (ids) =>
        groupBy(
          ids,
          await db
            .select()
            .from(artifacts)
            .where(inArray(artifacts.runId, [...ids]))
            .orderBy(asc(artifacts.name)),
          (r) => r.runId,
        ),
      ),
      runColumn: <K extends LargeRunColumn>(key: K) => {
        let loader = columnLoaders.get(key) as DataLoader<string, RunRow[K] | null> | undefined;
        if (!loader) {
          loader = new DataLoader(async (ids: readonly string[]) => {
            const rows = await db
              .select({ id: runs.id, value: runs[key] })
              .from(runs)
              .where(inArray(runs.id, [...ids]));
            return byId(ids, rows).map((r) => (r?.value as RunRow[K] | undefined) ?? null);
          });
          columnLoaders.set(key, loader as DataLoader<string, unknown>);
        }
        return loader;
      },
      versionsOfModel: new DataLoader(async (ids) =>
        groupBy(
          ids,
          await db
            .select()
            .from(modelVersions)
            .where(inArray(modelVersions.modelId, [...ids]))
            .orderBy(desc(modelVersions.version)),
          (r) => r.modelId,
        ),
      ),
      aliasesOfModel: new DataLoader(async (ids) =>
        groupBy(
          ids,
          await db
            .select()
            .from(modelAliases)
            .where(inArray(modelAliases.modelId, [...ids]))
            .orderBy(asc(modelAliases.alias)),
          (r) => r.modelId,
        ),
      ),
    };
    perRequest.set(ctx, l);
  }
  return l;
}
