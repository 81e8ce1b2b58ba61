import * as tf from '@tensorflow/tfjs';
import { InvalidSpecError } from '../errors.js';
import { seededRandom } from '../util/seededRandom.js';

/** Options of {@link augmentBatch}. */
export interface AugmentOptions {
  /** Mirror each image left-right with probability 1/2. Default false. */
  flipHorizontal?: boolean;
  /**
   * Zero-pad each image by `padding` pixels on every side, then crop it back to its size at a
   * random offset (0..2*padding on each axis), i.e. shift it by up to `padding` pixels.
   * `false` or absent: no crop. `padding` must be a non-negative integer.
   */
  randomCrop?: { padding: number } | false;
  /**
   * Seed (taken as a uint32) of the per-image decisions; the same seed and batch size give the same
   * augmentation. Use a different seed per batch/epoch (e.g. `baseSeed + step`) for variety.
   */
  seed: number;
}

/** One image's random decisions in {@link augmentBatch}. */
export interface AugmentDecision {
  /** Mirror left-right. */
  flip: boolean;
  /** Row of the crop in the padded image (0..2*padding; `padding` means no shift). */
  dy: number;
  /** Column of the crop in the padded image (0..2*padding). */
  dx: number;
}

/**
 * The per-image decisions {@link augmentBatch} takes for a batch of `n` images: three draws per image
 * from `seededRandom(seed)` (flip, crop row, crop column), always drawn, so that turning one
 * augmentation on or off does not change the other's decisions.
 */
export function augmentDecisions(n: number, options: AugmentOptions): AugmentDecision[] {
  const rand = seededRandom(options.seed);
  const padding = options.randomCrop ? options.randomCrop.padding : 0;
  const out: AugmentDecision[] = [];
  for (let i = 0; i < n; i++) {
    const f = rand();
    const y = rand();
    const x = rand();
    out.push({
      flip: options.flipHorizontal === true && f < 0.5,
      dy: Math.floor(y * (2 * padding + 1)),
      dx: Math.floor(x * (2 * padding + 1)),
    });
  }
  return out;
}

/**
 * Random augmentation of an NHWC batch, deterministic from `seed`: per image, first the random crop
 * (see `randomCrop`), then the horizontal flip. Returns a new tensor of the same shape and dtype
 * (a copy when no augmentation is on); `x` is not disposed, and nothing else is left allocated.
 */
export function augmentBatch(x: tf.Tensor4D, options: AugmentOptions): tf.Tensor4D {
  if (!Number.isFinite(options.seed)) {
    throw new InvalidSpecError(
      `augmentation seed must be a finite number, got ${String(options.seed)}`,
    );
  }
  const padding = options.randomCrop ? options.randomCrop.padding : 0;
  if (!Number.isInteger(padding) || padding < 0) {
    throw new InvalidSpecError(
      `randomCrop.padding must be a non-negative integer, got ${String(padding)}`,
    );
  }
  const [n, h, w, c] = x.shape;
  const decisions = augmentDecisions(n, options);
  return tf.tidy(() => {
    let out: tf.Tensor4D = x.clone();
    if (n === 0) return out;
    if (padding > 0) {
      const padded = tf.pad(out, [
        [0, 0],
        [padding, padding],
        [padding, padding],
        [0, 0],
      ]);
      const crops = decisions.map((d, i) => tf.slice(padded, [i, d.dy, d.dx, 0], [1, h, w, c]));
      out = tf.concat(crops, 0);
    }
    if (decisions.some((d) => d.flip)) {
      const mask = tf.tensor4d(
        decisions.map((d) => d.flip),
        [n, 1, 1, 1],
        'bool',
      );
      out = tf.where(mask, tf.reverse(out, 2), out);
    }
    return out;
  });
}
