import * as tf from '@tensorflow/tfjs';

/** Padding attribute of tfjs' convolution kernels. */
export type ConvPad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor:
 * `[top, bottom, left, right]`. Returns `x` itself when nothing changes.
 */
export function padOrCrop(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
): tf.Tensor4D {
  let out = x;
  if (top > 0 || bottom > 0 || left > 0 || right > 0)
    out = tf.pad(out, [
      [0, 0],
      [Math.max(top, 0), Math.max(bottom, 0)],
      [Math.max(left, 0), Math.max(right, 0)],
      [0, 0],
    ]);
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = out.shape;
    const t = Math.max(-top, 0);
    const l = Math.max(-left, 0);
    out = tf.slice(
      out,
      [0, t, l, 0],
      [n, h - t - Math.max(-bottom, 0), w - l - Math.max(-right, 0), c],
    );
  }
  return out;
}

/**
 * The zero-inserted ("fractionally strided") and padded upstream gradient that turns the input
 * gradient of a strided convolution into a stride-1 valid convolution: `out[n, a, b, c]` is
 * `dy[n, i, j, c]` where `a = front_h + i*sh` and `b = front_w + j*sw`, and 0 elsewhere, for
 * `a < height`, `b < width`. `front` may be negative (rows cropped).
 */
export function dilateAndPad(
  dy: tf.Tensor4D,
  sh: number,
  sw: number,
  frontH: number,
  frontW: number,
  height: number,
  width: number,
): tf.Tensor4D {
  const [n, oh, ow, c] = dy.shape;
  let up: tf.Tensor4D = dy;
  if (sh > 1 || sw > 1) {
    // [n, oh, 1, ow, 1, c] padded to [n, oh, sh, ow, sw, c]: each row/column followed by zeros.
    const r = tf.reshape(dy, [n, oh, 1, ow, 1, c]);
    const p = tf.pad(r, [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    up = tf.reshape(p, [n, oh * sh, ow * sw, c]);
  }
  const [, uh, uw] = up.shape;
  return padOrCrop(up, frontH, height - frontH - uh, frontW, width - frontW - uw);
}
