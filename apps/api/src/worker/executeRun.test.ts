import * as tf from '@tensorflow/tfjs';
import { loadBackbone, loadMnistDigits, validateLineageRecord } from '@graft/core';
import * as ort from 'onnxruntime-node';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../db/index.js';
import { artifacts, backbones, datasets, runEpochs, runs } from '../db/schema.js';
import { createObjectStore, type ObjectStore } from '../storage/index.js';
import { createTempDir } from '../testing/tempDir.js';
import { executeRun, RetryableRunError } from './executeRun.js';

let dir: { path: string; remove(): Promise<void> };
let database: Database;
let store: ObjectStore;
let backboneId: string;
let datasetId: string;

beforeAll(async () => {
  dir = await createTempDir();
  database = await createDatabase({
    kind: 'pglite',
    dataDir: `${dir.path}/db`,
    socketPort: 0,
    poolMax: 4,
  });
  store = await createObjectStore({
    kind: 'embedded',
    directory: `${dir.path}/s3`,
    port: 0,
    bucket: 'graft-test',
    region: 'us-east-1',
  });
  const b = await loadBackbone({ source: 'lenet5-mnist04' });
  const [bb] = await database.db
    .insert(backbones)
    .values({
      name: b.id,
      family: b.family,
      sourceUri: b.sourceUri,
      topologySha256: b.fingerprint.topologySha256,
      weightsSha256: b.fingerprint.weightsSha256,
      inputShape: b.inputShape,
      preprocessing: b.preprocessing,
      layers: [],
      blockEnds: b.blockEnds,
      lastFeatureLayer: b.lastFeatureLayer,
    })
    .returning();
  backboneId = bb!.id;
  const [ds] = await database.db
    .insert(datasets)
    .values({
      name: 'digits 5-6',
      classes: ['5', '6'],
      counts: { train: 0, validation: 0, test: 0 },
      contentHash: 'x'.repeat(64),
      source: { kind: 'builtin', name: 'mnist-digits', options: { digits: [5, 6], limit: 300 } },
    })
    .returning();
  datasetId = ds!.id;
});

afterAll(async () => {
  await store?.close();
  await database?.close();
  await dir?.remove();
});

async function queueRun(lr: number): Promise<string> {
  const [run] = await database.db
    .insert(runs)
    .values({
      backboneId,
      datasetId,
      mode: 'feature-extraction',
      headLr: lr,
      surgery: { request: { head: { dense: [{ units: 32 }], classes: ['5', '6'] } } },
      train: { mode: 'feature-extraction', epochs: 2, learningRate: lr, engine: { workers: 0 } },
    })
    .returning();
  return run!.id;
}

describe('executeRun', () => {
  it('trains, uploads the model, then records artifacts, epochs, metrics and lineage', async () => {
    const id = await queueRun(1e-3);
    const progress: string[] = [];
    const outcome = await executeRun(id, {
      db: database.db,
      store,
      onProgress: (_, p) => progress.push(p.stage),
    });
    const [run] = await database.db.select().from(runs).where(eq(runs.id, id));
    expect(run!.error).toBeNull();
    expect(outcome).toBe('succeeded');
    expect(run!.status).toBe('succeeded');
    expect(run!.attempt).toBe(1);
    expect(run!.testAccuracy).toBeGreaterThan(0.9);
    expect(progress).toContain('train');
    expect(validateLineageRecord(run!.lineage)).toEqual([]);
    expect(run!.lineage!.backbone.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run!.surgery.frozenLayers).toEqual(['conv1', 'pool1', 'conv2', 'pool2', 'flatten']);
    const epochs = await database.db.select().from(runEpochs).where(eq(runEpochs.runId, id));
    expect(epochs.length).toBe(run!.lineage!.results.history.length);
    const files = await database.db.select().from(artifacts).where(eq(artifacts.runId, id));
    expect(files.map((f) => f.name).sort()).toEqual(['model.json', 'model.onnx', 'weights.bin']);
    expect(run!.lineage!.artifacts.map((a) => a.path).sort()).toEqual(
      files.map((f) => f.name).sort(),
    );
    for (const f of files) expect((await store.statObject(f.key))?.bytes).toBe(f.bytes);
    // The stored model loads with stock tfjs.
    const read = async (key: string): Promise<Buffer> => {
      const chunks: Buffer[] = [];
      for await (const c of await store.getObject(key)) chunks.push(c as Buffer);
      return Buffer.concat(chunks);
    };
    const json = JSON.parse(
      (await read(files.find((f) => f.name === 'model.json')!.key)).toString(),
    );
    const weights = await read(files.find((f) => f.name === 'weights.bin')!.key);
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: weights.buffer.slice(
          weights.byteOffset,
          weights.byteOffset + weights.byteLength,
        ),
      }),
    );
    expect(model.outputs[0]!.shape).toEqual([null, 2]);
    // The ONNX export answers like the tfjs model (ONNX Runtime, on real digits).
    const digits = loadMnistDigits({ digits: [5, 6], limit: 16 });
    const x = tf.tensor4d(
      Float32Array.from(digits.pixels, (p) => p / 255),
      [16, 28, 28, 1],
    );
    const expected = (model.predict(x) as tf.Tensor).dataSync();
    const session = await ort.InferenceSession.create(
      await read(files.find((f) => f.name === 'model.onnx')!.key),
    );
    const out = await session.run({
      [session.inputNames[0]!]: new ort.Tensor('float32', x.dataSync(), [16, 28, 28, 1]),
    });
    const got = out[session.outputNames[0]!]!.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < expected.length; i++)
      worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
    expect(worst).toBeLessThan(1e-4);
    x.dispose();
    model.dispose();
  });

  it('keeps the log and the error of a failed run, and records no artifacts', async () => {
    const [run] = await database.db
      .insert(runs)
      .values({
        backboneId,
        datasetId,
        mode: 'feature-extraction',
        surgery: { request: { cutAt: 'nope', head: { classes: ['5', '6'] } } },
        train: { mode: 'feature-extraction', epochs: 1, engine: { workers: 0 } },
      })
      .returning();
    expect(await executeRun(run!.id, { db: database.db, store })).toBe('failed');
    const [after] = await database.db.select().from(runs).where(eq(runs.id, run!.id));
    expect(after!.status).toBe('failed');
    expect(after!.error).toMatch(/unknown layer 'nope'/);
    expect(after!.log).toMatch(/error: unknown layer 'nope'/);
    expect(await database.db.select().from(artifacts).where(eq(artifacts.runId, run!.id))).toEqual(
      [],
    );
  });

  it('skips a run that is no longer queued (cancelled, or finished by another attempt)', async () => {
    const id = await queueRun(1e-3);
    await database.db.update(runs).set({ status: 'cancelled' }).where(eq(runs.id, id));
    expect(await executeRun(id, { db: database.db, store })).toBe('skipped');
  });

  it('re-queues a run whose store is out of reach while retries remain, then fails it', async () => {
    // A real S3 server that has stopped: uploads are refused at the connection.
    const down = await createObjectStore({
      kind: 'embedded',
      directory: `${dir.path}/s3-down`,
      port: 0,
      bucket: 'graft-down',
      region: 'us-east-1',
    });
    await down.close();
    const id = await queueRun(1e-3);
    const row = async () => (await database.db.select().from(runs).where(eq(runs.id, id)))[0]!;
    await expect(
      executeRun(id, { db: database.db, store: down, retriesLeft: 1 }),
    ).rejects.toBeInstanceOf(RetryableRunError);
    expect(await row()).toMatchObject({ status: 'queued', attempt: 1 });
    expect((await row()).error).not.toBeNull();
    expect(await executeRun(id, { db: database.db, store: down, retriesLeft: 0 })).toBe('failed');
    expect(await row()).toMatchObject({ status: 'failed', attempt: 2 });
    expect(await database.db.select().from(artifacts).where(eq(artifacts.runId, id))).toEqual([]);
  });
});
