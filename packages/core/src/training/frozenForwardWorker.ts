/**
 * Worker thread of {@link WorkerPoolForward}: rebuilds the frozen prefix once, then turns batches
 * of raw pixels into prefix outputs.
 */
import * as tf from '@tensorflow/tfjs';
import { parentPort } from 'node:worker_threads';
import { useBackend } from '../backend.js';
import { artifactsToModel } from '../backbones/artifacts.js';
import { imagesToTensor } from '../data/tensors.js';
import type { FromWorker, ToWorker } from './frozenForward.js';

let model: tf.LayersModel | undefined;
let init: Extract<ToWorker, { type: 'init' }>['args'] | undefined;

const port = parentPort;
if (!port) throw new Error('frozenForwardWorker must run in a worker thread');
const reply = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

port.on('message', (m: ToWorker) => {
  void handle(m).catch((err: unknown) =>
    reply({
      type: 'error',
      id: m.type === 'run' ? m.id : undefined,
      message: (err as Error).message ?? String(err),
    }),
  );
});

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'init') {
    init = m.args;
    await useBackend(init.backend);
    model?.dispose(); // threads are reused across phases
    model = await artifactsToModel(init.artifacts);
    reply({ type: 'ready' });
    return;
  }
  if (m.type === 'close') {
    model?.dispose();
    port!.close();
    return;
  }
  if (!model || !init) throw new Error('worker used before init');
  const set = {
    name: 'batch',
    classes: [],
    imageShape: m.imageShape,
    pixels: m.pixels,
    labels: new Int32Array(m.count),
    count: m.count,
    sources: [],
  };
  const outs = tf.tidy(() => {
    const x = imagesToTensor({ set, preprocessing: init!.preprocessing, size: init!.inputSize });
    const y = model!.predict(x);
    return Array.isArray(y) ? y : [y];
  });
  const blocks = await Promise.all(
    outs.map(async (t) => new Float32Array((await t.data()) as Float32Array)),
  );
  tf.dispose(outs);
  reply(
    { type: 'result', id: m.id, blocks },
    blocks.map((b) => b.buffer as ArrayBuffer),
  );
}
