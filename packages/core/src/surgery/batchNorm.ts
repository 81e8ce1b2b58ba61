import * as tf from '@tensorflow/tfjs';

const PATCHED = Symbol.for('graft.batchNormInference');

/** The parts of tfjs' BatchNormalization layer the inference formula reads. */
interface BatchNormFields {
  axis: number | number[];
  epsilon: number;
  center: boolean;
  scale: boolean;
  movingMean: { read(): tf.Tensor };
  movingVariance: { read(): tf.Tensor };
  beta?: { read(): tf.Tensor } | null;
}

type CallFn = (
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
) => tf.Tensor | tf.Tensor[];

/**
 * Makes BatchNormalization layers behave as in Keras when frozen: they normalise with their moving
 * statistics and never update them, whatever the `training` flag of the call.
 *
 * tfjs' `BatchNormalization.call` looks only at `kwargs.training`: during `fit` or a training step
 * it normalises with batch statistics and writes new moving mean/variance, even on a layer whose
 * `trainable` is false. Keras runs a non-trainable BN in inference mode instead; fine-tuning on top
 * of a backbone whose statistics drift on a small new dataset destroys what it learned. The patch is
 * per instance, so a saved model stays a standard tfjs LayersModel.
 */
export function enforceBatchNormInference(layers: readonly tf.layers.Layer[]): number {
  let n = 0;
  for (const layer of layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const target = layer as unknown as { call: CallFn; [PATCHED]?: true };
    if (target[PATCHED]) continue;
    const original = target.call.bind(layer) as CallFn;
    const bn = layer as unknown as BatchNormFields;
    target.call = (inputs, kwargs) => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      const axis = Array.isArray(bn.axis) ? bn.axis[0] : bn.axis;
      // tfjs cannot take the gradient of a batchNorm without a scale (InceptionV3's BN layers
      // have `scale: false`): the same inference formula, written with plain ops, can.
      if (bn.scale || (axis !== -1 && axis !== x.rank - 1))
        return original(inputs, { ...kwargs, training: false });
      return tf.tidy(() => {
        const y = tf.mul(
          tf.sub(x, bn.movingMean.read()),
          tf.rsqrt(tf.add(bn.movingVariance.read(), bn.epsilon)),
        );
        return bn.center && bn.beta ? tf.add(y, bn.beta.read()) : y;
      });
    };
    target[PATCHED] = true;
    n++;
  }
  return n;
}

/** True when `layer` has been put in permanent inference mode by {@link enforceBatchNormInference}. */
export function isBatchNormInference(layer: tf.layers.Layer): boolean {
  return (layer as unknown as { [PATCHED]?: true })[PATCHED] === true;
}
