import * as tf from '@tensorflow/tfjs';
import { InvalidSpecError } from '../errors.js';
import type { ImageSet, Preprocessing } from './types.js';

/** Luminance weights (ITU-R BT.601, as `tf.image.rgbToGrayscale` and PIL's `convert('L')`). */
export const LUMA = [0.299, 0.587, 0.114] as const;

/** Arguments of {@link imagesToTensor}. */
export interface ImagesToTensorArgs {
  /** The images. */
  set: ImageSet;
  /** Images to take, in this order. Give either `indices` or `start`/`end`, not both. */
  indices?: ArrayLike<number>;
  /** First image to take (with `end`). Default 0. */
  start?: number;
  /** One past the last image to take (with `start`). Default `set.count`. */
  end?: number;
  /** How raw uint8 pixels map to the model's input (`x * scale + offset`, channels). */
  preprocessing: Preprocessing;
  /**
   * [height, width] of the result. When it differs from the set's image size the images are
   * resized bilinearly (`tf.image.resizeBilinear`, half-pixel centres as in TF2's `tf.image.resize`).
   * Default: the set's image size.
   */
  size?: [number, number];
}

/**
 * Turns images of a set into a float32 NHWC batch `[n, h, w, preprocessing.channels]`.
 * Each pixel becomes `x * scale + offset`; 1-channel images are repeated to 3 channels when the
 * preprocessing wants 3, and 3-channel images become luminance (BT.601) when it wants 1.
 * The caller owns (and must dispose) the returned tensor; nothing else is left allocated.
 */
export function imagesToTensor(args: ImagesToTensorArgs): tf.Tensor4D {
  const { set, preprocessing } = args;
  const [h, w, c] = set.imageShape;
  const outC = preprocessing.channels;
  if (outC !== 1 && outC !== 3) {
    throw new InvalidSpecError(`preprocessing.channels must be 1 or 3, got ${String(outC)}`);
  }
  if (c !== 1 && c !== 3) {
    throw new InvalidSpecError(
      `images of '${set.name}' have ${c} channels; only 1 and 3 are supported`,
    );
  }
  const [outH, outW] = args.size ?? [h, w];
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1) {
    throw new InvalidSpecError(
      `size must be [height, width] in whole pixels, got [${outH}, ${outW}]`,
    );
  }

  let indices: ArrayLike<number>;
  if (args.indices !== undefined) {
    if (args.start !== undefined || args.end !== undefined) {
      throw new InvalidSpecError('give either indices or start/end, not both');
    }
    indices = args.indices;
  } else {
    const start = args.start ?? 0;
    const end = args.end ?? set.count;
    if (
      !Number.isInteger(start) ||
      !Number.isInteger(end) ||
      start < 0 ||
      end > set.count ||
      start > end
    ) {
      throw new InvalidSpecError(
        `range ${start}..${end} is not within 0..${set.count} of '${set.name}'`,
      );
    }
    indices = Array.from({ length: end - start }, (_, i) => start + i);
  }

  const n = indices.length;
  const inSize = h * w * c;
  const pixelsPerImage = h * w;
  const { scale, offset } = preprocessing;
  const data = new Float32Array(n * pixelsPerImage * outC);
  for (let i = 0; i < n; i++) {
    const idx = indices[i]!;
    if (!Number.isInteger(idx) || idx < 0 || idx >= set.count) {
      throw new InvalidSpecError(
        `image index ${idx} is out of range 0..${set.count - 1} of '${set.name}'`,
      );
    }
    const src = set.pixels.subarray(idx * inSize, (idx + 1) * inSize);
    const base = i * pixelsPerImage * outC;
    if (c === outC) {
      for (let k = 0; k < inSize; k++) data[base + k] = src[k]! * scale + offset;
    } else if (c === 1) {
      for (let p = 0; p < pixelsPerImage; p++) {
        const v = src[p]! * scale + offset;
        data[base + 3 * p] = v;
        data[base + 3 * p + 1] = v;
        data[base + 3 * p + 2] = v;
      }
    } else {
      for (let p = 0; p < pixelsPerImage; p++) {
        const y = LUMA[0] * src[3 * p]! + LUMA[1] * src[3 * p + 1]! + LUMA[2] * src[3 * p + 2]!;
        data[base + p] = y * scale + offset;
      }
    }
  }

  if (outH === h && outW === w) return tf.tensor4d(data, [n, h, w, outC], 'float32');
  if (n === 0) return tf.zeros([0, outH, outW, outC], 'float32');
  return tf.tidy(() =>
    tf.image.resizeBilinear(
      tf.tensor4d(data, [n, h, w, outC], 'float32'),
      [outH, outW],
      false,
      true,
    ),
  );
}

/**
 * One-hot float32 `[labels.length, numClasses]` matrix of class indices. Throws InvalidSpecError
 * for a label outside `0..numClasses-1` (tf.oneHot would silently give an all-zero row).
 */
export function labelsToOneHot(labels: Int32Array, numClasses: number): tf.Tensor2D {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new InvalidSpecError(`numClasses must be a positive integer, got ${String(numClasses)}`);
  }
  for (const label of labels) {
    if (label < 0 || label >= numClasses) {
      throw new InvalidSpecError(`label ${label} is out of range 0..${numClasses - 1}`);
    }
  }
  // Built in JS: tfjs-backend-wasm 4.22's OneHot kernel writes int32 bits into a float32 output
  // (a 1 reads as 1.4e-45), which silently stops training on wasm.
  const data = new Float32Array(labels.length * numClasses);
  labels.forEach((label, i) => (data[i * numClasses + label] = 1));
  return tf.tensor2d(data, [labels.length, numClasses], 'float32');
}
