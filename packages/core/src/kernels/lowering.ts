import * as tf from '@tensorflow/tfjs';

/** Padding attribute of tfjs' convolution kernels. */
export type ConvPad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor:
 * `[top, bottom, left, right]`, padding with `value` (default 0). Returns `x` itself when nothing
 * changes.
 */
export function padOrCrop(
  x: tf.Tensor4D,
  top: number,
  bottom: number,
  left: number,
  right: number,
  value = 0,
): tf.Tensor4D {
  let out = x;
  if (top > 0 || bottom > 0 || left > 0 || right > 0)
    out = tf.pad(
      out,
      [
        [0, 0],
        [Math.max(top, 0), Math.max(bottom, 0)],
        [Math.max(left, 0), Math.max(right, 0)],
        [0, 0],
      ],
      value,
    );
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

/**
 * The `sh * sw` stride phases of an NHWC tensor whose height and width are multiples of the
 * strides: phase `a * sw + b` is `x[:, a::sh, b::sw, :]`, shape [n, h / sh, w / sw, c]. Cut by 4-D
 * slices of a reshape (wasm runs strided and 6-D slices in JavaScript, 10-100x slower).
 */
export function splitPhases(x: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D[] {
  const [n, h, w, c] = x.shape;
  if (sh === 1 && sw === 1) return [x];
  const hb = h / sh;
  const wb = w / sw;
  const rows = tf.reshape(x, [n * hb, sh, wb, sw * c]);
  const phases: tf.Tensor4D[] = [];
  for (let a = 0; a < sh; a++)
    for (let b = 0; b < sw; b++)
      phases.push(tf.reshape(tf.slice(rows, [0, a, 0, b * c], [n * hb, 1, wb, c]), [n, hb, wb, c]));
  return phases;
}

/** The inverse of {@link splitPhases}: interleaves `sh * sw` phases [n, hb, wb, c] into [n, hb*sh, wb*sw, c]. */
export function joinPhases(phases: tf.Tensor4D[], sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return phases[0]!;
  const [n, hb, wb, c] = phases[0]!.shape;
  const rows: tf.Tensor[] = [];
  for (let a = 0; a < sh; a++) {
    // Phases of one row offset side by side along a new axis after the column: [n, hb, wb, sw, c].
    const row = tf.stack(phases.slice(a * sw, (a + 1) * sw), 3);
    rows.push(tf.reshape(row, [n, hb, 1, wb * sw * c]));
  }
  return tf.reshape(tf.concat(rows, 2), [n, hb * sh, wb * sw, c]);
}
