import { describe, expect, it } from 'vitest';
import { InvalidSpecError } from '../errors.js';
import { datasetContentHash } from './hash.js';
import { splitDataset, subsetImages } from './split.js';
import type { ImageSet } from './types.js';

/** A synthetic set: `perClass[k]` images of class k, 2x2x1, pixel values derived from the index. */
function syntheticSet(perClass: number[]): ImageSet {
  const count = perClass.reduce((a, b) => a + b, 0);
  const labels = new Int32Array(count);
  let n = 0;
  // Interleave classes irregularly so that split order is not trivially class order.
  const left = [...perClass];
  while (n < count) {
    for (let k = 0; k < left.length; k++) {
      if (left[k]! > 0) {
        labels[n++] = k;
        left[k]!--;
      }
    }
  }
  const pixels = new Uint8Array(count * 4);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 31 + 7) % 256;
  return {
    name: 'synthetic',
    classes: perClass.map((_, k) => `c${k}`),
    imageShape: [2, 2, 1],
    pixels,
    labels,
    count,
    sources: Array.from({ length: count }, (_, i) => `img#${i}`),
  };
}

const indicesOf = (part: ImageSet): number[] => part.sources.map((s) => Number(s.slice(4)));

describe('splitDataset', () => {
  const set = syntheticSet([200, 100, 40, 7]);

  it('covers every image exactly once, without overlap', () => {
    const split = splitDataset({ set, seed: 42 });
    const all = [
      ...indicesOf(split.train),
      ...indicesOf(split.validation),
      ...indicesOf(split.test),
    ];
    expect(all.length).toBe(set.count);
    expect(new Set(all).size).toBe(set.count);
    expect(split.train.count + split.validation.count + split.test.count).toBe(set.count);
    expect(split.seed).toBe(42);
    expect(split.contentHash).toBe(datasetContentHash(set));
    expect(split.train.name).toBe('synthetic/train');
    // Pixels and labels travel with their image.
    for (const part of [split.train, split.validation, split.test]) {
      indicesOf(part).forEach((idx, i) => {
        expect(part.labels[i]).toBe(set.labels[idx]);
        expect(part.pixels.subarray(i * 4, i * 4 + 4)).toEqual(
          set.pixels.subarray(idx * 4, idx * 4 + 4),
        );
      });
    }
  });

  it('is deterministic from the seed', () => {
    const a = splitDataset({ set, seed: 7 });
    const b = splitDataset({ set, seed: 7 });
    const c = splitDataset({ set, seed: 8 });
    expect(a.train.sources).toEqual(b.train.sources);
    expect(a.validation.sources).toEqual(b.validation.sources);
    expect(a.test.sources).toEqual(b.test.sources);
    expect(c.test.sources).not.toEqual(a.test.sources);
    expect(c.contentHash).toBe(a.contentHash);
  });

  it('stratifies per class', () => {
    const split = splitDataset({ set, seed: 1, validationFraction: 0.2, testFraction: 0.1 });
    const count = (part: ImageSet, k: number) => part.labels.filter((l) => l === k).length;
    expect([0, 1, 2, 3].map((k) => count(split.test, k))).toEqual([20, 10, 4, 1]);
    expect([0, 1, 2, 3].map((k) => count(split.validation, k))).toEqual([40, 20, 8, 1]);
    expect([0, 1, 2, 3].map((k) => count(split.train, k))).toEqual([140, 70, 28, 5]);
    // Parts are in shuffled order, not grouped by class.
    expect(
      Array.from(split.train.labels.subarray(0, 20)).some((l) => l !== split.train.labels[0]),
    ).toBe(true);
  });

  it('cuts the whole set once without stratification', () => {
    const split = splitDataset({
      set,
      seed: 3,
      stratify: false,
      validationFraction: 0.1,
      testFraction: 0.2,
    });
    expect(split.test.count).toBe(Math.round(set.count * 0.2));
    expect(split.validation.count).toBe(Math.round(set.count * 0.1));
    expect(split.train.count).toBe(set.count - split.test.count - split.validation.count);
  });

  it('keeps at least one image of every class in train', () => {
    const tiny = syntheticSet([1, 2, 3]);
    const split = splitDataset({ set: tiny, seed: 5, validationFraction: 0.4, testFraction: 0.4 });
    expect(new Set(split.train.labels).size).toBe(3);
  });

  it('rejects impossible fractions', () => {
    expect(() =>
      splitDataset({ set, seed: 1, validationFraction: 0.5, testFraction: 0.5 }),
    ).toThrow(InvalidSpecError);
    expect(() => splitDataset({ set, seed: 1, testFraction: -0.1 })).toThrow(/testFraction/);
  });
});

describe('subsetImages', () => {
  it('copies the chosen images in order and checks the indices', () => {
    const set = syntheticSet([3, 3]);
    const sub = subsetImages(set, [4, 0]);
    expect(sub.count).toBe(2);
    expect(sub.sources).toEqual(['img#4', 'img#0']);
    expect(Array.from(sub.labels)).toEqual([set.labels[4], set.labels[0]]);
    expect(sub.pixels.subarray(0, 4)).toEqual(set.pixels.subarray(16, 20));
    sub.pixels[0] = 255 - sub.pixels[0]!;
    expect(set.pixels[16]).not.toBe(sub.pixels[0]);
    expect(() => subsetImages(set, [6])).toThrow(InvalidSpecError);
  });
});

describe('datasetContentHash', () => {
  it('is stable and sensitive to pixels, labels, class names and order', () => {
    const set = syntheticSet([5, 5]);
    const h = datasetContentHash(set);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(datasetContentHash(syntheticSet([5, 5]))).toBe(h);
    // Name and sources do not matter.
    expect(
      datasetContentHash({ ...set, name: 'other', sources: set.sources.map((s) => `/x/${s}`) }),
    ).toBe(h);

    const onePixel = { ...set, pixels: set.pixels.slice() };
    onePixel.pixels[13] = onePixel.pixels[13]! ^ 1;
    expect(datasetContentHash(onePixel)).not.toBe(h);

    const oneLabel = { ...set, labels: set.labels.slice() };
    oneLabel.labels[0] = 1 - oneLabel.labels[0]!;
    expect(datasetContentHash(oneLabel)).not.toBe(h);

    expect(datasetContentHash({ ...set, classes: ['a', 'b'] })).not.toBe(h);
    expect(datasetContentHash({ ...set, imageShape: [1, 4, 1] })).not.toBe(h);
    expect(datasetContentHash(subsetImages(set, [1, 0, 2, 3, 4, 5, 6, 7, 8, 9]))).not.toBe(h);
  });
});
