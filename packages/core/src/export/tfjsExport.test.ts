import * as tf from '@tensorflow/tfjs';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../util/hash.js';
import { blobStoreIOHandler, DirectoryBlobStore, exportLayersModel } from './index.js';

/** A small CNN with conv, batch-norm and dense weights: every kind of variable surgery touches. */
function smallCnn(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, name: 'conv' }));
  model.add(tf.layers.batchNormalization({ name: 'bn' }));
  model.add(tf.layers.reLU({ name: 'relu' }));
  model.add(tf.layers.globalAveragePooling2d({ name: 'pool' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', name: 'head' }));
  return model;
}

/** Serves `root` over HTTP, read-only, the way a static host or S3 presigned URLs would. */
async function serveDirectory(root: string): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, path.normalize(urlPath));
    if (!file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    readFile(file).then(
      (body) => {
        const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream';
        res.writeHead(200, { 'content-type': type, 'content-length': body.byteLength }).end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, baseUrl: `http://127.0.0.1:${port}` };
}

describe('tfjs export to a BlobStore', () => {
  let root: string;
  let store: DirectoryBlobStore;
  let model: tf.LayersModel;
  let input: tf.Tensor;
  let expected: Float32Array;
  let http: { server: Server; baseUrl: string };

  beforeAll(async () => {
    await tf.ready();
    root = await mkdtemp(path.join(tmpdir(), 'graft-export-'));
    store = new DirectoryBlobStore({ root });
    model = smallCnn();
    // Non-trivial batch-norm statistics, so that they must round-trip too.
    const bn = model.getLayer('bn');
    bn.setWeights(bn.getWeights().map((w, i) => tf.fill(w.shape, 0.5 + i * 0.25)));
    input = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 7);
    expected = (model.predict(input) as tf.Tensor).dataSync() as Float32Array;
    http = await serveDirectory(root);
  });

  afterAll(async () => {
    await new Promise((resolve) => http.server.close(resolve));
    model.dispose();
    input.dispose();
    await rm(root, { recursive: true, force: true });
  });

  async function predictWith(m: tf.LayersModel): Promise<Float32Array> {
    const out = m.predict(input) as tf.Tensor;
    const values = (await out.data()) as Float32Array;
    out.dispose();
    m.dispose();
    return values;
  }

  it('writes model.json + weights.bin with sha256s that match the bytes on disk', async () => {
    const result = await exportLayersModel({ model, store, prefix: 'models/v1/' });
    expect(result.modelJsonPath).toBe('models/v1/model.json');
    expect(result.files.map((f) => f.path)).toEqual([
      'models/v1/model.json',
      'models/v1/weights.bin',
    ]);
    for (const f of result.files) {
      const onDisk = await readFile(path.join(root, f.path));
      expect(f.bytes).toBe(onDisk.byteLength);
      expect(f.sha256).toBe(sha256(onDisk));
    }

    const json = JSON.parse(await readFile(path.join(root, 'models/v1/model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.generatedBy).toMatch(/^TensorFlow\.js/);
    expect(json.convertedBy).toBeNull();
    expect(json.modelTopology.class_name).toBe('Sequential');
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const names = (json.weightsManifest[0].weights as { name: string }[]).map((w) => w.name);
    expect(names).toContain('bn/moving_mean');
    expect(names).toContain('head/kernel');
  });

  it('reloads from the raw files through tf.io.fromMemory with equal predictions', async () => {
    const json = JSON.parse(await readFile(path.join(root, 'models/v1/model.json'), 'utf8'));
    const weights = await readFile(path.join(root, 'models/v1/weights.bin'));
    const reloaded = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: new Uint8Array(weights).buffer,
      }),
    );
    expect(Array.from(await predictWith(reloaded))).toEqual(Array.from(expected));
  });

  it('reloads with stock tf.loadLayersModel over http with equal predictions', async () => {
    const before = tf.memory().numTensors;
    const reloaded = await tf.loadLayersModel(`${http.baseUrl}/models/v1/model.json`);
    expect(Array.from(await predictWith(reloaded))).toEqual(Array.from(expected));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reloads through the handler itself, and records files after save', async () => {
    const handler = blobStoreIOHandler({
      store,
      prefix: 'h',
      weightsFileName: 'group1-shard1of1.bin',
    });
    expect(handler.files).toEqual([]);
    await model.save(handler);
    expect(handler.files.map((f) => f.path)).toEqual(['h/model.json', 'h/group1-shard1of1.bin']);
    expect(await store.exists('h/group1-shard1of1.bin')).toBe(true);
    const reloaded = await tf.loadLayersModel(handler);
    expect(Array.from(await predictWith(reloaded))).toEqual(Array.from(expected));
  });

  it('loads models whose weights are sharded over several files', async () => {
    // The layout tfjs-converter writes: one group, several shard paths.
    const json = JSON.parse(await readFile(path.join(root, 'models/v1/model.json'), 'utf8'));
    const weights = await store.get('models/v1/weights.bin');
    const cut = Math.floor(weights.byteLength / 2);
    await store.put('sharded/w1.bin', weights.slice(0, cut));
    await store.put('sharded/w2.bin', weights.slice(cut));
    json.weightsManifest[0].paths = ['./w1.bin', 'w2.bin'];
    await store.put('sharded/model.json', new TextEncoder().encode(JSON.stringify(json)));
    const reloaded = await tf.loadLayersModel(blobStoreIOHandler({ store, prefix: 'sharded' }));
    expect(Array.from(await predictWith(reloaded))).toEqual(Array.from(expected));
  });

  it('refuses weights paths that point outside the store', async () => {
    const json = JSON.parse(await readFile(path.join(root, 'models/v1/model.json'), 'utf8'));
    for (const [i, p] of ['../../../etc/passwd', '/etc/passwd', 'https://evil/w.bin'].entries()) {
      json.weightsManifest[0].paths = [p];
      await store.put(`evil${i}/model.json`, new TextEncoder().encode(JSON.stringify(json)));
      await expect(
        tf.loadLayersModel(blobStoreIOHandler({ store, prefix: `evil${i}` })),
      ).rejects.toThrow(/INVALID_MODEL_JSON|not relative|leaves the store|cannot load/);
    }
  });
});
