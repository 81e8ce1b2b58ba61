import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { augmentBatch, augmentDecisions } from './augment.js';

/** A batch of `n` 3x4x2 images with distinct values. */
function batch(n: number): tf.Tensor4D {
  return tf.tensor4d(
    Array.from({ length: n * 3 * 4 * 2 }, (_, i) => i + 1),
    [n, 3, 4, 2],
  );
}

describe('augmentBatch', () => {
  it('flips exactly the images its decisions say, mirroring columns', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    // Find a seed whose decision for the single image is to flip, and one not to.
    let flipSeed = -1;
    let keepSeed = -1;
    for (let s = 0; (flipSeed < 0 || keepSeed < 0) && s < 100; s++) {
      const [d] = augmentDecisions(1, { flipHorizontal: true, seed: s });
      if (d!.flip && flipSeed < 0) flipSeed = s;
      if (!d!.flip && keepSeed < 0) keepSeed = s;
    }
    const flipped = augmentBatch(x, { flipHorizontal: true, seed: flipSeed });
    expect(flipped.arraySync()).toEqual([
      [
        [[3], [2], [1]],
        [[6], [5], [4]],
      ],
    ]);
    const kept = augmentBatch(x, { flipHorizontal: true, seed: keepSeed });
    expect(kept.arraySync()).toEqual(x.arraySync());
    tf.dispose([x, flipped, kept]);
  });

  it('is deterministic from the seed, keeps the shape and does not leak', () => {
    const x = batch(16);
    const before = tf.memory().numTensors;
    const opts = { flipHorizontal: true, randomCrop: { padding: 1 }, seed: 123 } as const;
    const a = augmentBatch(x, opts);
    const b = augmentBatch(x, opts);
    const c = augmentBatch(x, { ...opts, seed: 124 });
    expect(a.shape).toEqual(x.shape);
    expect(a.dtype).toBe('float32');
    expect(a.arraySync()).toEqual(b.arraySync());
    expect(c.arraySync()).not.toEqual(a.arraySync());
    // Some images flipped, some not.
    const decisions = augmentDecisions(16, opts);
    expect(decisions.some((d) => d.flip)).toBe(true);
    expect(decisions.some((d) => !d.flip)).toBe(true);
    tf.dispose([a, b, c]);
    expect(tf.memory().numTensors).toBe(before);
    const none = augmentBatch(x, { seed: 1 });
    expect(none).not.toBe(x);
    expect(none.arraySync()).toEqual(x.arraySync());
    none.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('random crop shifts each image by its offset, filling with zeros', () => {
    const x = batch(8);
    const opts = { randomCrop: { padding: 2 }, seed: 9 } as const;
    const outTensor = augmentBatch(x, opts);
    const out = outTensor.arraySync();
    outTensor.dispose();
    const src = x.arraySync();
    augmentDecisions(8, opts).forEach((d, i) => {
      expect(d.flip).toBe(false);
      expect(d.dy).toBeGreaterThanOrEqual(0);
      expect(d.dy).toBeLessThanOrEqual(4);
      for (let y = 0; y < 3; y++) {
        for (let xx = 0; xx < 4; xx++) {
          const sy = y + d.dy - 2;
          const sx = xx + d.dx - 2;
          const inside = sy >= 0 && sy < 3 && sx >= 0 && sx < 4;
          expect(out[i]![y]![xx]).toEqual(inside ? src[i]![sy]![sx] : [0, 0]);
        }
      }
    });
    x.dispose();
  });

  it('turning crop on does not change the flip decisions', () => {
    const a = augmentDecisions(10, { flipHorizontal: true, seed: 5 }).map((d) => d.flip);
    const b = augmentDecisions(10, {
      flipHorizontal: true,
      randomCrop: { padding: 3 },
      seed: 5,
    }).map((d) => d.flip);
    expect(a).toEqual(b);
  });
});
