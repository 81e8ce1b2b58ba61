import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Preprocessing } from '../data/types.js';
import { GraftError, InvalidSpecError } from '../errors.js';
import { architectures } from './architectures/index.js';
import {
  fingerprintArtifacts,
  layerNamesOf,
  modelToArtifacts,
  skipInitializers,
} from './artifacts.js';
import { guessBlockEnds, guessLastFeatureLayer } from './graph.js';
import {
  inceptionV3BlockEnds,
  mobilenetV2BlockEnds,
  nsfwjsIOHandler,
  nsfwjsVersion,
} from './nsfwjs.js';
import type { Backbone } from './types.js';

/** What the catalog offers, before anything is loaded. */
export interface CatalogEntry {
  id: string;
  name: string;
  family: string;
  pretrained: boolean;
  inputShape: [number, number, number];
  description: string;
}

/** nsfwjs feeds its models pixels / 255: these weights expect inputs in [0, 1]. */
const UNIT_RANGE_RGB: Preprocessing = { scale: 1 / 255, offset: 0, channels: 3 };
const UNIT_RANGE_GRAY: Preprocessing = { scale: 1 / 255, offset: 0, channels: 1 };

/** Directory of the assets shipped with the package (works from src/ and from dist/). */
export const assetsDir = fileURLToPath(new URL('../../assets/', import.meta.url));

export const backboneCatalog: readonly CatalogEntry[] = [
  {
    id: 'mobilenet_v2',
    name: 'MobileNetV2',
    family: 'mobilenet',
    pretrained: true,
    inputShape: [224, 224, 3],
    description:
      'Keras MobileNetV2 (alpha 1.0), ImageNet architecture fine-tuned on a 5-class task, from nsfwjs; inputs in [0, 1]',
  },
  {
    id: 'inception_v3',
    name: 'InceptionV3',
    family: 'inception',
    pretrained: true,
    inputShape: [299, 299, 3],
    description:
      'Keras InceptionV3, ImageNet architecture fine-tuned on a 5-class task, from nsfwjs; inputs in [0, 1]',
  },
  {
    id: 'lenet5-mnist04',
    name: 'LeNet-5 (MNIST 0-4)',
    family: 'lenet',
    pretrained: true,
    inputShape: [28, 28, 1],
    description:
      'LeNet-style CNN pretrained in-house on MNIST digits 0-4 (scripts/pretrain-lenet5-mnist04); inputs in [0, 1]',
  },
  ...(
    [
      ['lenet5', 'LeNet-5', 'lenet', [32, 32, 1]],
      ['alexnet', 'AlexNet', 'alexnet', [224, 224, 3]],
      ['vgg16', 'VGG16', 'vgg', [224, 224, 3]],
      ['resnet50', 'ResNet50', 'resnet', [224, 224, 3]],
      ['googlenet', 'GoogLeNet (Inception v1)', 'googlenet', [224, 224, 3]],
    ] as const
  ).map(([id, name, family, shape]) => ({
    id,
    name,
    family,
    pretrained: false,
    inputShape: [...shape] as [number, number, number],
    description: `${name} built with tf.layers, randomly initialised from a seed (for in-house pretraining and from-scratch baselines)`,
  })),
];

/** Where to load a backbone from: a catalog id, a path/URL, or an IOHandler. */
export interface LoadBackboneArgs {
  /** A catalog id (`mobilenet_v2`, `vgg16`, ...) or a source: a directory holding `model.json`, a path to a `model.json`, or an http(s) URL of one. */
  source?: string;
  /** A tfjs IOHandler that loads a LayersModel (the caller's storage: S3, memory, ...). */
  ioHandler?: tf.io.IOHandler;
  /** Name for a custom backbone; default: derived from the source. */
  name?: string;
  /** Preprocessing of a custom backbone; default: pixels / 255 with the model's input channels. */
  preprocessing?: Preprocessing;
  /** Last feature layer of a custom backbone; default: the last layer before its classifier top. */
  lastFeatureLayer?: string;
  /** Seed of a randomly initialised catalog architecture; default 42. */
  seed?: number;
  /** Input shape of a randomly initialised catalog architecture; default: its classic size. */
  inputShape?: [number, number, number];
}

const memo = new Map<string, Promise<Backbone>>();

/** Loads a backbone. Catalog backbones are memoised per process (they are immutable). */
export async function loadBackbone(args: LoadBackboneArgs): Promise<Backbone> {
  const { source, ioHandler } = args;
  if (!source && !ioHandler)
    throw new InvalidSpecError('loadBackbone needs a source or an ioHandler', 'backbone');
  if (ioHandler) return loadCustom(ioHandler, args.name ?? 'custom', 'iohandler:', args);
  const entry = backboneCatalog.find((e) => e.id === source);
  if (entry) {
    const key = `${entry.id}|${args.seed ?? 42}|${args.inputShape?.join('x') ?? ''}`;
    let p = memo.get(key);
    if (!p) {
      p = loadCatalog(entry, args);
      p.catch(() => memo.delete(key));
      memo.set(key, p);
    }
    return p;
  }
  if (/^https?:\/\//.test(source!)) {
    return loadCustom(tf.io.http(source!), args.name ?? nameFromSource(source!), source!, args);
  }
  if (/^[a-z0-9_-]+$/i.test(source!) && !existsSync(source!)) {
    throw new GraftError(
      'UNKNOWN_BACKBONE',
      `unknown backbone '${source}'; catalog backbones are: ${backboneCatalog.map((e) => e.id).join(', ')} ` +
        `(or give a directory with model.json, or an http(s) URL)`,
      'backbone',
    );
  }
  return loadCustom(
    directoryIOHandler(source!),
    args.name ?? nameFromSource(source!),
    resolve(source!),
    args,
  );
}

async function loadCatalog(entry: CatalogEntry, args: LoadBackboneArgs): Promise<Backbone> {
  if (entry.id === 'mobilenet_v2' || entry.id === 'inception_v3') {
    const model = await tf.loadLayersModel(skipInitializers(nsfwjsIOHandler(entry.id)));
    const isMobile = entry.id === 'mobilenet_v2';
    return finish(model, {
      id: entry.id,
      name: entry.name,
      family: entry.family,
      sourceUri: `npm:nsfwjs@${nsfwjsVersion()}/${entry.id}`,
      pretrained: true,
      preprocessing: UNIT_RANGE_RGB,
      lastFeatureLayer: isMobile ? 'out_relu' : 'mixed10',
      blockEnds: (names) => (isMobile ? mobilenetV2BlockEnds(names) : inceptionV3BlockEnds(names)),
      minInputSize: isMobile ? 32 : 75,
    });
  }
  if (entry.id === 'lenet5-mnist04') {
    const dir = join(assetsDir, 'lenet5-mnist04');
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as {
      lastFeatureLayer: string;
      blockEnds: string[];
      minInputSize: number;
    };
    const model = await tf.loadLayersModel(skipInitializers(directoryIOHandler(dir)));
    return finish(model, {
      id: entry.id,
      name: entry.name,
      family: entry.family,
      sourceUri: 'npm:@graft/core/assets/lenet5-mnist04',
      pretrained: true,
      preprocessing: UNIT_RANGE_GRAY,
      lastFeatureLayer: meta.lastFeatureLayer,
      blockEnds: () => meta.blockEnds,
      minInputSize: meta.minInputSize,
    });
  }
  const build = architectures[entry.id as keyof typeof architectures];
  const seed = args.seed ?? 42;
  // Without the classifier top: surgery cuts it anyway, and VGG16's alone has 124M parameters.
  const built = build({ seed, inputShape: args.inputShape ?? entry.inputShape, includeTop: false });
  return finish(built.model, {
    id: entry.id,
    name: entry.name,
    family: entry.family,
    sourceUri: `graft:architecture/${entry.id}?seed=${seed}`,
    pretrained: false,
    preprocessing: entry.inputShape[2] === 1 ? UNIT_RANGE_GRAY : UNIT_RANGE_RGB,
    lastFeatureLayer: built.lastFeatureLayer,
    blockEnds: () => built.blockEnds,
    minInputSize: built.minInputSize,
  });
}

async function loadCustom(
  handler: tf.io.IOHandler,
  name: string,
  sourceUri: string,
  args: LoadBackboneArgs,
): Promise<Backbone> {
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(skipInitializers(handler));
  } catch (err) {
    throw new GraftError(
      'BACKBONE_LOAD_FAILED',
      `could not load a tfjs LayersModel from ${sourceUri}: ${(err as Error).message}`,
      'backbone',
    );
  }
  const lastFeatureLayer = args.lastFeatureLayer ?? guessLastFeatureLayer(model);
  if (!model.layers.some((l) => l.name === lastFeatureLayer)) {
    model.dispose();
    throw new InvalidSpecError(
      `lastFeatureLayer '${lastFeatureLayer}' is not a layer of ${name}`,
      'lastFeatureLayer',
    );
  }
  const channels = inputShapeOf(model)[2];
  return finish(model, {
    id: name,
    name,
    family: 'custom',
    sourceUri,
    pretrained: true,
    preprocessing: args.preprocessing ?? {
      scale: 1 / 255,
      offset: 0,
      channels: channels === 1 ? 1 : 3,
    },
    lastFeatureLayer,
    blockEnds: (_names, m) => guessBlockEnds(m, lastFeatureLayer),
    minInputSize: 1,
  });
}

interface FinishArgs extends Omit<
  Backbone,
  'artifacts' | 'inputShape' | 'fingerprint' | 'layerNames' | 'blockEnds'
> {
  blockEnds: (layerNames: string[], model: tf.LayersModel) => string[];
}

async function finish(model: tf.LayersModel, a: FinishArgs): Promise<Backbone> {
  try {
    const artifacts = await modelToArtifacts(model);
    const layerNames = layerNamesOf(artifacts.modelTopology);
    return {
      ...a,
      artifacts,
      inputShape: inputShapeOf(model),
      fingerprint: fingerprintArtifacts(artifacts),
      layerNames,
      blockEnds: a.blockEnds(layerNames, model),
    };
  } finally {
    model.dispose();
  }
}

function inputShapeOf(model: tf.LayersModel): [number, number, number] {
  const shape = model.inputs[0]?.shape ?? [];
  const [, h, w, c] = shape;
  if (shape.length !== 4 || !h || !w || !c) {
    throw new InvalidSpecError(
      `backbone input must be an image [batch, height, width, channels] with fixed sizes, got [${shape.join(', ')}]`,
      'backbone',
    );
  }
  return [h, w, c];
}

function nameFromSource(source: string): string {
  const parts = source
    .replace(/\/model\.json$/, '')
    .split('/')
    .filter(Boolean);
  return parts[parts.length - 1] ?? 'custom';
}

/** An IOHandler reading a tfjs `model.json` and its weight files from a directory (or the model.json path). */
export function directoryIOHandler(pathOrDir: string): tf.io.IOHandler {
  const modelJsonPath = pathOrDir.endsWith('.json') ? pathOrDir : join(pathOrDir, 'model.json');
  const dir = modelJsonPath.slice(0, modelJsonPath.lastIndexOf('/') + 1) || './';
  return {
    load: async () => {
      const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      const groups = json.weightsManifest ?? [];
      const buffers: ArrayBuffer[] = [];
      for (const g of groups) {
        for (const p of g.paths) {
          const b = await readFile(join(dir, p));
          buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        }
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: groups.flatMap((g) => g.weights),
        weightData: tf.io.concatenateArrayBuffers(buffers),
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
      };
    },
  };
}
