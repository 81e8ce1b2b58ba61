import * as tf from '@tensorflow/tfjs';

/** Attributes tfjs passes to the Conv2DBackpropFilter kernel. */
interface Conv2DBackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

/**
 * Weight gradient of a 2-D convolution, lowered to im2col + one matrix multiply:
 * dW[kh, kw, ci, co] = sum over (n, oh, ow) of xPadded[n, oh*s + kh, ow*s + kw, ci] * dy[n, oh, ow, co].
 * Padding comes from tfjs' own `computeConv2DInfo`, so TensorFlow's asymmetric `same` padding
 * (more at the bottom/right) is reproduced exactly. NHWC only; dilation 1 (tfjs' conv2d gradient
 * refuses dilations > 1 before it gets here).
 */
export function conv2dBackpropFilterByMatMul(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DBackpropFilterAttrs,
): tf.Tensor4D {
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter: NCHW is not supported, use NHWC');
  const [kh, kw, ci, co] = attrs.filterShape;
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
  const { top, bottom, left, right } = info.padInfo;
  const [n] = x.shape;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  return tf.tidy(() => {
    const xp = top || bottom || left || right ? tf.pad(x, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]) : x;
    const m = n * oh * ow;
    const dy2 = tf.reshape(dy, [m, co]);
    let cols: tf.Tensor2D;
    if (kh === 1 && kw === 1 && sh === 1 && sw === 1) {
      cols = tf.reshape(xp, [m, ci]);
    } else {
      const taps: tf.Tensor[] = [];
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          taps.push(
            tf.stridedSlice(xp, [0, i, j, 0], [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, ci], [1, sh, sw, 1]),
          );
        }
      }
      cols = tf.reshape(taps.length === 1 ? taps[0]! : tf.concat(taps, 3), [m, kh * kw * ci]);
    }
    return tf.reshape(tf.matMul(cols, dy2, true, false), [kh, kw, ci, co]);
  });
}

let registered = false;

/**
 * Registers the gradient kernels the wasm backend lacks (Conv2DBackpropFilter), built from kernels
 * it runs fast, so convolutions train on wasm. Idempotent.
 */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  if (!tf.getKernel('Conv2DBackpropFilter', 'wasm')) {
    tf.registerKernel({
      kernelName: 'Conv2DBackpropFilter',
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const { x, dy } = inputs as { x: tf.Tensor4D; dy: tf.Tensor4D };
        return conv2dBackpropFilterByMatMul(x, dy, attrs as unknown as Conv2DBackpropFilterAttrs);
      },
    });
  }
}
