import * as tf from '@tensorflow/tfjs';
import { joinPhases, padOrCrop, splitPhases, type ConvPad } from './lowering.js';

/** Attributes tfjs passes to the MaxPoolGrad kernel. */
export interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: ConvPad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Input gradient of a 2-D max pooling (NHWC): each output's upstream gradient goes to the first
 * maximum of its window in row-major order (what tfjs' cpu kernel and TensorFlow do), summed where
 * windows overlap. Lowered to elementwise ops over the kh*kw taps of the window, each a plain 4-D
 * slice of one stride phase of the input padded with -Infinity (a padded pixel is never the
 * maximum): tap by tap, a window's gradient goes to the first tap equal to the pooled output `y`
 * (its maximum, one of its values), then each tap's share is padded back into its phase and the
 * phases are interleaved. Padding comes from tfjs' `computePool2DInfo`
 * (TensorFlow's asymmetric `same` padding included).
 *
 * Replaces tfjs' own wasm kernel, which starts its running maximum at FLT_MIN (the smallest
 * positive float) rather than -Infinity: a window whose values are all <= 0 sends its gradient to
 * the tensor's first element instead of its maximum (and ties go to the last maximum).
 */
export function maxPoolGradByTaps(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  attrs: MaxPoolGradAttrs,
): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo(
    x.shape,
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  const [n, h, w, c] = x.shape;
  // Rows/columns of each phase: enough for the last window (the rest of the input is unread).
  const hb = oh + Math.floor((kh - 1) / sh);
  const wb = ow + Math.floor((kw - 1) / sw);
  const bottom = hb * sh - h - top;
  const right = wb * sw - w - left;
  return tf.tidy(() => {
    const phases = splitPhases(padOrCrop(x, top, bottom, left, right, -Infinity), sh, sw);
    const zeros = tf.zerosLike(dy);
    // Each phase collects the taps that read it, each shifted to where its windows start.
    const sums: (tf.Tensor4D | undefined)[] = Array.from({ length: sh * sw }, () => undefined);
    let rest = dy;
    for (let t = 0; t < kh * kw; t++) {
      const p = Math.floor(t / kw);
      const q = t % kw;
      const i = (p % sh) * sw + (q % sw);
      const r = Math.floor(p / sh);
      const s = Math.floor(q / sw);
      const tap = tf.slice(phases[i]!, [0, r, s, 0], [n, oh, ow, c]);
      const isMax = tf.equal(tap, y);
      // The first tap equal to the maximum takes what is left; the later ones get nothing.
      const share = tf.where(isMax, rest, zeros);
      if (t < kh * kw - 1) rest = tf.where(isMax, zeros, rest);
      const placed = padOrCrop(share, r, hb - oh - r, s, wb - ow - s);
      sums[i] = sums[i] ? tf.add<tf.Tensor4D>(sums[i]!, placed) : placed;
    }
    const grads = sums.map((g) => g ?? tf.zeros<tf.Rank.R4>([n, hb, wb, c]));
    return padOrCrop(joinPhases(grads, sh, sw), -top, -bottom, -left, -right);
  });
}
