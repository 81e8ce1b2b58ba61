import * as tf from '@tensorflow/tfjs';
import * as posix from 'node:path/posix';
import { GraftError } from '../errors.js';
import { sha256 } from '../util/hash.js';
import { blobKeySegments, type BlobStore } from './blobStore.js';

/** One stored file of an exported model: what the lineage's `artifacts` list records. */
export interface ExportedFile {
  /** Store key of the file, e.g. `models/abc/model.json`. */
  path: string;
  /** Size in bytes. */
  bytes: number;
  /** Hex sha256 of the stored bytes. */
  sha256: string;
}

/** Arguments of {@link blobStoreIOHandler}. */
export interface BlobStoreIOHandlerArgs {
  /** Where the files go. */
  store: BlobStore;
  /**
   * Folder key of the model: files are `<prefix>/model.json` and `<prefix>/<weightsFileName>`.
   * Leading and trailing `/` are ignored; `''` puts them at the store's root.
   */
  prefix: string;
  /** Name of the weights file, relative to `model.json`. Default `'weights.bin'`. */
  weightsFileName?: string;
}

/** A tfjs `IOHandler` over a {@link BlobStore}, in the standard `model.json` + weights layout. */
export interface BlobStoreIOHandler extends tf.io.IOHandler {
  save: tf.io.SaveHandler;
  load: tf.io.LoadHandler;
  /** Store key of `model.json`. */
  readonly modelJsonPath: string;
  /** Files written by the last `save` (`model.json` first); empty before any save. */
  readonly files: ExportedFile[];
}

/** A `model.json` that cannot be read back into a model. */
export class InvalidModelJsonError extends GraftError {
  constructor(key: string, reason: string) {
    super('INVALID_MODEL_JSON', `cannot load the model at '${key}': ${reason}`);
  }
}

const MODEL_JSON = 'model.json';

/**
 * A tfjs `IOHandler` that saves a model into a {@link BlobStore} as the files
 * `tf.loadLayersModel` reads from any folder or URL: `model.json` (topology, weights manifest
 * with paths relative to it, `format`, `generatedBy`, `convertedBy`) and one weights file,
 * and loads such a folder back.
 *
 * ```ts
 * const handler = blobStoreIOHandler({ store, prefix: 'models/abc' });
 * await model.save(handler);          // handler.files: [{ path, bytes, sha256 }, ...]
 * const again = await tf.loadLayersModel(handler);
 * ```
 */
export function blobStoreIOHandler(args: BlobStoreIOHandlerArgs): BlobStoreIOHandler {
  const { store } = args;
  const weightsFileName = args.weightsFileName ?? 'weights.bin';
  blobKeySegments(weightsFileName);
  if (weightsFileName === MODEL_JSON) {
    throw new GraftError('INVALID_SPEC', `the weights file cannot be named '${MODEL_JSON}'`);
  }
  const folder = args.prefix.replace(/^\/+|\/+$/g, '');
  const keyOf = (relative: string) => (folder === '' ? relative : `${folder}/${relative}`);
  const modelJsonPath = keyOf(MODEL_JSON);
  blobKeySegments(modelJsonPath);
  let files: ExportedFile[] = [];

  async function save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
    if (artifacts.modelTopology instanceof ArrayBuffer) {
      throw new GraftError(
        'UNSUPPORTED_MODEL',
        'blobStoreIOHandler saves JSON model topologies (LayersModel), not binary GraphDefs',
      );
    }
    const written: ExportedFile[] = [];
    const manifest: tf.io.WeightsManifestConfig = [];
    // Weights go first: once model.json exists, everything it points to exists too.
    if (artifacts.weightData != null) {
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
      const key = keyOf(weightsFileName);
      await store.put(key, weights);
      written.push({ path: key, bytes: weights.byteLength, sha256: sha256(weights) });
      manifest.push({ paths: [weightsFileName], weights: artifacts.weightSpecs ?? [] });
    }
    const modelJson = new TextEncoder().encode(JSON.stringify(toModelJson(artifacts, manifest)));
    await store.put(modelJsonPath, modelJson);
    written.unshift({
      path: modelJsonPath,
      bytes: modelJson.byteLength,
      sha256: sha256(modelJson),
    });
    files = written;
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }

  async function load(): Promise<tf.io.ModelArtifacts> {
    const text = new TextDecoder().decode(await store.get(modelJsonPath));
    let modelJson: tf.io.ModelJSON;
    try {
      modelJson = JSON.parse(text) as tf.io.ModelJSON;
    } catch (err) {
      throw new InvalidModelJsonError(modelJsonPath, `not JSON (${(err as Error).message})`);
    }
    if (modelJson === null || typeof modelJson !== 'object' || modelJson.modelTopology == null) {
      throw new InvalidModelJsonError(modelJsonPath, 'it has no modelTopology');
    }
    return tf.io.getModelArtifactsForJSON(modelJson, async (weightsManifest) => {
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const bytes = await store.get(resolveRelative(folder, p, modelJsonPath));
          buffers.push(bytes.slice().buffer);
        }
      }
      return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
    });
  }

  return {
    save,
    load,
    modelJsonPath,
    get files() {
      return files.map((f) => ({ ...f }));
    },
  };
}

/** The `model.json` tfjs writes for these artifacts (see tfjs `getModelJSONForModelArtifacts`). */
function toModelJson(
  artifacts: tf.io.ModelArtifacts,
  weightsManifest: tf.io.WeightsManifestConfig,
): tf.io.ModelJSON {
  const json: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js v${tf.version.tfjs}`,
    // null: saved directly from tfjs, no converter involved.
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest,
  };
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata != null)
    json.userDefinedMetadata = artifacts.userDefinedMetadata;
  if (artifacts.modelInitializer != null) json.modelInitializer = artifacts.modelInitializer;
  if (artifacts.initializerSignature != null) {
    json.initializerSignature = artifacts.initializerSignature;
  }
  return json;
}

/** Store key of a weights path given relative to `model.json`, which must stay in the store. */
function resolveRelative(folder: string, relative: string, modelJsonPath: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(relative) || relative.startsWith('/')) {
    throw new InvalidModelJsonError(
      modelJsonPath,
      `weights path '${relative}' is not relative to model.json`,
    );
  }
  const key = posix.normalize(posix.join(folder === '' ? '.' : folder, relative));
  if (key === '..' || key.startsWith('../')) {
    throw new InvalidModelJsonError(modelJsonPath, `weights path '${relative}' leaves the store`);
  }
  blobKeySegments(key);
  return key;
}

/** Arguments of {@link exportLayersModel}. */
export interface ExportLayersModelArgs {
  model: tf.LayersModel;
  store: BlobStore;
  /** Folder key of the model; see {@link BlobStoreIOHandlerArgs.prefix}. */
  prefix: string;
  /** Name of the weights file. Default `'weights.bin'`. */
  weightsFileName?: string;
  /** Also save the optimizer's state (to resume training). Default `false`. */
  includeOptimizer?: boolean;
}

/** What {@link exportLayersModel} wrote. */
export interface ExportedModel {
  /** `model.json` first, then the weights file; each with size and sha256. */
  files: ExportedFile[];
  /** Store key of `model.json`: what `tf.loadLayersModel` is pointed at. */
  modelJsonPath: string;
}

/**
 * Saves a LayersModel into a {@link BlobStore} in the standard tfjs layout (see
 * {@link blobStoreIOHandler}) and returns the files with their sizes and sha256s.
 */
export async function exportLayersModel(args: ExportLayersModelArgs): Promise<ExportedModel> {
  const handler = blobStoreIOHandler({
    store: args.store,
    prefix: args.prefix,
    ...(args.weightsFileName !== undefined && { weightsFileName: args.weightsFileName }),
  });
  await args.model.save(handler, { includeOptimizer: args.includeOptimizer ?? false });
  return { files: handler.files, modelJsonPath: handler.modelJsonPath };
}
