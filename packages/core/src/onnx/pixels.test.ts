/**
 * Preprocessing in the ONNX graph gives the floats `imagesToTensor` gives (tfjs: channel
 * conversion, bilinear resize with half-pixel centres, scale and offset), for each case it has.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { imagesToTensor } from '../data/tensors.js';
import type { ImageSet, Preprocessing } from '../data/types.js';
import { compileToOnnx } from './compile.js';
import { withPixelInput } from './pixels.js';
import { createOrtSession, runOrt } from './runtime.js';

/** A model that returns its input: a 1x1 convolution with identity weights. */
function identityModel(size: [number, number], channels: number): tf.LayersModel {
  const input = tf.input({ shape: [...size, channels] });
  const conv = tf.layers.conv2d({
    filters: channels,
    kernelSize: 1,
    useBias: false,
    weights: [tf.eye(channels).reshape([1, 1, channels, channels])],
  });
  return tf.model({ inputs: input, outputs: conv.apply(input) as tf.SymbolicTensor });
}

/** `count` images of random pixels, with a few pure black and white ones for the edges. */
function randomSet(count: number, shape: [number, number, number], seed: number): ImageSet {
  const n = count * shape[0] * shape[1] * shape[2];
  const pixels = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    pixels[i] = s >>> 24;
  }
  pixels.fill(0, 0, n / count); // image 0 black
  pixels.fill(255, n / count, (2 * n) / count); // image 1 white
  return {
    name: 'random',
    classes: ['a'],
    imageShape: shape,
    pixels,
    labels: new Int32Array(count),
    count,
    sources: Array.from({ length: count }, (_, i) => `random#${i}`),
  };
}

const cases: {
  name: string;
  image: [number, number, number];
  size: [number, number];
  pre: Preprocessing;
}[] = [
  {
    name: 'grey 28x28 up to 45x31, repeated to RGB, [0, 1]',
    image: [28, 28, 1],
    size: [45, 31],
    pre: { scale: 1 / 255, offset: 0, channels: 3 },
  },
  {
    name: 'RGB 40x36 down to 16x16, [-1, 1]',
    image: [40, 36, 3],
    size: [16, 16],
    pre: { scale: 1 / 127.5, offset: -1, channels: 3 },
  },
  {
    name: 'RGB 12x12 to luma at 20x20, raw 0..255',
    image: [12, 12, 3],
    size: [20, 20],
    pre: { scale: 1, offset: 0, channels: 1 },
  },
  {
    name: 'grey at its own size (no resize)',
    image: [14, 14, 1],
    size: [14, 14],
    pre: { scale: 1 / 255, offset: 0.5, channels: 1 },
  },
];

describe('withPixelInput', () => {
  it.each(cases)('$name: the floats tfjs makes', async ({ image, size, pre }) => {
    const model = identityModel(size, pre.channels);
    const compiled = compileToOnnx(model);
    const graph = withPixelInput(compiled, { imageShape: image, preprocessing: pre });
    const session = await createOrtSession(graph.bytes);
    const set = randomSet(5, image, 7);
    try {
      const [out] = await runOrt(
        session,
        { name: graph.inputName, data: set.pixels, shape: [set.count, ...image] },
        compiled.outputNames,
      );
      const expected = imagesToTensor({ set, preprocessing: pre, size });
      const want = expected.dataSync();
      expected.dispose();
      expect(out!.length).toBe(want.length);
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < want.length; i++) {
        diff = Math.max(diff, Math.abs(out![i]! - want[i]!));
        scale = Math.max(scale, Math.abs(want[i]!));
      }
      // float32 rounding of the same arithmetic in another order: ~1e-7 of the value range
      expect(diff / scale).toBeLessThan(1e-5);
    } finally {
      await session.release();
      model.dispose();
    }
  });

  it('refuses a graph whose input is not an NHWC image (nothing half-rewritten is run)', () => {
    const input = tf.input({ shape: [6] });
    const dense = tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: dense });
    try {
      expect(() =>
        withPixelInput(compileToOnnx(model), {
          imageShape: [2, 3, 1],
          preprocessing: { scale: 1, offset: 0, channels: 3 },
        }),
      ).toThrow(/not an NHWC image/);
    } finally {
      model.dispose();
    }
  });

  it('refuses pixels with 4 channels, naming the count', () => {
    const model = identityModel([4, 4], 3);
    try {
      expect(() =>
        withPixelInput(compileToOnnx(model), {
          imageShape: [4, 4, 4],
          preprocessing: { scale: 1, offset: 0, channels: 3 },
        }),
      ).toThrow(/4 channels/);
    } finally {
      model.dispose();
    }
  });
});
