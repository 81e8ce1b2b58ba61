import { InvalidSpecError } from '../errors.js';
import { shuffledIndices } from '../util/seededRandom.js';
import { datasetContentHash } from './hash.js';
import type { DatasetSplit, ImageSet } from './types.js';

/**
 * A new ImageSet holding the images at `indices` (in that order; repeats allowed), with copied
 * pixels. Throws InvalidSpecError for an index outside `0..set.count-1`.
 * @param name Name of the subset. Default: the set's name.
 */
export function subsetImages(
  set: ImageSet,
  indices: ArrayLike<number>,
  name: string = set.name,
): ImageSet {
  const [h, w, c] = set.imageShape;
  const size = h * w * c;
  const n = indices.length;
  const pixels = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  const sources: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const idx = indices[i]!;
    if (!Number.isInteger(idx) || idx < 0 || idx >= set.count) {
      throw new InvalidSpecError(
        `image index ${idx} is out of range 0..${set.count - 1} of '${set.name}'`,
      );
    }
    pixels.set(set.pixels.subarray(idx * size, (idx + 1) * size), i * size);
    labels[i] = set.labels[idx]!;
    sources[i] = set.sources[idx]!;
  }
  return {
    name,
    classes: [...set.classes],
    imageShape: [h, w, c],
    pixels,
    labels,
    count: n,
    sources,
  };
}

/** Arguments of {@link splitDataset}. */
export interface SplitDatasetArgs {
  /** The images to split. */
  set: ImageSet;
  /** Seed of the shuffle (taken as a uint32); the same seed gives the same split. */
  seed: number;
  /** Fraction of the images (of each class, when stratified) held out for validation. Default 0.15. */
  validationFraction?: number;
  /** Fraction of the images (of each class, when stratified) held out for testing. Default 0.15. */
  testFraction?: number;
  /**
   * Split each class separately, so that every part has (up to rounding) the class proportions of
   * the whole set. When false, the whole shuffled set is cut once. Default true.
   */
  stratify?: boolean;
}

/**
 * Splits a set into train/validation/test, deterministically from `seed`.
 *
 * All indices are shuffled once with `shuffledIndices(count, seed)`. Stratified: each class's images,
 * taken in that shuffled order, give `round(n * testFraction)` to test, then
 * `round(n * validationFraction)` to validation, the rest to train (a class's last image always goes
 * to train). Every part keeps the shuffled order, so classes are interleaved. Every image is in
 * exactly one part. Part names are `<name>/train`, `<name>/validation` and `<name>/test`.
 */
export function splitDataset(args: SplitDatasetArgs): DatasetSplit {
  const { set, seed, validationFraction = 0.15, testFraction = 0.15, stratify = true } = args;
  if (!Number.isFinite(seed)) {
    throw new InvalidSpecError(`seed must be a finite number, got ${String(seed)}`, 'data.seed');
  }
  for (const [field, value] of [
    ['validationFraction', validationFraction],
    ['testFraction', testFraction],
  ] as const) {
    if (!Number.isFinite(value) || value < 0 || value >= 1) {
      throw new InvalidSpecError(
        `${field} must be in [0, 1), got ${String(value)}`,
        `data.${field}`,
      );
    }
  }
  if (validationFraction + testFraction >= 1) {
    throw new InvalidSpecError(
      `validationFraction + testFraction must be below 1 (something must be left to train on), ` +
        `got ${validationFraction} + ${testFraction}`,
      'data.validationFraction',
    );
  }

  const order = shuffledIndices(set.count, seed);
  const groups: number[][] = [];
  if (stratify) {
    const byClass = new Map<number, number[]>();
    for (const idx of order) {
      const label = set.labels[idx]!;
      let g = byClass.get(label);
      if (!g) byClass.set(label, (g = []));
      g.push(idx);
    }
    for (const label of [...byClass.keys()].sort((a, b) => a - b)) groups.push(byClass.get(label)!);
  } else {
    groups.push(Array.from(order));
  }

  // Position of each image in the shuffle, to order each part as shuffled.
  const rank = new Int32Array(set.count);
  order.forEach((idx, pos) => (rank[idx] = pos));

  const train: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  for (const g of groups) {
    const n = g.length;
    const nTest = Math.min(Math.round(n * testFraction), Math.max(0, n - 1));
    const nVal = Math.min(Math.round(n * validationFraction), Math.max(0, n - 1 - nTest));
    g.forEach((idx, k) => (k < nTest ? test : k < nTest + nVal ? validation : train).push(idx));
  }
  const byRank = (a: number, b: number): number => rank[a]! - rank[b]!;

  return {
    train: subsetImages(set, train.sort(byRank), `${set.name}/train`),
    validation: subsetImages(set, validation.sort(byRank), `${set.name}/validation`),
    test: subsetImages(set, test.sort(byRank), `${set.name}/test`),
    seed,
    contentHash: datasetContentHash(set),
  };
}
