import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { packageVersion } from '../util/packageVersion.js';

const require = createRequire(import.meta.url);

/** The two Keras-converted backbones the `nsfwjs` npm package ships (MIT). */
export const nsfwjsModels = {
  mobilenet_v2: { dir: 'mobilenet_v2', shards: 1 },
  inception_v3: { dir: 'inception_v3', shards: 6 },
} as const;

export function nsfwjsVersion(): string {
  return packageVersion('nsfwjs') ?? 'unknown';
}

/**
 * An IOHandler over the topology and uint8-quantised weights bundled in nsfwjs (UMD modules whose
 * export is the model JSON, or one base64 string per weight shard). tfjs dequantises the weights to
 * float32 when the model loads.
 *
 * The modules are required by absolute path: nsfwjs' own loaders pass each shard's string through
 * TypeScript's `__importStar`, which defines one property per character — 46 s for InceptionV3.
 */
export function nsfwjsIOHandler(id: keyof typeof nsfwjsModels): tf.io.IOHandler {
  return {
    load: async () => {
      const { dir, shards } = nsfwjsModels[id];
      const root = join(dirname(require.resolve('nsfwjs')), '..', 'models', dir);
      const json = require(join(root, 'model.min.js')) as {
        modelTopology: unknown;
        weightsManifest: tf.io.WeightsManifestConfig;
      };
      const chunks: ArrayBuffer[] = [];
      for (let i = 1; i <= shards; i++) {
        const b64 = require(join(root, `group1-shard${i}of${shards}.min.js`)) as unknown;
        if (typeof b64 !== 'string')
          throw new Error(`unexpected nsfwjs weight shard ${i} of ${id}`);
        const buf = Buffer.from(b64, 'base64');
        chunks.push(
          buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer,
        );
      }
      return {
        modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: tf.io.concatenateArrayBuffers(chunks),
      };
    },
  };
}

/** Block ends of Keras' MobileNetV2: the stem, each inverted-residual block, the final 1x1 conv. */
export function mobilenetV2BlockEnds(layerNames: string[]): string[] {
  const names = new Set(layerNames);
  const ends = ['expanded_conv_project_BN'];
  for (let i = 1; i <= 16; i++) {
    ends.push(names.has(`block_${i}_add`) ? `block_${i}_add` : `block_${i}_project_BN`);
  }
  ends.push('out_relu');
  return ends.filter((n) => names.has(n));
}

/** Block ends of Keras' InceptionV3: the stem, then each `mixedN` module. */
export function inceptionV3BlockEnds(layerNames: string[]): string[] {
  const names = new Set(layerNames);
  const ends = ['max_pooling2d_2'];
  for (let i = 0; i <= 10; i++) ends.push(`mixed${i}`);
  return ends.filter((n) => names.has(n));
}
