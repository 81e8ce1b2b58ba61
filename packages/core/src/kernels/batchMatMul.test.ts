import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { originalKernel, registerTrainingKernels } from './register.js';

beforeAll(async () => {
  registerTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
});

/** The same product on the cpu backend (tfjs' own kernel), from fresh copies of the values. */
async function onCpu(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): Promise<Float32Array> {
  const [av, bv] = [a.dataSync().slice(), b.dataSync().slice()];
  await tf.setBackend('cpu');
  const out = tf.matMul(tf.tensor(av, a.shape), tf.tensor(bv, b.shape), ta, tb);
  const data = out.dataSync().slice() as Float32Array;
  tf.dispose(out);
  await tf.setBackend('wasm');
  return data;
}

describe('BatchMatMul on wasm (operands transposed first)', () => {
  it('replaces wasm’s kernel, keeping it reachable as the original', () => {
    const original = originalKernel('BatchMatMul', 'wasm');
    expect(original).toBeDefined();
    expect(tf.getKernel('BatchMatMul', 'wasm')).not.toBe(original);
  });

  const cases: [string, number[], number[], boolean, boolean][] = [
    ['plain 2-D', [7, 5], [5, 3], false, false],
    ['A transposed (a Dense weight gradient, x^T.dy)', [32, 50], [32, 16], true, false],
    ['B transposed (a Dense input gradient, dy.W^T)', [32, 16], [50, 16], false, true],
    ['both transposed', [9, 4], [6, 9], true, true],
    ['batched, A transposed', [3, 8, 5], [3, 8, 4], true, false],
    ['batched, B transposed', [2, 6, 5], [2, 7, 5], false, true],
    ['batched, both', [4, 3, 6], [4, 5, 3], true, true],
  ];
  for (const [name, as, bs, ta, tb] of cases) {
    it(`matches the cpu kernel: ${name}`, async () => {
      const a = tf.randomUniform(as, -1, 1, 'float32', 1);
      const b = tf.randomUniform(bs, -1, 1, 'float32', 2);
      const before = tf.memory().numTensors;
      const ours = tf.matMul(a, b, ta, tb);
      expect(tf.memory().numTensors).toBe(before + 1); // the transposes are freed
      const expected = await onCpu(a, b, ta, tb);
      const got = ours.dataSync();
      expect(ours.shape).toEqual(
        tf.tidy(() => tf.matMul(tf.zeros(as), tf.zeros(bs), ta, tb).shape),
      );
      let worst = 0;
      for (let i = 0; i < expected.length; i++)
        worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
      expect(worst).toBeLessThan(1e-5);
      tf.dispose([a, b, ours]);
    });
  }

  it('gives a Dense layer the same gradients as the cpu backend', async () => {
    const run = () => {
      const x = tf.tensor(
        Float32Array.from({ length: 24 * 10 }, (_, i) => Math.sin(i)),
        [24, 10],
      );
      const w = tf.variable(
        tf.tensor(
          Float32Array.from({ length: 10 * 4 }, (_, i) => Math.cos(i)),
          [10, 4],
        ),
      );
      const { grads: g } = tf.variableGrads(
        () => tf.sum(tf.square(tf.matMul(x, w))) as tf.Scalar,
        [w],
      );
      const out = Object.values(g)[0]!.dataSync().slice();
      tf.dispose([x, w, ...Object.values(g)]);
      return out;
    };
    const onWasm = run();
    await tf.setBackend('cpu');
    const reference = run();
    await tf.setBackend('wasm');
    let worst = 0;
    for (let i = 0; i < reference.length; i++)
      worst = Math.max(worst, Math.abs(onWasm[i]! - reference[i]!) / (Math.abs(reference[i]!) + 1));
    expect(worst).toBeLessThan(1e-5);
  });
});
