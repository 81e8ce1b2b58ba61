/**
 * Worker thread of {@link GradientWorkers}: holds a replica of the trainable model and its
 * optimizer; for each step computes the gradients of its shard of the batch, then applies the
 * averaged gradients every replica receives, so that all replicas stay equal.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { useBackend } from '../backend.js';
import { artifactsToModel } from '../backbones/artifacts.js';
import { labelsToOneHot } from '../data/tensors.js';
import { enforceBatchNormInference } from '../surgery/batchNorm.js';
import { makeOptimizer } from './fit.js';
import type { FromGradientWorker, ToGradientWorker } from './gradientWorkers.js';
import { batchLoss } from './loss.js';

const port = parentPort;
if (!port) throw new Error('gradientWorker must run in a worker thread');
const reply = (m: FromGradientWorker, transfer: ArrayBuffer[] = []): void =>
  port.postMessage(m, transfer);

let model: tf.LayersModel | undefined;
let vars: tf.Variable[] = [];
let optimizer: tf.Optimizer | undefined;
let dropouts: { seed?: number }[] = [];
let numClasses = 0;

port.on('message', (m: ToGradientWorker) => {
  void handle(m).catch((err: unknown) =>
    reply({ type: 'error', message: (err as Error).message ?? String(err) }),
  );
});

async function handle(m: ToGradientWorker): Promise<void> {
  switch (m.type) {
    case 'init': {
      await useBackend(m.backend);
      model?.dispose();
      optimizer?.dispose();
      model = await artifactsToModel(m.artifacts);
      const trainable = new Set(m.trainableLayers);
      for (const layer of model.layers) layer.trainable = trainable.has(layer.name);
      const bn = new Set(m.batchNormInference);
      enforceBatchNormInference(model.layers.filter((l) => bn.has(l.name)));
      vars = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      const names = model.trainableWeights.map((w) => w.originalName);
      if (names.join('\n') !== m.weightNames.join('\n')) {
        throw new Error(`replica's trainable weights differ: ${names.join(', ')}`);
      }
      optimizer = makeOptimizer(m.optimizer, m.learningRate);
      dropouts = model.layers.filter((l) => l.getClassName() === 'Dropout') as unknown as {
        seed?: number;
      }[];
      numClasses = m.numClasses;
      reply({ type: 'ready' });
      return;
    }
    case 'step': {
      if (!model || !optimizer) throw new Error('gradient worker used before init');
      dropouts.forEach((d, i) => (d.seed = m.dropoutSeed + i));
      const xs = m.blocks.map((b) => tf.tensor(b.data, b.shape));
      const y = labelsToOneHot(m.labels, numClasses);
      let correct: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const r = batchLoss(model!, xs, y);
        correct = r.correct;
        return r.loss;
      }, vars);
      const out = await Promise.all(
        vars.map(async (v) => new Float32Array((await grads[v.name]!.data()) as Float32Array)),
      );
      const loss = (await value.data())[0]!;
      const right = (await correct!.data())[0]!;
      tf.dispose([value, correct!, y, ...xs, ...Object.values(grads)]);
      reply(
        { type: 'gradients', grads: out, loss, correct: right },
        out.map((g) => g.buffer as ArrayBuffer),
      );
      return;
    }
    case 'apply': {
      if (!optimizer) throw new Error('gradient worker used before init');
      const named = Object.fromEntries(
        vars.map((v, i) => [v.name, tf.tensor(m.grads[i]!, v.shape)] as const),
      );
      optimizer.applyGradients(named);
      tf.dispose(Object.values(named));
      return;
    }
    case 'weights': {
      const values = await Promise.all(
        vars.map(async (v) => new Float32Array((await v.data()) as Float32Array)),
      );
      reply(
        { type: 'weights', values },
        values.map((v) => v.buffer as ArrayBuffer),
      );
      return;
    }
    case 'close': {
      model?.dispose();
      optimizer?.dispose();
      port!.close();
      return;
    }
  }
}
