import * as tf from '@tensorflow/tfjs';
import { dilateAndPad, padOrCrop, type ConvPad } from './lowering.js';

/** Attributes tfjs passes to the depthwise backprop kernels. */
interface DepthwiseAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: ConvPad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
export interface DepthwiseBackpropFilterAttrs extends DepthwiseAttrs {
  filterShape: [number, number, number, number];
}
export interface DepthwiseBackpropInputAttrs extends DepthwiseAttrs {
  inputShape: [number, number, number, number];
}

/**
 * Weight gradient of a depthwise convolution (NHWC, filter [kh, kw, c, m]):
 * dW[p, q, c, m] = sum_{n, i, j} xPadded[n, i*sh + p*dh, j*sw + q*dw, c] * dy[n, i, j, c*m_ + m].
 * Without dilation: one depthwise convolution (below). With dilation, each of the kh*kw taps is one strided slice of the padded input multiplied by dy; the sum over
 * the N = n*oh*ow positions is a batched matrix product with a row of ones (no transposes).
 * Padding, strides and dilations come from tfjs' `computeConv2DInfo` (TensorFlow's asymmetric
 * `same` padding included).
 */
export function depthwiseBackpropFilterByOps(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: DepthwiseBackpropFilterAttrs,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    attrs.filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    'channelsLast',
  );
  const [kh, kw, c, m] = attrs.filterShape;
  const [n, h, w] = x.shape;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const { dilationHeight: dh, dilationWidth: dw } = info;
  const { top, left } = info.padInfo;
  if (dh === 1 && dw === 1)
    return tf.tidy(() => {
      // With the batch folded into the channels, the weight gradient is itself one depthwise
      // convolution (as Conv2DBackpropFilter is one convolution): the padded input as [1, H, W,
      // n*c], dy as the filter [oh, ow, n*c, m], dilation = the forward stride; output
      // [1, kh, kw, n*c*m], then summed over n.
      const needH = kh + (oh - 1) * sh;
      const needW = kw + (ow - 1) * sw;
      const xp = padOrCrop(x, top, needH - h - top, left, needW - w - left);
      const xt = tf.reshape<tf.Rank.R4>(tf.transpose(xp, [1, 2, 0, 3]), [1, needH, needW, n * c]);
      const f = tf.reshape(tf.transpose(tf.reshape(dy, [n, oh, ow, c, m]), [1, 2, 0, 3, 4]), [
        oh,
        ow,
        n * c,
        m,
      ]);
      const out = tf.depthwiseConv2d(xt, f as tf.Tensor4D, 1, 'valid', 'NHWC', [sh, sw]);
      return tf.sum(tf.reshape(out, [kh, kw, n, c, m]), 2) as tf.Tensor4D;
    });
  return tf.tidy(() => {
    const taps: tf.Tensor[] = [];
    if (sh === 1 && sw === 1) {
      // Padded input, cut to the rows/columns some output reads; each tap is a plain slice.
      const needH = (kh - 1) * dh + oh;
      const needW = (kw - 1) * dw + ow;
      const xp = padOrCrop(x, top, needH - h - top, left, needW - w - left);
      for (let p = 0; p < kh; p++)
        for (let q = 0; q < kw; q++)
          taps.push(tf.slice(xp, [0, p * dh, q * dw, 0], [n, oh, ow, c]));
    } else {
      // Strided: padded row r = i*sh + p*dh is row i + floor(p*dh/sh) of phase p*dh mod sh once
      // the padded input is split into its sh*sw phases ([n, hb, wb, c] each, cut by 4-D slices
      // of a reshape), so each tap is a plain 4-D slice of a phase. (wasm runs strided and 6-D
      // slices in JavaScript, 10-100x slower.)
      const hb = oh + Math.floor(((kh - 1) * dh) / sh);
      const wb = ow + Math.floor(((kw - 1) * dw) / sw);
      const xp = padOrCrop(x, top, hb * sh - h - top, left, wb * sw - w - left);
      const rows = tf.reshape(xp, [n * hb, sh, wb, sw * c]);
      const phases = new Map<number, tf.Tensor4D>();
      const phase = (a: number, b: number): tf.Tensor4D => {
        let t = phases.get(a * sw + b);
        if (!t) {
          t = tf.reshape(tf.slice(rows, [0, a, 0, b * c], [n * hb, 1, wb, c]), [n, hb, wb, c]);
          phases.set(a * sw + b, t);
        }
        return t;
      };
      for (let p = 0; p < kh; p++)
        for (let q = 0; q < kw; q++) {
          const r = p * dh;
          const s = q * dw;
          taps.push(
            tf.slice(
              phase(r % sh, s % sw),
              [0, Math.floor(r / sh), Math.floor(s / sw), 0],
              [n, oh, ow, c],
            ),
          );
        }
    }
    const positions = n * oh * ow;
    // [kk, N, c, 1] * [N, c, m] -> [kk, N, c*m]
    const patches = tf.reshape(tf.stack(taps), [kh * kw, positions, c, 1]);
    const prod = tf.reshape(tf.mul(patches, tf.reshape(dy, [positions, c, m])), [
      kh * kw,
      positions,
      c * m,
    ]);
    const ones = tf.ones([kh * kw, 1, positions]);
    return tf.reshape(tf.matMul(ones, prod), [kh, kw, c, m]);
  });
}

/**
 * Input gradient of a depthwise convolution: a stride-1 valid depthwise convolution (with the
 * forward dilation) of the zero-inserted, padded dy with the spatially flipped filter; for a
 * channel multiplier m > 1 the m products of each input channel are then summed.
 */
export function depthwiseBackpropInputByConv(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: DepthwiseBackpropInputAttrs,
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    'channelsLast',
  );
  const [n, h, w, c] = attrs.inputShape;
  const [kh, kw, , m] = filter.shape;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const keh = (kh - 1) * dh + 1;
  const kew = (kw - 1) * dw + 1;
  return tf.tidy(() => {
    const z = dilateAndPad(
      dy,
      sh,
      sw,
      keh - 1 - info.padInfo.top,
      kew - 1 - info.padInfo.left,
      h + keh - 1,
      w + kew - 1,
    );
    const flipped = tf.reshape(tf.reverse(filter, [0, 1]), [kh, kw, c * m, 1]);
    const out = tf.depthwiseConv2d(z, flipped as tf.Tensor4D, 1, 'valid', 'NHWC', [dh, dw]);
    return m === 1 ? out : tf.sum(tf.reshape(out, [n, h, w, c, m]), 4);
  });
}
