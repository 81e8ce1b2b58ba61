import {
  artifactsToModel,
  backboneCatalog,
  describe as describeModel,
  GraftError,
  loadBackbone,
  type Backbone,
} from '@graft/core';
import { asc, eq } from 'drizzle-orm';
import type { GraphQLContext } from '../context.js';
import type { BackboneLayer, Preprocessing } from '../db/json.js';
import { backbones } from '../db/schema.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors/index.js';
import { assertUuid } from './ids.js';

export type BackboneRow = typeof backbones.$inferSelect;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Services need only the database and the store of the context. */
type Deps = Pick<GraphQLContext, 'db' | 'store' | 'logger'>;

/**
 * The full layer table of a backbone (every layer of its topology, input layer included), built
 * by rebuilding the model from its artifacts through core — not surgery, which would stop at the
 * last feature layer (MobileNetV2: 162 layers here, 155 up to `out_relu`).
 */
async function layerTable(backbone: Backbone): Promise<BackboneLayer[]> {
  const model = await artifactsToModel(backbone.artifacts);
  try {
    return describeModel(model, new Set()).layers.map((l) => ({
      name: l.name,
      className: l.className,
      outputShape: l.outputShape.map((d) => (d < 0 ? null : d)),
      params: l.params,
    }));
  } finally {
    model.dispose();
  }
}

/**
 * Weight shard size. tfjs itself shards weights (4 MB by default); shards also keep each object
 * below minio's 64 MB multipart threshold, which the embedded s3rver cannot serve
 * (no ListMultipartUploads) — InceptionV3's float32 weights are ~95 MB.
 */
const WEIGHT_SHARD_BYTES = 32 * 1024 * 1024;

/**
 * Stores the backbone as a standard tfjs model under content addresses: the weight shards first,
 * then a `model.json` whose weights manifest lists the shards' keys. Returns the model.json key.
 */
async function storeArtifacts(deps: Deps, backbone: Backbone): Promise<string> {
  const { artifacts } = backbone;
  const weights = new Uint8Array(artifacts.weightData);
  const paths: string[] = [];
  for (
    let offset = 0;
    offset < weights.length || paths.length === 0;
    offset += WEIGHT_SHARD_BYTES
  ) {
    const shard = weights.subarray(offset, offset + WEIGHT_SHARD_BYTES);
    paths.push((await deps.store.putObject(shard)).key);
  }
  const modelJson = Buffer.from(
    JSON.stringify({
      format: 'layers-model',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
    }),
  );
  const stored = await deps.store.putObject(modelJson, { contentType: 'application/json' });
  return stored.key;
}

/** The row for a loaded backbone; `name` is the registry's unique name. */
async function rowValues(
  deps: Deps,
  backbone: Backbone,
  name: string,
): Promise<typeof backbones.$inferInsert> {
  const [layers, artifactKey] = await Promise.all([
    layerTable(backbone),
    storeArtifacts(deps, backbone),
  ]);
  return {
    name,
    family: backbone.family,
    sourceUri: backbone.sourceUri,
    topologySha256: backbone.fingerprint.topologySha256,
    weightsSha256: backbone.fingerprint.weightsSha256,
    inputShape: backbone.inputShape,
    preprocessing: backbone.preprocessing,
    layers,
    blockEnds: backbone.blockEnds,
    lastFeatureLayer: backbone.lastFeatureLayer,
    artifactKey,
  };
}

/**
 * Registers @graft/core's pretrained catalog backbones that have no row yet (by name). Rows that
 * exist are not touched and nothing is loaded for them, so a restart costs one SELECT.
 * Concurrent starts are safe: the insert ignores a name another process registered meanwhile.
 * @returns the names registered by this call.
 */
export async function ensureCatalogBackbones(deps: Deps): Promise<string[]> {
  const existing = new Set(
    (await deps.db.select({ name: backbones.name }).from(backbones)).map((r) => r.name),
  );
  const registered: string[] = [];
  for (const entry of backboneCatalog.filter((e) => e.pretrained && !existing.has(e.id))) {
    const backbone = await loadBackbone({ source: entry.id });
    const inserted = await deps.db
      .insert(backbones)
      .values(await rowValues(deps, backbone, entry.id))
      .onConflictDoNothing({ target: backbones.name })
      .returning({ id: backbones.id });
    if (inserted.length > 0) registered.push(entry.id);
  }
  if (registered.length > 0) deps.logger.info('catalog backbones registered', { registered });
  return registered;
}

/** Arguments of {@link registerBackbone}. */
export interface RegisterBackboneArgs {
  name: string;
  /** A directory holding `model.json`, a path to a `model.json`, or an http(s) URL of one. */
  sourceUri: string;
  /** Default: pixels / 255 with the model's input channels. `channels` must be 1 or 3. */
  preprocessing?: (Omit<Preprocessing, 'channels'> & { channels: number }) | null;
  /** Default: the last layer before the model's classifier top. */
  lastFeatureLayer?: string | null;
}

/**
 * Loads a tfjs LayersModel through @graft/core and registers it like the catalog backbones.
 * @throws BadUserInputError when the name is invalid or the model cannot be loaded (the loader's
 * message), ConflictError when the name is taken.
 */
export async function registerBackbone(
  deps: Deps,
  args: RegisterBackboneArgs,
): Promise<BackboneRow> {
  const name = args.name.trim();
  if (!NAME.test(name)) {
    throw new BadUserInputError(
      'backbone names are 1-128 letters, digits, dots, dashes or underscores',
      [{ path: 'name', message: 'invalid name' }],
    );
  }
  // Checked before loading (which may download megabytes); the unique constraint still decides.
  const [taken] = await deps.db
    .select({ id: backbones.id })
    .from(backbones)
    .where(eq(backbones.name, name));
  if (taken) throw new ConflictError(`a backbone named '${name}' already exists`);
  const source = args.sourceUri.trim();
  if (backboneCatalog.some((e) => e.id === source)) {
    throw new BadUserInputError(`'${source}' is a catalog id, not a model location`, [
      { path: 'sourceUri', message: 'give a directory, a model.json path or an http(s) URL' },
    ]);
  }
  const { preprocessing } = args;
  if (preprocessing && preprocessing.channels !== 1 && preprocessing.channels !== 3) {
    throw new BadUserInputError('preprocessing.channels must be 1 or 3', [
      { path: 'preprocessing.channels', message: `got ${preprocessing.channels}` },
    ]);
  }
  let backbone: Backbone;
  try {
    backbone = await loadBackbone({
      source,
      name,
      ...(preprocessing
        ? { preprocessing: { ...preprocessing, channels: preprocessing.channels as 1 | 3 } }
        : {}),
      ...(args.lastFeatureLayer ? { lastFeatureLayer: args.lastFeatureLayer } : {}),
    });
  } catch (error) {
    if (error instanceof GraftError) {
      const path = error.field === 'lastFeatureLayer' ? 'lastFeatureLayer' : 'sourceUri';
      throw new BadUserInputError(error.message, [{ path, message: error.message }]);
    }
    throw error;
  }
  const [row] = await deps.db
    .insert(backbones)
    .values(await rowValues(deps, backbone, name))
    .returning();
  return row!;
}

/** Every registered backbone, oldest first. */
export function listBackbones(deps: Deps): Promise<BackboneRow[]> {
  return deps.db.select().from(backbones).orderBy(asc(backbones.createdAt), asc(backbones.name));
}

/** One backbone. @throws NotFoundError for an unknown (or malformed) id. */
export async function getBackbone(deps: Deps, id: string): Promise<BackboneRow> {
  assertUuid('backbone', id);
  const [row] = await deps.db.select().from(backbones).where(eq(backbones.id, id));
  if (!row) throw new NotFoundError('backbone', id);
  return row;
}

/** Catalog backbones built from a seed (`graft:architecture/...`) are not pretrained. */
export function isPretrained(row: Pick<BackboneRow, 'sourceUri'>): boolean {
  return !row.sourceUri.startsWith('graft:architecture/');
}
