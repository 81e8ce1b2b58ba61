import {
  artifactsToModel,
  backboneCatalog,
  describe as describeModel,
  GraftError,
  loadBackbone,
  type Backbone,
} from '@graft/core';
import { asc, eq } from 'drizzle-orm';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GraphQLContext } from '../context.js';
import type { BackboneLayer, Preprocessing } from '../db/json.js';
import { artifacts, backbones, modelVersions, registeredModels, runs } from '../db/schema.js';
import { readObject } from '../storage/index.js';
import { storedModelHandler } from './backboneLoader.js';
import { CorruptArchiveError, extractArchive } from '../datasets/materialize.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors/index.js';
import { assertUuid } from './ids.js';

export type BackboneRow = typeof backbones.$inferSelect;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Services need only the database and the store of the context. */
type StoreDeps = Pick<GraphQLContext, 'db' | 'store' | 'logger'>;
/** Registering from a source also needs the configuration (which sources are allowed). */
type Deps = StoreDeps & Pick<GraphQLContext, 'config'>;

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
async function storeArtifacts(deps: StoreDeps, backbone: Backbone): Promise<string> {
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
  deps: StoreDeps,
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
export async function ensureCatalogBackbones(deps: StoreDeps): Promise<string[]> {
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

/** Arguments of {@link registerBackbone}; exactly one of `sourceUri` and `upload`. */
export interface RegisterBackboneArgs {
  name: string;
  /**
   * A server directory holding `model.json` or a path to one (embedded mode only), or an
   * http(s) URL of a `model.json` (allowed by `GRAFT_BACKBONE_URL_PREFIXES`).
   */
  sourceUri?: string | null;
  /** An uploaded .tar / .tar.gz (`POST /uploads`) holding `model.json` and its weight files. */
  upload?: { key: string } | null;
  /** Default: pixels / 255 with the model's input channels. `channels` must be 1 or 3. */
  preprocessing?: (Omit<Preprocessing, 'channels'> & { channels: number }) | null;
  /** Default: the last layer before the model's classifier top. */
  lastFeatureLayer?: string | null;
}

/**
 * Checks that the API may read a model from `source` (the API reads it with its own rights).
 * A server folder only in embedded mode, where API and user share the machine; a URL only
 * under a configured prefix, so that editors cannot make the API fetch arbitrary addresses.
 */
function checkSourceAllowed(deps: Deps, source: string): void {
  if (/^https?:\/\//i.test(source)) {
    const allowed = deps.config.backboneUrlPrefixes;
    if (allowed === 'any' || allowed.some((prefix) => source.startsWith(prefix))) return;
    throw new BadUserInputError(
      allowed.length === 0
        ? 'this API does not load backbones from URLs (set GRAFT_BACKBONE_URL_PREFIXES); upload the model instead'
        : `backbone URLs must start with one of: ${allowed.join(', ')}`,
      [{ path: 'sourceUri', message: 'URL not allowed' }],
    );
  }
  if (deps.config.database.kind !== 'pglite') {
    throw new BadUserInputError(
      'server folders are only read in embedded mode (no DATABASE_URL); upload the model instead',
      [{ path: 'sourceUri', message: 'server paths are not allowed here' }],
    );
  }
}

/** Loads the model an uploaded archive holds (model.json and weights, at its top or in one folder). */
async function loadUploadedModel(
  deps: Deps,
  key: string,
  load: (dir: string, sourceUri: string) => Promise<Backbone>,
): Promise<Backbone> {
  if (!(await deps.store.statObject(key))) throw new NotFoundError('upload', key);
  let extracted: { tempDir: string; root: string };
  try {
    extracted = await extractArchive(deps.store, key);
  } catch (error) {
    if (error instanceof CorruptArchiveError) {
      throw new BadUserInputError(error.message, [{ path: 'upload.key', message: error.message }]);
    }
    throw error;
  }
  try {
    if (!existsSync(join(extracted.root, 'model.json'))) {
      throw new BadUserInputError('the archive holds no model.json (a tfjs LayersModel)', [
        { path: 'upload.key', message: 'no model.json in the archive' },
      ]);
    }
    return await load(extracted.root, `upload:${key}`);
  } finally {
    await rm(extracted.tempDir, { recursive: true, force: true });
  }
}

/**
 * Loads a tfjs LayersModel through @graft/core — from a server folder, a URL or an uploaded
 * archive — and registers it like the catalog backbones: a copy is stored in the object store,
 * which is what runs train from.
 * @throws BadUserInputError when the name or source is invalid or not allowed, or the model cannot
 * be loaded (the loader's message); NotFoundError for an unknown upload; ConflictError when the
 * name is taken.
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
  if (!!args.sourceUri === !!args.upload) {
    throw new BadUserInputError('give exactly one of sourceUri and upload', [
      { path: 'sourceUri', message: 'give exactly one of sourceUri and upload' },
    ]);
  }
  // Checked before loading (which may read megabytes); the unique constraint still decides.
  const [taken] = await deps.db
    .select({ id: backbones.id })
    .from(backbones)
    .where(eq(backbones.name, name));
  if (taken) throw new ConflictError(`a backbone named '${name}' already exists`);
  const { preprocessing } = args;
  if (preprocessing && preprocessing.channels !== 1 && preprocessing.channels !== 3) {
    throw new BadUserInputError('preprocessing.channels must be 1 or 3', [
      { path: 'preprocessing.channels', message: `got ${preprocessing.channels}` },
    ]);
  }
  const field = args.upload ? 'upload.key' : 'sourceUri';
  const load = async (source: string, sourceUri?: string): Promise<Backbone> => {
    try {
      const b = await loadBackbone({
        source,
        name,
        ...(preprocessing
          ? { preprocessing: { ...preprocessing, channels: preprocessing.channels as 1 | 3 } }
          : {}),
        ...(args.lastFeatureLayer ? { lastFeatureLayer: args.lastFeatureLayer } : {}),
      });
      return sourceUri ? { ...b, sourceUri } : b;
    } catch (error) {
      if (error instanceof GraftError) {
        const path = error.field === 'lastFeatureLayer' ? 'lastFeatureLayer' : field;
        throw new BadUserInputError(error.message, [{ path, message: error.message }]);
      }
      throw error;
    }
  };
  let backbone: Backbone;
  if (args.upload) {
    backbone = await loadUploadedModel(deps, args.upload.key, load);
  } else {
    const source = args.sourceUri!.trim();
    if (backboneCatalog.some((e) => e.id === source)) {
      throw new BadUserInputError(`'${source}' is a catalog id, not a model location`, [
        { path: 'sourceUri', message: 'give a directory, a model.json path or an http(s) URL' },
      ]);
    }
    checkSourceAllowed(deps, source);
    backbone = await load(source);
  }
  const [row] = await deps.db
    .insert(backbones)
    .values(await rowValues(deps, backbone, name))
    .returning();
  return row!;
}

/** Source URI of the backbone made from a model version (see {@link ensureVersionBackbone}). */
export const versionSourceUri = (versionId: string): string => `version:${versionId}`;

/**
 * The backbone a run fine-tuned from a model version starts from: the version's trained model
 * (the whole network, its head included), registered once as `<model>.v<version>` with the
 * preprocessing and block structure of the backbone it descends from. Its last feature layer is
 * the last layer before that head, so a default cut replaces the head; freeze specs resolve
 * against its layers like any backbone's.
 * @throws NotFoundError for an unknown version; BadUserInputError when its run stored no model.
 */
export async function ensureVersionBackbone(
  deps: StoreDeps,
  versionId: string,
): Promise<BackboneRow> {
  assertUuid('model version', versionId);
  const sourceUri = versionSourceUri(versionId);
  const byUri = async () =>
    (await deps.db.select().from(backbones).where(eq(backbones.sourceUri, sourceUri)))[0];
  const existing = await byUri();
  if (existing) return existing;
  const [found] = await deps.db
    .select({ version: modelVersions, model: registeredModels, run: runs })
    .from(modelVersions)
    .innerJoin(registeredModels, eq(registeredModels.id, modelVersions.modelId))
    .innerJoin(runs, eq(runs.id, modelVersions.runId))
    .where(eq(modelVersions.id, versionId));
  if (!found) throw new NotFoundError('model version', versionId);
  const { version, model, run } = found;
  const [origin] = await deps.db.select().from(backbones).where(eq(backbones.id, run.backboneId));
  const files = await deps.db.select().from(artifacts).where(eq(artifacts.runId, run.id));
  const modelJson = files.find((f) => f.name === 'model.json');
  const layers = run.surgery.layers ?? [];
  const lastFeatureLayer = layers.filter((l) => l.origin === 'backbone').at(-1)?.name;
  if (!origin || !modelJson || !lastFeatureLayer) {
    throw new BadUserInputError(
      `model version ${version.version} of '${model.name}' has no stored model to fine-tune`,
      [{ path: 'parentVersionId', message: 'no stored model' }],
    );
  }
  // The run's model.json names its weight files; the registry keeps them under content keys.
  const exported = JSON.parse((await readObject(deps.store, modelJson.key)).toString('utf8')) as {
    modelTopology: unknown;
    weightsManifest: { paths: string[]; weights: unknown[] }[];
  };
  const keyOf = new Map(files.map((f) => [f.name, f.key]));
  const stored = await deps.store.putObject(
    Buffer.from(
      JSON.stringify({
        format: 'layers-model',
        modelTopology: exported.modelTopology,
        weightsManifest: exported.weightsManifest.map((g) => ({
          weights: g.weights,
          paths: g.paths.map((p) => {
            const key = keyOf.get(p);
            if (!key) throw new Error(`run ${run.id} has no artifact '${p}'`);
            return key;
          }),
        })),
      }),
    ),
    { contentType: 'application/json' },
  );
  const name = `${model.name}.v${version.version}`;
  const loaded = await loadBackbone({
    ioHandler: storedModelHandler(deps.store, stored.key),
    name,
    preprocessing: origin.preprocessing,
    lastFeatureLayer,
  });
  const names = new Set(loaded.layerNames);
  const backbone: Backbone = {
    ...loaded,
    family: origin.family,
    sourceUri,
    blockEnds: origin.blockEnds.filter((b) => names.has(b)),
  };
  const values = await rowValues(deps, backbone, name);
  const [row] = await deps.db
    .insert(backbones)
    .values(values)
    .onConflictDoNothing({ target: backbones.name })
    .returning();
  if (row) return row;
  // Registered meanwhile by a concurrent run start, or the name is a user's backbone.
  const raced = await byUri();
  if (raced) return raced;
  throw new ConflictError(
    `a backbone named '${name}' already exists and is not model version ${version.version} of '${model.name}'`,
  );
}

/** Every registered backbone, oldest first. */
export function listBackbones(deps: StoreDeps): Promise<BackboneRow[]> {
  return deps.db.select().from(backbones).orderBy(asc(backbones.createdAt), asc(backbones.name));
}

/** One backbone. @throws NotFoundError for an unknown (or malformed) id. */
export async function getBackbone(deps: StoreDeps, id: string): Promise<BackboneRow> {
  assertUuid('backbone', id);
  const [row] = await deps.db.select().from(backbones).where(eq(backbones.id, id));
  if (!row) throw new NotFoundError('backbone', id);
  return row;
}

/** Catalog backbones built from a seed (`graft:architecture/...`) are not pretrained. */
export function isPretrained(row: Pick<BackboneRow, 'sourceUri'>): boolean {
  return !row.sourceUri.startsWith('graft:architecture/');
}
