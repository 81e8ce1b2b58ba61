import * as tf from '@tensorflow/tfjs';

/** Attributes tfjs passes to the Conv2DBackpropFilter kernel. */
export interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * Weight gradient of a 2-D convolution, lowered to one forward convolution (which wasm runs with
 * XNNPACK): dW[kh, kw, ci, co] = sum over (n, oh, ow) of xPadded[n, oh*s + kh, ow*s + kw, ci] * dy[n, oh, ow, co].
 * With x transposed to [ci, h, w, n] (batch <-> channels) and dy to [oh, ow, n, co] as the filter,
 * that is a valid convolution with dilation s whose output is [ci, kh, kw, co].
 * Padding comes from tfjs' own `computeConv2DInfo`, so TensorFlow's asymmetric `same` padding
 * (more at the bottom/right) is reproduced exactly. NHWC only; dilation 1 (tfjs' conv2d gradient
 * refuses dilations > 1 before it gets here). About 10-25x faster than im2col + matMul on wasm.
 */
export function conv2dBackpropFilterByConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW')
    throw new Error('Conv2DBackpropFilter: NCHW is not supported, use NHWC');
  const [kh, kw, ci] = attrs.filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { top, left } = info.padInfo;
  const [n, h, w] = x.shape;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  // Rows/columns of the padded input that some output reads: the rest (TF drops them) must go.
  const needH = kh - 1 + (oh - 1) * sh + 1;
  const needW = kw - 1 + (ow - 1) * sw + 1;
  if (
    kh === 1 &&
    kw === 1 &&
    sh === 1 &&
    sw === 1 &&
    top === 0 &&
    left === 0 &&
    oh === h &&
    ow === w
  )
    // A 1x1 convolution is a matrix product: dW[ci, co] = X[N, ci]^T . dY[N, co]. (The transpose
    // is explicit: wasm's matMul runs transposeA outside XNNPACK, ~10x slower.)
    return tf.tidy(() =>
      tf.reshape(
        tf.matMul(
          tf.transpose(tf.reshape(x, [n * h * w, ci])),
          tf.reshape(dy, [n * h * w, dy.shape[3]]),
        ),
        attrs.filterShape,
      ),
    );
  return tf.tidy(() => {
    let xp: tf.Tensor4D = x;
    const bottom = Math.max(0, needH - h - top);
    const right = Math.max(0, needW - w - left);
    if (top || left || bottom || right)
      xp = tf.pad(xp, [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ]);
    if (xp.shape[1] !== needH || xp.shape[2] !== needW)
      xp = tf.slice(xp, [0, 0, 0, 0], [n, needH, needW, ci]);
    const xt = tf.transpose(xp, [3, 1, 2, 0]);
    const filter = tf.transpose(dy, [1, 2, 0, 3]);
    const out = tf.conv2d(xt, filter, 1, 'valid', 'NHWC', [sh, sw]);
    return tf.transpose(out, [1, 2, 0, 3]);
  });
}

// Registration lives in register.ts (all of Graft's gradient kernels); re-exported here for the
// modules that import it from this file.
export { registerTrainingKernels } from './register.js';
