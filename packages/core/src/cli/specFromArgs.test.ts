import { describe, expect, it } from 'vitest';
import { GraftError } from '../errors.js';
import {
  DEFAULT_CACHE_DIR,
  finishSurgery,
  layersPlanFromArgs,
  parseDigits,
  parseSpecFile,
  trainPlanFromArgs,
  UsageError,
} from './specFromArgs.js';

const base = ['--backbone', 'lenet5', '--mnist-digits', '5-9', '--out', 'runs/a'];
const noFile = (): unknown => {
  throw new Error('no spec file expected');
};

/** The GraftError `fn` throws (fails the test if it throws something else or nothing). */
function graftError(fn: () => unknown): GraftError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(GraftError);
    return err as GraftError;
  }
  throw new Error('expected a GraftError');
}

describe('trainPlanFromArgs', () => {
  it('fills defaults from the minimal flags', () => {
    expect(trainPlanFromArgs(base, noFile)).toEqual({
      backbone: 'lenet5',
      data: { mnist: { digits: [5, 6, 7, 8, 9] } },
      surgery: { head: {} },
      train: { mode: 'feature-extraction' },
      out: 'runs/a',
      cacheDir: DEFAULT_CACHE_DIR,
    });
  });

  it('maps every flag to its spec field', () => {
    const plan = trainPlanFromArgs(
      [
        ...base,
        ...['--input', '96', '--mode', 'fine-tuning', '--epochs', '4', '--lr', '3e-4'],
        ...[
          '--fine-tune-epochs',
          '2',
          '--fine-tune-lr',
          '1e-5',
          '--freeze-all-but-last-blocks',
          '2',
        ],
        ...[
          '--batch-size',
          '16',
          '--seed',
          '7',
          '--dense',
          '128',
          '--dropout',
          '0.5',
          '--workers',
          '0',
        ],
        ...[
          '--cache-dir',
          '/tmp/cache',
          '--limit',
          '500',
          '--cut',
          'pool2',
          '--allow-high-lr',
          '--skip-corrupt',
        ],
      ],
      noFile,
    );
    expect(plan).toEqual({
      backbone: 'lenet5',
      data: { mnist: { digits: [5, 6, 7, 8, 9], limit: 500 }, skipCorrupt: true },
      input: 96,
      surgery: {
        cutAt: 'pool2',
        freeze: { kind: 'allButLastBlocks', blocks: 2 },
        head: { dense: [{ units: 128 }], dropout: 0.5 },
      },
      train: {
        mode: 'fine-tuning',
        epochs: 4,
        learningRate: 3e-4,
        batchSize: 16,
        seed: 7,
        allowHighLearningRate: true,
        fineTune: { epochs: 2, learningRate: 1e-5 },
        engine: { workers: 0 },
      },
      out: 'runs/a',
      cacheDir: '/tmp/cache',
    });
  });

  it('reads the spec file and lets flags override it', () => {
    const file = {
      backbone: 'mobilenet_v2',
      data: { folder: 'imgs', size: [64, 64], splitSeed: 3, testFraction: 0.2, skipCorrupt: true },
      surgery: { inputShape: [64, 64, 3], head: { pooling: 'max', dense: [{ units: 32 }] } },
      train: { mode: 'feature-extraction', epochs: 10, learningRate: 0.01, engine: { workers: 4 } },
    };
    const plan = trainPlanFromArgs(
      [
        '--spec',
        '/runs/run.json',
        '--input',
        '96',
        '--epochs',
        '2',
        '--workers',
        '1',
        '--out',
        'o',
      ],
      (p) => {
        expect(p).toBe('/runs/run.json');
        return file;
      },
    );
    expect(plan.backbone).toBe('mobilenet_v2');
    // --input is the folder's load size too; the folder is relative to the spec file.
    expect(plan.data).toEqual({
      folder: '/runs/imgs',
      size: [96, 96],
      splitSeed: 3,
      testFraction: 0.2,
      skipCorrupt: true,
    });
    expect(plan.input).toBe(96);
    expect(plan.surgery).toEqual({
      inputShape: [64, 64, 3],
      head: { pooling: 'max', dense: [{ units: 32 }] },
    });
    expect(plan.train).toEqual({
      mode: 'feature-extraction',
      epochs: 2,
      learningRate: 0.01,
      engine: { workers: 1 },
    });
    // The file's objects are not mutated.
    expect(file.data.size).toEqual([64, 64]);
    expect(file.train.epochs).toBe(10);

    // A data flag replaces the file's data source but keeps the split settings.
    const mnist = trainPlanFromArgs(
      ['--spec', 'run.json', '--mnist-digits', '0,3', '--out', 'o'],
      () => file,
    );
    expect(mnist.data).toEqual({
      mnist: { digits: [0, 3] },
      splitSeed: 3,
      testFraction: 0.2,
      skipCorrupt: true,
    });
    const other = trainPlanFromArgs(
      ['--spec', 'run.json', '--images', 'other', '--backbone', 'lenet5', '--out', 'o'],
      () => file,
    );
    expect(other.backbone).toBe('lenet5');
    expect(other.data.folder).toBe('other');
  });

  it('forces the frozen-prefix engine with --engine, next to --workers and a spec file', () => {
    for (const engine of ['onnxruntime', 'tfjs-wasm', 'tfjs'] as const)
      expect(trainPlanFromArgs([...base, '--engine', engine], noFile).train.engine).toEqual({
        inference: engine,
      });
    const plan = trainPlanFromArgs(
      ['--spec', 'run.json', '--engine', 'tfjs-wasm', '--workers', '2', '--out', 'o'],
      () => ({
        backbone: 'lenet5',
        data: { mnist: { digits: [0, 1] } },
        train: { mode: 'feature-extraction', engine: { inference: 'onnxruntime', onnxThreads: 1 } },
      }),
    );
    expect(plan.train.engine).toEqual({ inference: 'tfjs-wasm', workers: 2, onnxThreads: 1 });
  });

  it('takes a negative number as a flag value', () => {
    expect(trainPlanFromArgs([...base, '--seed', '-3'], noFile).train.seed).toBe(-3);
    expect(trainPlanFromArgs([...base, '--seed=-4'], noFile).train.seed).toBe(-4);
  });

  it('infers fine-tuning from fine-tune flags and unfreezes the last block by default', () => {
    const plan = trainPlanFromArgs([...base, '--fine-tune-lr', '1e-4'], noFile);
    expect(plan.train.mode).toBe('fine-tuning');
    expect(plan.surgery.freeze).toEqual({ kind: 'allButLastBlocks', blocks: 1 });
    const explicit = trainPlanFromArgs(
      [...base, '--mode', 'fine-tuning', '--freeze-pattern', '^conv1$'],
      noFile,
    );
    expect(explicit.surgery.freeze).toEqual({ kind: 'pattern', pattern: '^conv1$' });
    // An explicit mode wins (the trainer then refuses feature extraction with a freeze).
    expect(
      trainPlanFromArgs(
        [...base, '--mode', 'feature-extraction', '--freeze-up-to', 'conv1'],
        noFile,
      ).train.mode,
    ).toBe('feature-extraction');
  });

  it.each([
    [['--epochs', '0'], 'train.epochs', /--epochs must be an integer >= 1, got '0'/],
    [['--epochs', '2.5'], 'train.epochs', /integer/],
    [['--seed', '-3', '--epochs', '-2'], 'train.epochs', /got '-2'/],
    [['--batch-size', 'x'], 'train.batchSize', /--batch-size/],
    [['--lr', '-1'], 'train.learningRate', /positive/],
    [['--lr', ''], 'train.learningRate', /positive/],
    [['--fine-tune-lr', 'fast'], 'train.fineTune.learningRate', /positive/],
    [['--seed', '1.5'], 'train.seed', /integer/],
    [['--workers', '-1'], 'train.engine.workers', />= 0/],
    [
      ['--engine', 'pytorch'],
      'train.engine.inference',
      /onnxruntime, tfjs-wasm, tfjs, got 'pytorch'/,
    ],
    [['--input', '0'], 'surgery.inputShape', /--input/],
    [['--dropout', '1'], 'surgery.head.dropout', /\[0, 1\)/],
    [['--dense', '128,abc'], 'surgery.head.dense.1.units', /--dense/],
    [
      ['--freeze-all-but-last-blocks', '1', '--freeze-up-to', 'conv1'],
      'surgery.freeze',
      /not several/,
    ],
    [['--mode', 'transfer'], 'train.mode', /feature-extraction or fine-tuning/],
    [['--mnist-digits', '7'], 'data.mnist.digits', /at least 2 digits/],
    [['--images', 'dir'], 'data', /not both/],
    [['--limit', '-5'], 'data.mnist.limit', />= 1/],
  ])('refuses %j with a GraftError on %s', (extra, field, message) => {
    const err = graftError(() => trainPlanFromArgs([...base, ...extra], noFile));
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });

  it('refuses missing or malformed required flags', () => {
    expect(
      graftError(() => trainPlanFromArgs(['--mnist-digits', '1-2', '--out', 'o'], noFile)).field,
    ).toBe('backbone');
    expect(
      graftError(() => trainPlanFromArgs(['--backbone', 'lenet5', '--mnist-digits', '1-2'], noFile))
        .field,
    ).toBe('out');
    expect(
      graftError(() => trainPlanFromArgs(['--backbone', 'lenet5', '--out', 'o'], noFile)).field,
    ).toBe('data');
    expect(
      graftError(() =>
        trainPlanFromArgs(
          ['--backbone', 'lenet5', '--images', 'd', '--limit', '5', '--out', 'o'],
          noFile,
        ),
      ).field,
    ).toBe('data.mnist.limit');
    const unknown = graftError(() => trainPlanFromArgs([...base, '--epoch', '3'], noFile));
    expect(unknown).toBeInstanceOf(UsageError);
    expect(unknown.message).toMatch(/--epoch/);
    expect(graftError(() => trainPlanFromArgs([...base, 'extra'], noFile))).toBeInstanceOf(
      UsageError,
    );
    expect(graftError(() => trainPlanFromArgs([...base, '--epochs'], noFile))).toBeInstanceOf(
      UsageError,
    );
  });

  it('refuses a malformed spec file, naming the field', () => {
    const plan = (file: unknown): unknown =>
      trainPlanFromArgs(['--spec', 'f.json', '--out', 'o'], () => file);
    expect(graftError(() => plan([1, 2])).field).toBe('spec');
    expect(graftError(() => plan({ backbone: 'lenet5', dta: {} })).field).toBe('dta');
    expect(
      graftError(() => plan({ backbone: 'lenet5', data: { mnist: { digits: [10] } } })).field,
    ).toBe('data.mnist.digits');
    expect(
      graftError(() => plan({ backbone: 'lenet5', data: { mnist: {}, folder: 'x' } })).field,
    ).toBe('data');
    expect(
      graftError(() => plan({ backbone: 'lenet5', data: { folder: 'x', size: [10] } })).field,
    ).toBe('data.size');
    expect(
      graftError(() => plan({ backbone: 'lenet5', data: { folder: 'x', skipCorrupt: 'yes' } }))
        .field,
    ).toBe('data.skipCorrupt');
    expect(graftError(() => plan({ backbone: 3 })).field).toBe('backbone');
    expect(
      graftError(() => plan({ backbone: 'lenet5', data: { folder: 'x' }, train: [] })).field,
    ).toBe('train');
  });

  it('reports an unreadable or invalid spec file as a GraftError', () => {
    const missing = graftError(() =>
      trainPlanFromArgs(['--spec', '/nonexistent/run.json', '--out', 'o']),
    );
    expect(missing.field).toBe('spec');
    expect(missing.message).toMatch(/cannot read the spec file/);
    expect(graftError(() => parseSpecFile('x')).field).toBe('spec');
  });
});

describe('parseDigits', () => {
  it('reads ranges and lists', () => {
    expect(parseDigits('5-9')).toEqual([5, 6, 7, 8, 9]);
    expect(parseDigits('0,2,4')).toEqual([0, 2, 4]);
    expect(parseDigits('7, 0-2, 1')).toEqual([0, 1, 2, 7]);
  });
  it.each(['', '10', '9-5', 'a-b', '1-', '-1'])('refuses %j', (s) => {
    expect(graftError(() => parseDigits(s)).field).toBe('data.mnist.digits');
  });
});

describe('layersPlanFromArgs and finishSurgery', () => {
  it('defaults to two dummy classes and no surgery flags', () => {
    expect(layersPlanFromArgs(['--backbone', 'mobilenet_v2'])).toEqual({
      backbone: 'mobilenet_v2',
      input: undefined,
      surgery: { head: {} },
      classes: ['class_0', 'class_1'],
      json: false,
    });
  });

  it('takes the surgery flags, and needs --backbone', () => {
    const plan = layersPlanFromArgs([
      '--backbone',
      'x',
      '--input',
      '96',
      '--freeze-up-to',
      'conv1',
      '--classes',
      'cat, dog',
      '--json',
    ]);
    expect(plan.surgery).toEqual({ freeze: { kind: 'upTo', layer: 'conv1' }, head: {} });
    expect(plan.classes).toEqual(['cat', 'dog']);
    expect(plan.json).toBe(true);
    expect(graftError(() => layersPlanFromArgs(['--input', '96'])).field).toBe('backbone');
  });

  it('builds the input shape from the backbone channels and the classes from the data', () => {
    expect(
      finishSurgery({ head: { dropout: 0.2 } }, { input: 96, channels: 3, classes: ['a', 'b'] }),
    ).toEqual({
      inputShape: [96, 96, 3],
      head: { dropout: 0.2, classes: ['a', 'b'] },
    });
    // Without --input the spec's own input shape stays; classes named by the spec stay too.
    expect(
      finishSurgery(
        { inputShape: [40, 40, 1], head: { classes: ['x', 'y'] } },
        { channels: 1, classes: ['a', 'b'] },
      ),
    ).toEqual({
      inputShape: [40, 40, 1],
      head: { classes: ['x', 'y'] },
    });
  });
});
