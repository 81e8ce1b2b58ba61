/**
 * End-to-end: runs the COMPILED CLI (`dist/cli/graft-core.js`) as a child process, the way a user
 * does. Tests of this package run after `npm run build -w @graft/core`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backboneCatalog } from '../backbones/catalog.js';
import { validateLineageRecord } from '../lineage/index.js';

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

    for (const f of ['model.json', 'weights.bin', 'evaluation.json', 'lineage.json']) {
      expect((await stat(join(out, f))).size).toBeGreaterThan(0);
    }
    const lineage = JSON.parse(await readFile(join(out, 'lineage.json'), 'utf8')) as {
      artifacts: { path: string; bytes: number }[];
      backbone: { id: string };
      data: { classes: string[]; counts: { train: number; validation: number; test: number } };
      surgery: { inputShape: number[] };
    };
    expect(validateLineageRecord(lineage)).toEqual([]);
    expect(lineage.backbone.id).toBe('lenet5');
    expect(lineage.surgery.inputShape).toEqual([32, 32, 1]);
    expect(lineage.data.classes).toEqual(['0', '1', '2']);
    const { train, validation, test } = lineage.data.counts;
    expect(train + validation + test).toBe(300);
    expect(lineage.artifacts.map((a) => a.path)).toEqual(['model.json', 'weights.bin']);
    for (const a of lineage.artifacts) expect((await stat(join(out, a.path))).size).toBe(a.bytes);
    const evaluation = JSON.parse(await readFile(join(out, 'evaluation.json'), 'utf8')) as {
      accuracy: number;
      count: number;
    };
    expect(evaluation.accuracy).toBe(last.testAccuracy);
    expect(evaluation.count).toBe(test);
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
