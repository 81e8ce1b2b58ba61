import * as tf from '@tensorflow/tfjs';

/** Attributes of tfjs' `BatchMatMul` kernel. */
export interface BatchMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** The permutation that swaps a tensor's last two axes. */
function lastTwoSwapped(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return perm;
}

/**
 * A·B with operands transposed first, then multiplied untransposed by `multiply` (the wasm
 * backend's own kernel). wasm runs a transposed operand outside XNNPACK: x^T·dy for the weight
 * gradient of a Dense layer [32, 800] x [32, 128] takes 8.5 ms there against 1.1 ms with an
 * explicit transpose, and the products of a 1x1 convolution's gradients 10-15x longer — every
 * Dense and MatMul gradient tfjs computes is such a product.
 */
export function batchMatMulTransposingFirst(
  a: tf.Tensor,
  b: tf.Tensor,
  attrs: BatchMatMulAttrs,
  multiply: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  if (!attrs.transposeA && !attrs.transposeB) return multiply(a, b);
  const at = attrs.transposeA ? tf.transpose(a, lastTwoSwapped(a.rank)) : a;
  const bt = attrs.transposeB ? tf.transpose(b, lastTwoSwapped(b.rank)) : b;
  try {
    return multiply(at, bt);
  } finally {
    if (at !== a) at.dispose();
    if (bt !== b) bt.dispose();
  }
}
