import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { InvalidSpecError } from '../errors.js';
import { imagesToTensor, labelsToOneHot } from './tensors.js';
import type { ImageSet } from './types.js';

const unit = { scale: 1 / 255, offset: 0, channels: 1 } as const;

/** Three 2x2 grayscale images with known pixels. */
const gray: ImageSet = {
  name: 'gray',
  classes: ['a', 'b'],
  imageShape: [2, 2, 1],
  pixels: new Uint8Array([0, 51, 102, 255, 10, 20, 30, 40, 255, 255, 255, 255]),
  labels: new Int32Array([0, 1, 1]),
  count: 3,
  sources: ['g0', 'g1', 'g2'],
};

/** One 1x2 RGB image: a red and a white pixel. */
const rgb: ImageSet = {
  name: 'rgb',
  classes: ['a', 'b'],
  imageShape: [1, 2, 3],
  pixels: new Uint8Array([255, 0, 0, 255, 255, 255]),
  labels: new Int32Array([0]),
  count: 1,
  sources: ['r0'],
};

function expectClose(actual: ArrayLike<number>, expected: number[], digits = 5): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, digits));
}

describe('imagesToTensor', () => {
  it('scales and offsets pixels, by range and by indices', () => {
    const before = tf.memory().numTensors;
    const t = imagesToTensor({
      set: gray,
      start: 0,
      end: 2,
      preprocessing: { scale: 2 / 255, offset: -1, channels: 1 },
    });
    expect(t.shape).toEqual([2, 2, 2, 1]);
    expect(t.dtype).toBe('float32');
    expectClose(t.dataSync(), [
      -1,
      -0.6,
      -0.2,
      1,
      10 / 127.5 - 1,
      20 / 127.5 - 1,
      30 / 127.5 - 1,
      40 / 127.5 - 1,
    ]);
    t.dispose();

    const u = imagesToTensor({ set: gray, indices: [2, 0], preprocessing: unit });
    expect(u.shape).toEqual([2, 2, 2, 1]);
    expectClose(u.dataSync(), [1, 1, 1, 1, 0, 0.2, 0.4, 1]);
    u.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('repeats one channel to three', () => {
    const t = imagesToTensor({ set: gray, indices: [0], preprocessing: { ...unit, channels: 3 } });
    expect(t.shape).toEqual([1, 2, 2, 3]);
    expectClose(t.dataSync(), [0, 0, 0, 0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 1, 1, 1]);
    t.dispose();
  });

  it('converts three channels to luminance', () => {
    const t = imagesToTensor({ set: rgb, preprocessing: { scale: 1, offset: 0, channels: 1 } });
    expect(t.shape).toEqual([1, 1, 2, 1]);
    expectClose(t.dataSync(), [0.299 * 255, 255], 3);
    t.dispose();
  });

  it('resizes bilinearly without leaking', () => {
    const before = tf.memory().numTensors;
    // Constant images stay constant; 2x2 -> 1x1 averages (half-pixel centres).
    const up = imagesToTensor({
      set: gray,
      indices: [2],
      preprocessing: { ...unit, channels: 3 },
      size: [5, 7],
    });
    expect(up.shape).toEqual([1, 5, 7, 3]);
    expect(Array.from(up.dataSync()).every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
    up.dispose();
    const down = imagesToTensor({
      set: gray,
      indices: [0, 1],
      preprocessing: { scale: 1, offset: 0, channels: 1 },
      size: [1, 1],
    });
    expect(down.shape).toEqual([2, 1, 1, 1]);
    expectClose(down.dataSync(), [(0 + 51 + 102 + 255) / 4, 25], 3);
    down.dispose();
    const empty = imagesToTensor({
      set: gray,
      start: 1,
      end: 1,
      preprocessing: unit,
      size: [3, 3],
    });
    expect(empty.shape).toEqual([0, 3, 3, 1]);
    empty.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad selections', () => {
    expect(() => imagesToTensor({ set: gray, indices: [3], preprocessing: unit })).toThrow(
      InvalidSpecError,
    );
    expect(() => imagesToTensor({ set: gray, start: 0, end: 4, preprocessing: unit })).toThrow(
      InvalidSpecError,
    );
    expect(() =>
      imagesToTensor({ set: gray, indices: [0], start: 0, preprocessing: unit }),
    ).toThrow(/not both/);
  });
});

describe('labelsToOneHot', () => {
  it('makes a float32 one-hot matrix without leaking', () => {
    const before = tf.memory().numTensors;
    const t = labelsToOneHot(new Int32Array([2, 0, 1]), 3);
    expect(t.shape).toEqual([3, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.arraySync()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => labelsToOneHot(new Int32Array([3]), 3)).toThrow(InvalidSpecError);
  });

  it('is right on the wasm backend too (whose OneHot kernel returns int32 bits as float32)', async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    const previous = tf.getBackend();
    await tf.setBackend('wasm');
    try {
      const t = labelsToOneHot(new Int32Array([1, 0]), 2);
      expect(Array.from(t.dataSync())).toEqual([0, 1, 1, 0]);
      t.dispose();
    } finally {
      await tf.setBackend(previous);
    }
  });
});
