import * as tf from '@tensorflow/tfjs';

/**
 * The training loss of a batch — mean categorical cross-entropy of the model's probabilities
 * (clipped away from 0) — and, kept out of the tape's tidy, how many predictions were right.
 * One definition for the training loop and for the gradient workers.
 */
export function batchLoss(
  model: tf.LayersModel,
  xs: tf.Tensor[],
  y: tf.Tensor,
): { loss: tf.Scalar; correct: tf.Scalar } {
  const p = model.apply(xs.length === 1 ? xs[0]! : xs, { training: true }) as tf.Tensor;
  const correct = tf.keep(tf.equal(p.argMax(-1), y.argMax(-1)).sum() as tf.Scalar);
  const loss = tf.losses.softmaxCrossEntropy(y, tf.log(tf.clipByValue(p, 1e-7, 1))) as tf.Scalar;
  return { loss, correct };
}
