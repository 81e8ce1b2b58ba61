import * as tf from '@tensorflow/tfjs';
import { labelsToOneHot } from '../data/tensors.js';
import { shuffledIndices } from '../util/seededRandom.js';
import { yieldToEventLoop } from '../util/yield.js';
import type { Features } from './featureCache.js';
import type { BackendName } from '../backend.js';
import type { GradientShard, GradientWorkers } from './gradientWorkers.js';
import { batchLoss } from './loss.js';
import type { EarlyStoppingSpec, OptimizerName } from './spec.js';

/** One epoch's figures. */
export interface EpochMetrics {
  phase: string;
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}

/** What progress callbacks receive while training. */
export interface TrainProgress {
  stage: 'features' | 'train' | 'evaluate';
  phase: string;
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  loss?: number;
  accuracy?: number;
  valLoss?: number;
  valAccuracy?: number;
  imagesPerSec: number;
  etaSeconds: number;
}

/** Inputs of a model: one feature block per model input (as many rows as labels). */
export interface TensorSource {
  features: Features;
  labels: Int32Array;
}

/** Arguments of {@link fitPhase}. */
export interface FitPhaseArgs {
  model: tf.LayersModel;
  train: TensorSource;
  validation: TensorSource;
  numClasses: number;
  phase: string;
  epochs: number;
  learningRate: number;
  optimizer: OptimizerName;
  batchSize: number;
  seed: number;
  earlyStopping: EarlyStoppingSpec | false;
  onProgress?: (p: TrainProgress) => void;
  /** Fresh training inputs for an epoch (e.g. from augmented images); default: `train.features` every epoch. */
  trainFeaturesForEpoch?: (epoch: number) => Promise<Features>;
  /** Checked every batch: an aborted signal stops the phase (it rejects with the reason). */
  signal?: AbortSignal;
  /**
   * Data-parallel steps: each batch is split over these workers' replicas of `model` (given
   * the model, the optimizer and the learning rate when the phase starts); `model` gets their
   * weights at the end of each epoch. Default: steps in this thread.
   */
  gradients?: GradientWorkers;
}

/**
 * Splits a batch into `count` shards (sizes differing by one at most) for the gradient workers;
 * shard `i`'s dropout seed is `seed + i * 10007`.
 */
function shardBatch(
  features: Features,
  idx: Int32Array | Uint32Array,
  labels: Int32Array,
  count: number,
  seed: number,
): GradientShard[] {
  const shards: GradientShard[] = [];
  const per = Math.ceil(idx.length / count);
  for (let i = 0; i < count; i++) {
    const part = idx.subarray(i * per, Math.min(idx.length, (i + 1) * per));
    shards.push({
      blocks: features.blocks.map((block) => {
        const size = block.data.length / features.count;
        const data = new Float32Array(part.length * size);
        for (let j = 0; j < part.length; j++)
          data.set(block.data.subarray(part[j]! * size, (part[j]! + 1) * size), j * size);
        return { data, shape: [part.length, ...block.shape] };
      }),
      labels: labels.subarray(i * per, Math.min(idx.length, (i + 1) * per)),
      dropoutSeed: seed + i * 10007,
    });
  }
  return shards;
}

/** Sets `vars` to `values` (the gradient workers' replicas). */
async function syncWeights(vars: tf.Variable[], values: Float32Array[]): Promise<void> {
  vars.forEach((v, i) => {
    const value = tf.tensor(values[i]!, v.shape);
    v.assign(value);
    value.dispose();
  });
  await yieldToEventLoop();
}

/** Result of a phase. */
export interface FitPhaseResult {
  history: EpochMetrics[];
  epochsRun: number;
  earlyStopped: boolean;
  bestEpoch: number;
}

export function makeOptimizer(name: OptimizerName, lr: number): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(lr);
    case 'sgd': {
      const momentum = tf.train.momentum(lr, 0.9);
      // tfjs' MomentumOptimizer.dispose skips its parent's: the learning-rate scalar `c` leaked
      // with every optimizer (one tensor per training phase).
      const dispose = momentum.dispose.bind(momentum);
      momentum.dispose = () => {
        dispose();
        (momentum as unknown as { c?: tf.Tensor }).c?.dispose();
      };
      return momentum;
    }
    case 'rmsprop':
      return tf.train.rmsprop(lr);
  }
}

/** Gathers rows `indices` of every feature block into tensors shaped for the model's inputs. */
export function gatherBatch(features: Features, indices: ArrayLike<number>): tf.Tensor[] {
  return features.blocks.map((block) => {
    const per = block.data.length / features.count;
    const out = new Float32Array(indices.length * per);
    for (let i = 0; i < indices.length; i++) {
      const r = indices[i]!;
      out.set(block.data.subarray(r * per, (r + 1) * per), i * per);
    }
    return tf.tensor(out, [indices.length, ...block.shape]);
  });
}

/** Predicted probabilities of a model over all rows of a source, batch by batch. */
export async function predictAll(
  model: tf.LayersModel,
  features: Features,
  batchSize: number,
): Promise<Float32Array> {
  const k = (model.outputs[0]!.shape[1] as number) ?? 0;
  const out = new Float32Array(features.count * k);
  for (let s = 0; s < features.count; s += batchSize) {
    const idx = Int32Array.from(
      { length: Math.min(batchSize, features.count - s) },
      (_, i) => s + i,
    );
    const p = tf.tidy(() => {
      const xs = gatherBatch(features, idx);
      return model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor;
    });
    out.set((await p.data()) as Float32Array, s * k);
    p.dispose();
    await yieldToEventLoop();
  }
  return out;
}

/** Mean categorical cross-entropy and accuracy of probabilities against labels. */
export function lossAndAccuracy(
  probs: Float32Array,
  labels: Int32Array,
  k: number,
): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = probs.subarray(i * k, (i + 1) * k);
    const y = labels[i]!;
    loss -= Math.log(Math.max(row[y]!, 1e-7));
    let arg = 0;
    for (let j = 1; j < k; j++) if (row[j]! > row[arg]!) arg = j;
    if (arg === y) correct++;
  }
  const n = Math.max(1, labels.length);
  return { loss: loss / n, accuracy: correct / n };
}

/**
 * Trains `model` for one phase with a seeded mini-batch loop (tfjs' `fit` shuffles with Math.random,
 * so it cannot be reproduced from a seed). Dropout gets a distinct seed per step. With early stopping,
 * the weights of the best validation epoch are restored at the end.
 */
export async function fitPhase(a: FitPhaseArgs): Promise<FitPhaseResult> {
  const { model, train, validation, numClasses: k } = a;
  const optimizer = makeOptimizer(a.optimizer, a.learningRate);
  const vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  await a.gradients?.init({
    model,
    backend: tf.getBackend() as BackendName,
    optimizer: a.optimizer,
    learningRate: a.learningRate,
    numClasses: k,
  });
  const dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as {
    seed?: number;
  }[];
  const n = train.labels.length;
  const batches = Math.ceil(n / a.batchSize);
  const history: EpochMetrics[] = [];
  let best = { loss: Infinity, epoch: -1, weights: null as tf.Tensor[] | null };
  let sinceBest = 0;
  let earlyStopped = false;
  const started = Date.now();
  let step = 0;
  try {
    for (let epoch = 0; epoch < a.epochs; epoch++) {
      const t0 = Date.now();
      const order = shuffledIndices(n, a.seed * 7919 + epoch);
      const epochFeatures = a.trainFeaturesForEpoch
        ? await a.trainFeaturesForEpoch(epoch)
        : train.features;
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        const idx = order.subarray(b * a.batchSize, Math.min(n, (b + 1) * a.batchSize));
        dropouts.forEach((d, i) => (d.seed = a.seed * 1_000_003 + step * 101 + i));
        const yIdx = Int32Array.from(idx, (r) => train.labels[r]!);
        let c: number;
        let bc: number;
        if (a.gradients) {
          ({ loss: c, correct: bc } = await a.gradients.step(
            shardBatch(
              epochFeatures,
              idx,
              yIdx,
              a.gradients.count,
              a.seed * 1_000_003 + step * 101,
            ),
          ));
        } else {
          const xs = gatherBatch(epochFeatures, idx);
          const [cost, batchCorrect] = tf.tidy(() => {
            const y = labelsToOneHot(yIdx, k);
            let correctT: tf.Scalar | undefined;
            const loss = optimizer.minimize(
              () => {
                const r = batchLoss(model, xs, y);
                correctT = r.correct;
                return r.loss;
              },
              true,
              vars,
            );
            return [loss!, correctT!];
          });
          tf.dispose(xs);
          c = (await cost.data())[0]!;
          bc = (await batchCorrect.data())[0]!;
          cost.dispose();
          batchCorrect.dispose();
        }
        await yieldToEventLoop();
        a.signal?.throwIfAborted();
        lossSum += c * idx.length;
        correct += bc;
        step++;
        const elapsed = (Date.now() - started) / 1000;
        const seen = epoch * n + b * a.batchSize + idx.length;
        const rate = seen / Math.max(elapsed, 1e-3);
        a.onProgress?.({
          stage: 'train',
          phase: a.phase,
          epoch: epoch + 1,
          epochs: a.epochs,
          batch: b + 1,
          batches,
          loss: lossSum / (b * a.batchSize + idx.length),
          accuracy: correct / (b * a.batchSize + idx.length),
          imagesPerSec: rate,
          etaSeconds: (a.epochs * n - seen) / rate,
        });
      }
      // The replicas trained: the model validates (and early stopping keeps) their weights.
      if (a.gradients) await syncWeights(vars, await a.gradients.weights());
      const probs = await predictAll(model, validation.features, Math.max(a.batchSize, 128));
      const val = lossAndAccuracy(probs, validation.labels, k);
      const m: EpochMetrics = {
        phase: a.phase,
        epoch: epoch + 1,
        loss: lossSum / n,
        accuracy: correct / n,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        seconds: (Date.now() - t0) / 1000,
      };
      history.push(m);
      const elapsed = (Date.now() - started) / 1000;
      a.onProgress?.({
        stage: 'train',
        phase: a.phase,
        epoch: epoch + 1,
        epochs: a.epochs,
        batch: batches,
        batches,
        loss: m.loss,
        accuracy: m.accuracy,
        valLoss: m.valLoss,
        valAccuracy: m.valAccuracy,
        imagesPerSec: ((epoch + 1) * n) / Math.max(elapsed, 1e-3),
        etaSeconds: (elapsed / (epoch + 1)) * (a.epochs - epoch - 1),
      });
      if (a.earlyStopping) {
        if (val.loss < best.loss - (a.earlyStopping.minDelta ?? 0)) {
          tf.dispose(best.weights ?? []);
          best = { loss: val.loss, epoch: epoch + 1, weights: vars.map((v) => tf.clone(v)) };
          sinceBest = 0;
        } else if (++sinceBest >= a.earlyStopping.patience) {
          earlyStopped = true;
          break;
        }
      }
    }
    if (best.weights && best.epoch !== history.length) {
      vars.forEach((v, i) => v.assign(best.weights![i]!));
    }
  } finally {
    tf.dispose(best.weights ?? []);
    optimizer.dispose();
  }
  return {
    history,
    epochsRun: history.length,
    earlyStopped,
    bestEpoch: best.epoch > 0 ? best.epoch : history.length,
  };
}
