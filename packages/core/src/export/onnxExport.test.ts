/**
 * A trained transfer model (frozen prefix + fine-tuned suffix + head) exported as one ONNX file,
 * loaded back in ONNX Runtime, predicts what tfjs predicts on the test split.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/catalog.js';
import { loadMnistDigits } from '../data/mnist.js';
import { splitDataset } from '../data/split.js';
import { imagesToTensor } from '../data/tensors.js';
import { createOrtSession, runOrt } from '../onnx/runtime.js';
import { MemoryFeatureCache } from '../training/featureCache.js';
import { trainTransferModel } from '../training/train.js';
import { sha256 } from '../util/hash.js';
import { DirectoryBlobStore, exportOnnxModel, onnxExportBytes } from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graft-onnx-export-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('exportOnnxModel', () => {
  it('exports a fine-tuned MobileNetV2 transfer model that ONNX Runtime runs like tfjs on the test split', async () => {
    const backbone = await loadBackbone({ source: 'mobilenet_v2' });
    const data = splitDataset({ set: loadMnistDigits({ digits: [3, 4, 5], limit: 150 }), seed: 2 });
    const classes = data.train.classes;
    const r = await trainTransferModel({
      backbone,
      data,
      surgery: {
        inputShape: [32, 32, 3],
        freeze: { kind: 'allButLastBlocks', blocks: 1 },
        head: { dense: [{ units: 16, dropout: 0.2 }], classes },
      },
      train: {
        mode: 'fine-tuning',
        epochs: 1,
        fineTune: { epochs: 1, learningRate: 1e-4 },
        earlyStopping: false,
        engine: { workers: 0 },
      },
      featureCache: new MemoryFeatureCache(),
    });
    try {
      expect(r.phases[1]!.trainableLayers.length).toBeGreaterThan(
        r.phases[0]!.trainableLayers.length,
      );
      const store = new DirectoryBlobStore({ root: dir });
      const exported = await exportOnnxModel({
        model: r.model,
        store,
        prefix: 'models/m1',
        classes,
        preprocessing: backbone.preprocessing,
      });
      expect(exported.file.path).toBe('models/m1/model.onnx');
      const bytes = await store.get(exported.file.path);
      expect(exported.file.bytes).toBe(bytes.byteLength);
      expect(exported.file.sha256).toBe(sha256(bytes));
      expect(exported.file.sha256).toMatch(/^[0-9a-f]{64}$/);
      // The same file in memory, for callers that store it themselves (the API's object store):
      // the compiler is deterministic, so the bytes and checksum are the stored file's.
      const inMemory = onnxExportBytes({
        model: r.model,
        classes,
        preprocessing: backbone.preprocessing,
      });
      expect(inMemory.sha256).toBe(sha256(inMemory.bytes));
      expect(inMemory.sha256).toBe(exported.file.sha256);
      expect(Buffer.from(inMemory.bytes).equals(Buffer.from(bytes))).toBe(true);
      expect(inMemory).toMatchObject({
        inputName: exported.inputName,
        outputNames: exported.outputNames,
        inputShape: [32, 32, 3],
        opset: 13,
      });

      const proto = onnxProto.onnx.ModelProto.decode(bytes);
      const meta = Object.fromEntries(proto.metadataProps.map((p) => [p.key, p.value]));
      expect(JSON.parse(meta['graft.classes']!)).toEqual(classes);
      expect(JSON.parse(meta['graft.preprocessing']!)).toEqual(backbone.preprocessing);
      expect(Number(proto.opsetImport[0]!.version)).toBe(13);

      const x = imagesToTensor({
        set: data.test,
        preprocessing: backbone.preprocessing,
        size: [32, 32],
      });
      const expected = (r.model.predict(x) as tf.Tensor).dataSync() as Float32Array;
      const input = x.dataSync() as Float32Array;
      x.dispose();
      const session = await createOrtSession(bytes);
      let got: Float32Array;
      try {
        [got] = (await runOrt(
          session,
          { name: exported.inputName, data: input, shape: [data.test.count, 32, 32, 3] },
          exported.outputNames,
        )) as [Float32Array];
      } finally {
        await session.release();
      }
      expect(got.length).toBe(expected.length);
      const k = classes.length;
      let maxDiff = 0;
      for (let i = 0; i < expected.length; i++)
        maxDiff = Math.max(maxDiff, Math.abs(got[i]! - expected[i]!));
      // probabilities: scale 1, so the same 1e-4 bound as the parity tests
      expect(maxDiff).toBeLessThan(1e-4);
      const argmax = (p: Float32Array, i: number) => {
        let best = 0;
        for (let c = 1; c < k; c++) if (p[i * k + c]! > p[i * k + best]!) best = c;
        return best;
      };
      for (let i = 0; i < data.test.count; i++) expect(argmax(got, i)).toBe(argmax(expected, i));
    } finally {
      r.model.dispose();
    }
  });
});
