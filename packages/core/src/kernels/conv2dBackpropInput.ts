import * as tf from '@tensorflow/tfjs';
import { dilateAndPad, type ConvPad } from './lowering.js';

/** Attributes tfjs passes to the Conv2DBackpropInput kernel. */
export interface Conv2DBackpropInputAttrs {
  strides: [number, number] | number;
  pad: ConvPad;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/**
 * Input gradient of a 2-D convolution (a transposed convolution), lowered to one stride-1 valid
 * forward convolution, which wasm runs with XNNPACK: dy is zero-inserted by the stride and padded
 * by `kernel - 1 - pad_top/left` in front (so the `same` padding's odd pixel at the bottom/right,
 * TensorFlow's asymmetric rule from tfjs' own `computeConv2DInfo`, is honoured), then convolved
 * with the filter flipped in space and with its channel axes swapped:
 * dx[n, r, c, ci] = sum_{p, q, co} dyUp[n, r + p, c + q, co] * W[kh-1-p, kw-1-q, ci, co].
 * NHWC; dilation 1 (tfjs' conv2d gradient refuses dilations > 1).
 */
export function conv2dBackpropInputByConv(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Conv2DBackpropInputAttrs,
): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW')
    throw new Error('Conv2DBackpropInput: NCHW is not supported, use NHWC');
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const [, h, w] = attrs.inputShape;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const [n, , , ci] = attrs.inputShape;
  const co = filter.shape[3];
  if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && info.outHeight === h && info.outWidth === w)
    // A 1x1 convolution is a matrix product: dX[N, ci] = dY[N, co] . W[ci, co]^T.
    return tf.tidy(() =>
      tf.reshape(
        tf.matMul(tf.reshape(dy, [n * h * w, co]), tf.transpose(tf.reshape(filter, [ci, co]))),
        attrs.inputShape,
      ),
    );
  return tf.tidy(() => {
    const z = dilateAndPad(
      dy,
      sh,
      sw,
      kh - 1 - info.padInfo.top,
      kw - 1 - info.padInfo.left,
      h + kh - 1,
      w + kw - 1,
    );
    const flipped = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    return tf.conv2d(z, flipped, 1, 'valid');
  });
}
