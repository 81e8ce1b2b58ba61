/**
 * End-to-end: runs the COMPILED CLI (`dist/cli/graft-core.js`) as a child process, the way a user
 * does. Tests of this package run after `npm run build -w @graft/core`.
 */
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backboneCatalog, directoryIOHandler } from '../backbones/catalog.js';
import { DirectoryBlobStore, exportLayersModel } from '../export/index.js';
import { validateLineageRecord } from '../lineage/index.js';
import { createOrtSession, runOrt } from '../onnx/runtime.js';

const cli = fileURLToPath(new URL('../../dist/cli/graft-core.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    // In the temporary folder, so that a default .graft/feature-cache never lands in the package.
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
beforeAll(async () => {
  if (!existsSync(cli))
    throw new Error(`${cli} is missing: run 'npm run build -w @graft/core' first`);
  dir = await mkdtemp(join(tmpdir(), 'graft-cli-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('graft-core (compiled)', () => {
  it('prints help and lists the catalog', async () => {
    const [help, trainHelp, list, table] = await Promise.all([
      run(['--help']),
      run(['train', '--help']),
      run(['backbones', '--json']),
      run(['backbones']),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/commands:[\s\S]*backbones[\s\S]*layers[\s\S]*train/);
    expect(trainHelp.stdout).toMatch(/--fine-tune-lr/);
    expect(trainHelp.stdout).toMatch(/examples:/);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((e) => e.id)).toEqual(
      backboneCatalog.map((e) => e.id),
    );
    expect(table.stdout.split('\n')[0]).toMatch(/^id\s+name\s+family\s+pretrained\s+input$/);
    expect(table.stdout).toMatch(/mobilenet_v2\s+MobileNetV2\s+mobilenet\s+yes\s+224x224x3/);
  });

  it('layers: the surgery of mobilenet_v2 at 96x96 as JSON', async () => {
    const r = await run(['layers', '--backbone', 'mobilenet_v2', '--input', '96', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      inputShape: number[];
      cutAt: string;
      layers: { name: string; origin: string; params: number }[];
      frozenParams: number;
      trainableParams: number;
    };
    expect(out.layers).toHaveLength(157);
    expect(out.inputShape).toEqual([96, 96, 3]);
    expect(out.cutAt).toBe('out_relu');
    expect(out.layers.at(-1)!.name).toBe('head_predictions');
    // Defaults: everything frozen, a 2-class softmax on 1280 pooled features.
    expect(out.trainableParams).toBe(1280 * 2 + 2);
    expect(out.frozenParams).toBe(2_257_984);
    expect(out.layers.reduce((s, l) => s + l.params, 0)).toBe(
      out.frozenParams + out.trainableParams,
    );
  });

  it('layers: a readable table within 100 columns, the cut layer marked', async () => {
    const r = await run([
      'layers',
      '--backbone',
      'mobilenet_v2',
      '--input',
      '96',
      '--freeze-all-but-last-blocks',
      '2',
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    expect(lines.find((l) => l.startsWith('>'))).toMatch(/out_relu\s+ReLU\s+3x3x1280/);
    expect(r.stdout).toMatch(/frozen params:\s+1,371,904/);
    expect(r.stdout).toMatch(/trainable params:\s+888,642/);
  });

  it('train: a tiny run writes the model, evaluation and a valid lineage', async () => {
    const out = join(dir, 'run');
    const r = await run([
      'train',
      ...[
        '--backbone',
        'lenet5',
        '--mnist-digits',
        '0-2',
        '--input',
        '32',
        '--epochs',
        '1',
        '--workers',
        '0',
        '--engine',
        'onnxruntime',
      ],
      ...['--limit', '300', '--cache-dir', join(dir, 'cache'), '--out', out],
    ]);
    expect(r.stderr).toMatch(/train head epoch 1\/1: loss/); // plain progress lines: stderr is a pipe
    expect(r.code).toBe(0);
    const last = JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ train: 'done', out });
    expect(typeof last.testAccuracy).toBe('number');
    expect(typeof last.seconds).toBe('number');
    expect(r.stdout).toMatch(/confusion matrix/);

    for (const f of [
      'model.json',
      'weights.bin',
      'model.onnx',
      'evaluation.json',
      'lineage.json',
    ]) {
      expect((await stat(join(out, f))).size).toBeGreaterThan(0);
    }
    const lineage = JSON.parse(await readFile(join(out, 'lineage.json'), 'utf8')) as {
      artifacts: { path: string; bytes: number; sha256: string }[];
      backbone: { id: string };
      data: { classes: string[]; counts: { train: number; validation: number; test: number } };
      surgery: { inputShape: number[] };
      training: { phases: { engine: { name: string } | null }[] };
    };
    expect(validateLineageRecord(lineage)).toEqual([]);
    expect(lineage.backbone.id).toBe('lenet5');
    expect(lineage.surgery.inputShape).toEqual([32, 32, 1]);
    expect(lineage.data.classes).toEqual(['0', '1', '2']);
    const { train, validation, test } = lineage.data.counts;
    expect(train + validation + test).toBe(300);
    expect(lineage.training.phases.map((p) => p.engine?.name)).toEqual(['onnxruntime']);
    expect(lineage.artifacts.map((a) => a.path)).toEqual([
      'model.json',
      'weights.bin',
      'model.onnx',
    ]);
    for (const a of lineage.artifacts) {
      const bytes = await readFile(join(out, a.path));
      expect(bytes.byteLength).toBe(a.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(a.sha256);
    }
    const onnxFile = lineage.artifacts.find((a) => a.path === 'model.onnx')!;
    expect(last.onnx).toEqual(onnxFile);
    expect(r.stdout).toContain(`model.onnx sha256 ${onnxFile.sha256}`);
    // model.onnx computes what model.json computes (probabilities: 1e-4, as the parity tests).
    const model = await tf.loadLayersModel(directoryIOHandler(out));
    const x = tf.randomUniform([4, 32, 32, 1], 0, 1, 'float32', 3);
    const expected = (model.predict(x) as tf.Tensor).dataSync();
    const session = await createOrtSession(await readFile(join(out, 'model.onnx')));
    try {
      const [got] = await runOrt(
        session,
        { name: 'input', data: x.dataSync() as Float32Array, shape: [4, 32, 32, 1] },
        ['output_0'],
      );
      expect(got!.length).toBe(expected.length);
      for (let i = 0; i < expected.length; i++)
        expect(Math.abs(got![i]! - expected[i]!)).toBeLessThan(1e-4);
    } finally {
      await session.release();
      tf.dispose([x]);
      model.dispose();
    }
    const evaluation = JSON.parse(await readFile(join(out, 'evaluation.json'), 'utf8')) as {
      accuracy: number;
      count: number;
    };
    expect(evaluation.accuracy).toBe(last.testAccuracy);
    expect(evaluation.count).toBe(test);
  });

  it('train: a model with a layer ONNX cannot take keeps its tfjs files, with a note', async () => {
    // A custom backbone with an UpSampling2D (no ONNX translation), saved as a model folder.
    const input = tf.input({ shape: [8, 8, 3], name: 'input' });
    const conv = tf.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv' })
      .apply(input) as tf.SymbolicTensor;
    const up = tf.layers.upSampling2d({ size: [2, 2], name: 'up' }).apply(conv);
    const features = tf.layers.maxPooling2d({ poolSize: 2, name: 'features' }).apply(up);
    const backbone = tf.model({ inputs: input, outputs: features as tf.SymbolicTensor });
    await exportLayersModel({
      model: backbone,
      store: new DirectoryBlobStore({ root: dir }),
      prefix: 'upsampling',
    });
    backbone.dispose();
    const out = join(dir, 'run-up');
    const r = await run([
      'train',
      ...['--backbone', join(dir, 'upsampling'), '--mnist-digits', '0-1', '--limit', '60'],
      ...['--epochs', '1', '--workers', '0', '--cache-dir', join(dir, 'cache'), '--out', out],
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/note: no model\.onnx: cannot compile layer 'up' \(UpSampling2D\)/);
    expect(existsSync(join(out, 'model.onnx'))).toBe(false);
    const lineage = JSON.parse(await readFile(join(out, 'lineage.json'), 'utf8')) as {
      artifacts: { path: string }[];
    };
    expect(lineage.artifacts.map((a) => a.path)).toEqual(['model.json', 'weights.bin']);
    const last = JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ train: 'done', onnx: null });
  });

  it('bad input exits 2 with the message', async () => {
    const [unknown, lr, layer, flag] = await Promise.all([
      run([
        'train',
        '--backbone',
        'mobilenet_v3',
        '--mnist-digits',
        '0-2',
        '--out',
        join(dir, 'x'),
      ]),
      run([
        'train',
        ...[
          '--backbone',
          'lenet5',
          '--mnist-digits',
          '0-2',
          '--mode',
          'fine-tuning',
          '--fine-tune-lr',
          '0.1',
        ],
        ...['--out', join(dir, 'y')],
      ]),
      run(['layers', '--backbone', 'lenet5', '--cut', 'conv9']),
      run(['layers', '--backbone', 'lenet5', '--bogus']),
    ]);
    const engine = await run([
      'train',
      ...[
        '--backbone',
        'lenet5',
        '--mnist-digits',
        '0-2',
        '--engine',
        'gpu',
        '--out',
        join(dir, 'z'),
      ],
    ]);
    expect(engine.code).toBe(2);
    expect(engine.stderr).toMatch(/^error: --engine must be one of onnxruntime, tfjs-wasm, tfjs/);
    expect(engine.stderr).toMatch(/field: train.engine.inference/);
    expect(existsSync(join(dir, 'z'))).toBe(false);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: unknown backbone 'mobilenet_v3'/);
    for (const e of backboneCatalog) expect(unknown.stderr).toContain(e.id);
    expect(unknown.stderr).toMatch(/field: backbone/);

    expect(lr.code).toBe(2);
    expect(lr.stderr).toMatch(/^error: fine-tuning learning rate 0.1 is above 0.001/);
    expect(lr.stderr).toMatch(/field: train.fineTune.learningRate/);
    expect(lr.stderr).toMatch(/hint: .*--allow-high-lr/);
    expect(existsSync(join(dir, 'y'))).toBe(false);

    expect(layer.code).toBe(2);
    expect(layer.stderr).toMatch(
      /unknown layer 'conv9'; layers of lenet5 are: input, conv1, pool1, conv2, pool2/,
    );

    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--bogus[\s\S]*graft-core layers --help/);
  });
});
