import * as tf from '@tensorflow/tfjs';
import { createServer } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GraftError } from '../errors.js';
import { DirectoryBlobStore } from '../export/blobStore.js';
import { exportLayersModel } from '../export/tfjsExport.js';
import { tinyBackboneHandler } from '../testing/tinyBackbone.js';
import { applySurgery } from '../surgery/surgery.js';
import { backboneCatalog, loadBackbone } from './catalog.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('backbone catalog', () => {
  it('offers the pretrained backbones, the in-house one and the literature architectures', () => {
    expect(backboneCatalog.map((e) => e.id)).toEqual([
      'mobilenet_v2',
      'inception_v3',
      'lenet5-mnist04',
      'lenet5',
      'alexnet',
      'vgg16',
      'resnet50',
      'googlenet',
    ]);
  });

  it('loads the pretrained InceptionV3 with its mixed blocks', async () => {
    const b = await loadBackbone({ source: 'inception_v3' });
    expect(b.layerNames).toHaveLength(318);
    expect(b.inputShape).toEqual([299, 299, 3]);
    expect(b.lastFeatureLayer).toBe('mixed10');
    expect(b.blockEnds).toEqual([
      'max_pooling2d_2',
      ...Array.from({ length: 11 }, (_, i) => `mixed${i}`),
    ]);
    expect(b.minInputSize).toBe(75);
    expect(b.sourceUri).toBe('npm:nsfwjs@4.4.0/inception_v3');
  });

  it('loads the shipped lenet5-mnist04 with its provenance', async () => {
    const b = await loadBackbone({ source: 'lenet5-mnist04' });
    const meta = JSON.parse(
      await readFile(new URL('../../assets/lenet5-mnist04/meta.json', import.meta.url), 'utf8'),
    );
    expect(b.pretrained).toBe(true);
    expect(b.inputShape).toEqual([28, 28, 1]);
    expect(b.lastFeatureLayer).toBe('flatten');
    // The shipped weights are the ones the pretraining script recorded.
    expect(b.fingerprint.weightsSha256).toBe(meta.weightsSha256);
    expect(meta.testAccuracy).toBeGreaterThan(0.98);
    // Fine-tuning its last block trains the last convolution.
    const r = await applySurgery({
      backbone: b,
      spec: { freeze: { kind: 'allButLastBlocks', blocks: 1 }, head: { classes: ['5', '6'] } },
    });
    expect(r.trainableLayers).toEqual(['conv2', 'pool2', 'flatten']);
    r.model.dispose();
  });

  it('builds literature architectures from a seed, deterministically', async () => {
    const a = await loadBackbone({ source: 'vgg16', inputShape: [32, 32, 3], seed: 1 });
    const b = await loadBackbone({ source: 'vgg16', inputShape: [32, 32, 3], seed: 2 });
    expect(a.pretrained).toBe(false);
    expect(a.fingerprint.topologySha256).toBe(b.fingerprint.topologySha256);
    expect(a.fingerprint.weightsSha256).not.toBe(b.fingerprint.weightsSha256);
    expect(a.lastFeatureLayer).toBe('block5_pool');
    const r = await applySurgery({
      backbone: a,
      spec: { freeze: { kind: 'allButLastBlocks', blocks: 1 }, head: { classes: ['x', 'y'] } },
    });
    // VGG16 without top: 14,714,688 parameters; block5 (3 convs of 3x3x512x512 + bias) trains.
    expect(r.frozenParams + r.trainableParams).toBe(14_714_688 + 512 * 2 + 2);
    expect(r.trainableParams).toBe(3 * (3 * 3 * 512 * 512 + 512) + 512 * 2 + 2);
    r.model.dispose();
  });

  it('loads any LayersModel from an IOHandler, a directory and an http URL, with one fingerprint', async () => {
    const fromHandler = await loadBackbone({
      ioHandler: await tinyBackboneHandler(),
      name: 'tiny',
    });
    const dir = await mkdtemp(join(tmpdir(), 'graft-backbone-'));
    dirs.push(dir);
    const model = await tf.loadLayersModel(await tinyBackboneHandler());
    await exportLayersModel({
      model,
      store: new DirectoryBlobStore({ root: dir }),
      prefix: 'tiny',
    });
    model.dispose();
    const fromDir = await loadBackbone({ source: join(dir, 'tiny') });
    const server = createServer((req, res) => {
      readFile(join(dir, req.url ?? '/')).then(
        (b) => res.end(b),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      const fromUrl = await loadBackbone({ source: `http://127.0.0.1:${port}/tiny/model.json` });
      expect(fromUrl.fingerprint).toEqual(fromHandler.fingerprint);
      expect(fromUrl.sourceUri).toBe(`http://127.0.0.1:${port}/tiny/model.json`);
    } finally {
      server.close();
    }
    expect(fromDir.fingerprint).toEqual(fromHandler.fingerprint);
    expect(fromDir.family).toBe('custom');
    // Without a declared feature layer: the last layer before the classifier top.
    expect(fromDir.lastFeatureLayer).toBe('block3_relu');
    expect(fromDir.preprocessing).toEqual({ scale: 1 / 255, offset: 0, channels: 3 });
  });

  it('names the catalog when a backbone id is unknown, and the path when loading fails', async () => {
    const err = await loadBackbone({ source: 'resnet9000' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GraftError);
    expect((err as Error).message).toMatch(
      /unknown backbone 'resnet9000'.*mobilenet_v2, inception_v3/,
    );
    const missing = await loadBackbone({ source: '/nonexistent/dir' }).catch((e: unknown) => e);
    expect((missing as GraftError).code).toBe('BACKBONE_LOAD_FAILED');
    expect((missing as Error).message).toContain('/nonexistent/dir');
  });
});
