import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { packageVersion } from '../util/packageVersion.js';

const require = createRequire(import.meta.url);

interface NsfwjsModelModule {
  modelJson: () => Promise<{ modelTopology: unknown; weightsManifest: tf.io.WeightsManifestConfig }>;
  weightBundles: (() => Promise<unknown>)[];
}

/** The two Keras-converted backbones the `nsfwjs` npm package ships (MIT). */
export const nsfwjsModels = {
  mobilenet_v2: { module: 'nsfwjs/models/mobilenet_v2', exportName: 'MobileNetV2Model' },
  inception_v3: { module: 'nsfwjs/models/inception_v3', exportName: 'InceptionV3Model' },
} as const;

export function nsfwjsVersion(): string {
  return packageVersion('nsfwjs') ?? 'unknown';
}

/**
 * An IOHandler over the topology and uint8-quantised weights bundled in nsfwjs (base64 strings
 * inside JS modules). tfjs dequantises them to float32 when the model loads.
 */
export function nsfwjsIOHandler(id: keyof typeof nsfwjsModels): tf.io.IOHandler {
  return {
    load: async () => {
      const { module, exportName } = nsfwjsModels[id];
      const mod = (require(module) as Record<string, NsfwjsModelModule>)[exportName];
      if (!mod) throw new Error(`nsfwjs does not export ${exportName}`);
      const json = await mod.modelJson();
      const chunks: ArrayBuffer[] = [];
      for (const bundle of mod.weightBundles) {
        const loaded = (await bundle()) as { default?: unknown } | string;
        const b64 = typeof loaded === 'string' ? loaded : loaded.default;
        if (typeof b64 !== 'string') throw new Error(`unexpected nsfwjs weight bundle for ${id}`);
        const buf = Buffer.from(b64, 'base64');
        chunks.push(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
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
