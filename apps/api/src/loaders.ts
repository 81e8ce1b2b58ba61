import DataLoader from 'dataloader';
import { inArray } from 'drizzle-orm';
import type { GraphQLContext } from './context.js';
import { apiKeys, backbones, datasets } from './db/schema.js';

type BackboneRow = typeof backbones.$inferSelect;
type DatasetRow = typeof datasets.$inferSelect;

/**
 * Per-request batch loaders: every `Run.backbone` (or dataset, or starter) asked for in one
 * request costs one SQL statement together, however many runs the page holds.
 */
export interface Loaders {
  backbone: DataLoader<string, BackboneRow | null>;
  dataset: DataLoader<string, DatasetRow | null>;
  apiKeyName: DataLoader<string, string | null>;
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
    };
    perRequest.set(ctx, l);
  }
  return l;
}
