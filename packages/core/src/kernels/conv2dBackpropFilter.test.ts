import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerWasmTrainingKernels } from './conv2dBackpropFilter.js';

beforeAll(async () => {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
});

/** Runs `fn` on a backend and returns plain numbers (the tensors are disposed). */
async function on(backend: string, fn: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const t = fn();
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

describe('Conv2DBackpropFilter on wasm (lowered to a dilated convolution)', () => {
  const grid: {
    x: [number, number, number, number];
    k: [number, number];
    co: number;
    s: number;
    pad: 'same' | 'valid';
  }[] = [
    { x: [2, 7, 7, 3], k: [3, 3], co: 4, s: 1, pad: 'same' },
    { x: [2, 7, 7, 3], k: [3, 3], co: 4, s: 2, pad: 'same' }, // odd size, stride 2: TF's asymmetric same padding
    { x: [2, 8, 8, 3], k: [3, 3], co: 4, s: 2, pad: 'same' },
    { x: [1, 9, 6, 2], k: [5, 3], co: 3, s: 2, pad: 'valid' },
    { x: [3, 5, 5, 16], k: [1, 1], co: 8, s: 1, pad: 'valid' },
    { x: [2, 12, 12, 4], k: [5, 5], co: 6, s: 1, pad: 'valid' },
    { x: [2, 6, 6, 8], k: [1, 1], co: 4, s: 2, pad: 'same' },
  ];
  for (const c of grid) {
    it(`matches the cpu kernel for x=${c.x.join('x')} k=${c.k.join('x')} stride ${c.s} ${c.pad}`, async () => {
      const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([...c.k, c.x[3], c.co], 0, 1, 'float32', 2);
      const grad = (): tf.Tensor =>
        tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x, f as tf.Tensor4D, c.s, c.pad))))(w);
      const expected = await on('cpu', grad);
      const actual = await on('wasm', grad);
      const scale = Math.max(...expected.map(Math.abs));
      const maxDiff = Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!)));
      // float32 sums of up to a few hundred products: relative 1e-5 of the largest entry.
      expect(maxDiff / scale).toBeLessThan(1e-5);
      tf.dispose([x, w]);
    });
  }
});
