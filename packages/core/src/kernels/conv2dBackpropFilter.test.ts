import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { registerTrainingKernels } from './conv2dBackpropFilter.js';

registerTrainingKernels();

/**
 * Reference weight gradient written from the definition, with TensorFlow's padding rules
 * (SAME: output ceil(in / stride), the odd padding pixel at the bottom/right).
 */
function reference(
  x: Float32Array,
  [n, h, w, ci]: number[],
  dy: Float32Array,
  [kh, kw, co]: number[],
  s: number,
  pad: 'same' | 'valid',
): { dw: Float32Array; oh: number; ow: number } {
  const out = (size: number, k: number): number =>
    pad === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
  const oh = out(h!, kh!);
  const ow = out(w!, kw!);
  const padTop = pad === 'same' ? Math.floor(Math.max((oh - 1) * s + kh! - h!, 0) / 2) : 0;
  const padLeft = pad === 'same' ? Math.floor(Math.max((ow - 1) * s + kw! - w!, 0) / 2) : 0;
  const dw = new Float32Array(kh! * kw! * ci! * co!);
  for (let b = 0; b < n!; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let p = 0; p < kh!; p++)
          for (let q = 0; q < kw!; q++) {
            const y = i * s + p - padTop;
            const xx = j * s + q - padLeft;
            if (y < 0 || y >= h! || xx < 0 || xx >= w!) continue;
            for (let c = 0; c < ci!; c++) {
              const xv = x[((b * h! + y) * w! + xx) * ci! + c]!;
              for (let o = 0; o < co!; o++) {
                dw[((p * kw! + q) * ci! + c) * co! + o]! +=
                  xv * dy[((b * oh + i) * ow + j) * co! + o]!;
              }
            }
          }
  return { dw, oh, ow };
}

describe('Conv2DBackpropFilter lowered to a dilated convolution', () => {
  const grid: {
    x: [number, number, number, number];
    k: [number, number];
    co: number;
    s: number;
    pad: 'same' | 'valid';
  }[] = [
    { x: [2, 7, 7, 3], k: [3, 3], co: 4, s: 1, pad: 'same' },
    { x: [2, 7, 7, 3], k: [3, 3], co: 4, s: 2, pad: 'same' }, // odd size, stride 2: pads 1 + 1
    { x: [2, 8, 8, 3], k: [3, 3], co: 4, s: 2, pad: 'same' }, // even size: TF's asymmetric 0 + 1
    { x: [1, 9, 6, 2], k: [5, 3], co: 3, s: 2, pad: 'valid' }, // input rows no output reads
    { x: [3, 5, 5, 16], k: [1, 1], co: 8, s: 1, pad: 'valid' },
    { x: [2, 12, 12, 4], k: [5, 5], co: 6, s: 1, pad: 'valid' },
    { x: [2, 6, 6, 8], k: [1, 1], co: 4, s: 2, pad: 'same' },
    { x: [1, 10, 9, 2], k: [4, 2], co: 3, s: 3, pad: 'same' }, // even kernel, stride 3
  ];
  for (const backend of ['wasm', 'cpu']) {
    for (const c of grid) {
      it(`${backend}: x=${c.x.join('x')} k=${c.k.join('x')} stride ${c.s} ${c.pad} matches the definition`, async () => {
        await tf.setBackend(backend);
        const x = tf.randomNormal(c.x, 0, 1, 'float32', 1) as tf.Tensor4D;
        const w = tf.randomNormal([...c.k, c.x[3], c.co], 0, 1, 'float32', 2) as tf.Tensor4D;
        const y = tf.conv2d(x, w, c.s, c.pad);
        const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
        // d/dW of sum(conv(x, W) * dy) is exactly the kernel's output for upstream gradient dy.
        const g = tf.grad((f: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.s, c.pad), dy)),
        )(w);
        const ref = reference(
          x.dataSync() as Float32Array,
          c.x,
          dy.dataSync() as Float32Array,
          [...c.k, c.co],
          c.s,
          c.pad,
        );
        expect(y.shape.slice(1, 3)).toEqual([ref.oh, ref.ow]);
        const actual = g.dataSync();
        const scale = Math.max(...ref.dw.map(Math.abs));
        const maxDiff = Math.max(...actual.map((v, i) => Math.abs(v - ref.dw[i]!)));
        // float32 sums of up to a few hundred products: relative 1e-5 of the largest entry.
        expect(maxDiff / scale).toBeLessThan(1e-5);
        tf.dispose([x, w, y, dy, g]);
      });
    }
  }
});
