/**
 * Command-line flags (and `--spec file.json`) → the specs of @graft/core. Pure apart from reading the
 * spec file, so it is unit-testable; every bad value is a GraftError whose `field` names the spec
 * setting (`train.epochs`, `data.mnist.digits`, ...).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { GraftError, InvalidSpecError } from '../errors.js';
import type { FreezeSpec, HeadSpec, SurgerySpec } from '../surgery/spec.js';
import { INFERENCE_ENGINE_NAMES, type TrainSpec } from '../training/spec.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

/** A command-line mistake (unknown flag, missing value, ...): exit code 2 like any GraftError. */
export class UsageError extends GraftError {
  constructor(message: string, field?: string) {
    super('USAGE', message, field);
  }
}

/** Flags that shape the surgery, shared by `layers` and `train`. */
const SURGERY_OPTIONS = {
  backbone: { type: 'string' },
  input: { type: 'string' },
  cut: { type: 'string' },
  'freeze-all-but-last-blocks': { type: 'string' },
  'freeze-up-to': { type: 'string' },
  'freeze-pattern': { type: 'string' },
  dense: { type: 'string' },
  dropout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const satisfies Options;

export const BACKBONES_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const satisfies Options;

export const LAYERS_OPTIONS = {
  ...SURGERY_OPTIONS,
  classes: { type: 'string' },
  json: { type: 'boolean' },
} as const satisfies Options;

export const TRAIN_OPTIONS = {
  ...SURGERY_OPTIONS,
  spec: { type: 'string' },
  'mnist-digits': { type: 'string' },
  images: { type: 'string' },
  'skip-corrupt': { type: 'boolean' },
  limit: { type: 'string' },
  mode: { type: 'string' },
  epochs: { type: 'string' },
  lr: { type: 'string' },
  'fine-tune-epochs': { type: 'string' },
  'fine-tune-lr': { type: 'string' },
  'allow-high-lr': { type: 'boolean' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  workers: { type: 'string' },
  engine: { type: 'string' },
  'cache-dir': { type: 'string' },
  out: { type: 'string' },
} as const satisfies Options;

/**
 * `parseArgs` with its errors turned into UsageErrors; no positionals. A negative number after a
 * string flag (`--seed -3`) is taken as its value, which parseArgs alone refuses as ambiguous.
 */
export function parseFlags(argv: string[], options: Options): Values {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (
      a.startsWith('--') &&
      options[a.slice(2)]?.type === 'string' &&
      next !== undefined &&
      /^-\d/.test(next)
    ) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Values;
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''));
  }
}

// ---------------------------------------------------------------------------------------------
// Values

function str(v: Values, name: string): string | undefined {
  const s = v[name];
  return typeof s === 'string' ? s : undefined;
}

/** An integer flag (`--epochs 3`); undefined when absent. */
export function intFlag(v: Values, name: string, field: string, min = 1): number | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  const n = /^\s*-?\d+\s*$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min) {
    throw new InvalidSpecError(
      `--${name} must be an integer${min > 0 ? ` >= ${min}` : min === 0 ? ' >= 0' : ''}, got '${s}'`,
      field,
    );
  }
  return n;
}

/** A number flag (`--lr 1e-4`); undefined when absent. */
export function numberFlag(
  v: Values,
  name: string,
  field: string,
  check: (n: number) => boolean,
  what: string,
): number | undefined {
  const s = str(v, name);
  if (s === undefined) return undefined;
  const n = s.trim() === '' ? NaN : Number(s);
  if (!Number.isFinite(n) || !check(n))
    throw new InvalidSpecError(`--${name} must be ${what}, got '${s}'`, field);
  return n;
}

/** `5-9`, `0,2,4`, `0-2,7` → sorted unique digits. */
export function parseDigits(s: string, field = 'data.mnist.digits'): number[] {
  const digits = new Set<number>();
  for (const part of s.split(',').map((p) => p.trim())) {
    const m = /^(\d)(?:-(\d))?$/.exec(part);
    if (!m || (m[2] !== undefined && Number(m[2]) < Number(m[1]))) {
      throw new InvalidSpecError(
        `--mnist-digits takes digits 0..9 as a range or list (5-9, 0,2,4), got '${s}'`,
        field,
      );
    }
    for (let d = Number(m[1]); d <= Number(m[2] ?? m[1]); d++) digits.add(d);
  }
  return [...digits].sort((a, b) => a - b);
}

/** `a,b,c` → names, blanks dropped. */
export function parseList(s: string): string[] {
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

// ---------------------------------------------------------------------------------------------
// Surgery

/** A SurgerySpec before the classes (from the data) and the channels (from the backbone) are known. */
export type SurgeryDraft = Omit<SurgerySpec, 'head'> & {
  head: Omit<HeadSpec, 'classes'> & { classes?: string[] };
};

/** The freeze asked by the `--freeze-*` flags (at most one), or undefined. */
export function freezeFromFlags(v: Values): FreezeSpec | undefined {
  const given = ['freeze-all-but-last-blocks', 'freeze-up-to', 'freeze-pattern'].filter(
    (f) => v[f] !== undefined,
  );
  if (given.length > 1) {
    throw new InvalidSpecError(`use one of --${given.join(', --')}, not several`, 'surgery.freeze');
  }
  const blocks = intFlag(v, 'freeze-all-but-last-blocks', 'surgery.freeze', 0);
  if (blocks !== undefined) return { kind: 'allButLastBlocks', blocks };
  const upTo = str(v, 'freeze-up-to');
  if (upTo !== undefined) return { kind: 'upTo', layer: upTo };
  const pattern = str(v, 'freeze-pattern');
  if (pattern !== undefined) return { kind: 'pattern', pattern };
  return undefined;
}

/** The surgery flags applied over a draft (from a spec file, or empty). */
export function surgeryFromFlags(v: Values, base: SurgeryDraft = { head: {} }): SurgeryDraft {
  const out: SurgeryDraft = { ...base, head: { ...base.head } };
  const cut = str(v, 'cut');
  if (cut !== undefined) out.cutAt = cut;
  const freeze = freezeFromFlags(v);
  if (freeze) out.freeze = freeze;
  const dense = str(v, 'dense');
  if (dense !== undefined) {
    out.head.dense = parseList(dense).map((u, i) => {
      const units = /^\d+$/.test(u) ? Number(u) : NaN;
      if (!(units >= 1))
        throw new InvalidSpecError(
          `--dense takes unit counts like 128 or 256,64, got '${dense}'`,
          `surgery.head.dense.${i}.units`,
        );
      return { units };
    });
  }
  const dropout = numberFlag(
    v,
    'dropout',
    'surgery.head.dropout',
    (n) => n >= 0 && n < 1,
    'a rate in [0, 1)',
  );
  if (dropout !== undefined) out.head.dropout = dropout;
  return out;
}

/**
 * The final SurgerySpec: `input` (from `--input`) becomes `[input, input, channels]`, and the head
 * gets the dataset's classes unless the spec named them (then the trainer checks they match).
 */
export function finishSurgery(
  draft: SurgeryDraft,
  a: { input?: number; channels: number; classes: string[] },
): SurgerySpec {
  const spec: SurgerySpec = {
    ...draft,
    head: { ...draft.head, classes: draft.head.classes ?? a.classes },
  };
  if (a.input !== undefined) spec.inputShape = [a.input, a.input, a.channels];
  return spec;
}

// ---------------------------------------------------------------------------------------------
// layers

export interface LayersPlan {
  backbone: string;
  input?: number;
  surgery: SurgeryDraft;
  /** Head classes; default two dummies (`class_0`, `class_1`). */
  classes: string[];
  json: boolean;
}

export function layersPlanFromArgs(argv: string[]): LayersPlan {
  const v = parseFlags(argv, LAYERS_OPTIONS);
  const backbone = str(v, 'backbone');
  if (!backbone)
    throw new UsageError(
      '--backbone is required (a catalog id, a directory with model.json, or a URL)',
      'backbone',
    );
  const classes = v.classes === undefined ? ['class_0', 'class_1'] : parseList(str(v, 'classes')!);
  return {
    backbone,
    input: intFlag(v, 'input', 'surgery.inputShape'),
    surgery: surgeryFromFlags(v),
    classes,
    json: v.json === true,
  };
}

// ---------------------------------------------------------------------------------------------
// train

/** Where the images come from: exactly one of `mnist` and `folder`. */
export interface DataSpec {
  mnist?: { digits?: number[]; limit?: number };
  folder?: string;
  /** Size folder images are resized to, [height, width]; default: the model's input size. */
  size?: [number, number];
  /** Seed of the train/validation/test split; default: the training seed. */
  splitSeed?: number;
  validationFraction?: number;
  testFraction?: number;
  /** Leave undecodable images out (counted in the lineage) instead of failing. */
  skipCorrupt?: boolean;
}

/** The `--spec` file: `{ backbone, data, surgery, train }`, all optional (flags fill in). */
export interface RunSpecFile {
  backbone?: string;
  data?: DataSpec;
  surgery?: SurgeryDraft;
  train?: TrainSpec;
}

export interface TrainPlan {
  backbone: string;
  data: DataSpec;
  /** Square input size from `--input`; wins over `surgery.inputShape`. */
  input?: number;
  surgery: SurgeryDraft;
  train: TrainSpec;
  out: string;
  cacheDir: string;
}

export const DEFAULT_CACHE_DIR = '.graft/feature-cache';

const isObject = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

function checkKeys(o: Record<string, unknown>, allowed: string[], prefix: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new InvalidSpecError(
        `unknown setting '${prefix}${k}' in the spec file; expected ${allowed.map((a) => prefix + a).join(', ')}`,
        prefix + k,
      );
    }
  }
}

/** Checks the shape of a parsed spec file (the trainer validates the values of `surgery` and `train`). */
export function parseSpecFile(json: unknown): RunSpecFile {
  if (!isObject(json))
    throw new InvalidSpecError(
      'the spec file must hold a JSON object { backbone, data, surgery, train }',
      'spec',
    );
  checkKeys(json, ['backbone', 'data', 'surgery', 'train'], '');
  if (json.backbone !== undefined && typeof json.backbone !== 'string') {
    throw new InvalidSpecError(
      'backbone must be a string (a catalog id, directory or URL)',
      'backbone',
    );
  }
  for (const k of ['data', 'surgery', 'train'] as const) {
    if (json[k] !== undefined && !isObject(json[k]))
      throw new InvalidSpecError(`${k} must be an object`, k);
  }
  const data = (json.data ?? {}) as Record<string, unknown>;
  checkKeys(
    data,
    ['mnist', 'folder', 'size', 'splitSeed', 'validationFraction', 'testFraction', 'skipCorrupt'],
    'data.',
  );
  if (data.mnist !== undefined) {
    if (!isObject(data.mnist))
      throw new InvalidSpecError(
        'data.mnist must be an object like { "digits": [5, 6, 7] }',
        'data.mnist',
      );
    checkKeys(data.mnist, ['digits', 'limit'], 'data.mnist.');
    const d = data.mnist.digits;
    if (
      d !== undefined &&
      !(Array.isArray(d) && d.every((x) => Number.isInteger(x) && x >= 0 && x <= 9))
    ) {
      throw new InvalidSpecError(
        'data.mnist.digits must be a list of digits 0..9',
        'data.mnist.digits',
      );
    }
  }
  if (data.folder !== undefined && typeof data.folder !== 'string')
    throw new InvalidSpecError('data.folder must be a path', 'data.folder');
  if (
    data.size !== undefined &&
    !(
      Array.isArray(data.size) &&
      data.size.length === 2 &&
      data.size.every((x) => Number.isInteger(x) && x > 0)
    )
  ) {
    throw new InvalidSpecError('data.size must be [height, width] in pixels', 'data.size');
  }
  for (const k of ['splitSeed', 'validationFraction', 'testFraction'] as const) {
    if (data[k] !== undefined && typeof data[k] !== 'number')
      throw new InvalidSpecError(`data.${k} must be a number`, `data.${k}`);
  }
  if (data.skipCorrupt !== undefined && typeof data.skipCorrupt !== 'boolean') {
    throw new InvalidSpecError('data.skipCorrupt must be true or false', 'data.skipCorrupt');
  }
  const surgery = json.surgery as Record<string, unknown> | undefined;
  if (surgery?.head !== undefined && !isObject(surgery.head))
    throw new InvalidSpecError('surgery.head must be an object', 'surgery.head');
  return {
    ...(json.backbone !== undefined && { backbone: json.backbone as string }),
    data: data as DataSpec,
    ...(surgery && {
      surgery: { ...surgery, head: { ...(surgery.head as object) } } as SurgeryDraft,
    }),
    ...(json.train !== undefined && { train: json.train as TrainSpec }),
  };
}

function readSpecFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InvalidSpecError(
      `cannot read the spec file '${path}': ${(err as Error).message}`,
      'spec',
    );
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidSpecError(
      `the spec file '${path}' is not valid JSON: ${(err as Error).message}`,
      'spec',
    );
  }
}

/**
 * The `train` command's plan: the spec file (if any), overridden by flags. Without `--mode`, the mode
 * is `fine-tuning` when a freeze or fine-tune flag is given, else `feature-extraction`; fine-tuning
 * without a freeze unfreezes the backbone's last block (`--freeze-all-but-last-blocks 1`).
 */
export function trainPlanFromArgs(
  argv: string[],
  readSpec: (path: string) => unknown = readSpecFile,
): TrainPlan {
  const v = parseFlags(argv, TRAIN_OPTIONS);
  const specPath = str(v, 'spec');
  const file = specPath === undefined ? {} : parseSpecFile(readSpec(specPath));
  // A folder named in the spec file is relative to the file; flags are relative to the cwd.
  if (specPath !== undefined && file.data?.folder !== undefined) {
    file.data.folder = resolve(dirname(specPath), file.data.folder);
  }

  const backbone = str(v, 'backbone') ?? file.backbone;
  if (!backbone)
    throw new UsageError('--backbone is required (or "backbone" in the --spec file)', 'backbone');
  const out = str(v, 'out');
  if (!out)
    throw new UsageError(
      '--out <dir> is required: where the model, evaluation and lineage are written',
      'out',
    );

  // Data
  const data: DataSpec = {
    ...file.data,
    ...(file.data?.mnist && { mnist: { ...file.data.mnist } }),
  };
  const digits = str(v, 'mnist-digits');
  const images = str(v, 'images');
  if (digits !== undefined && images !== undefined)
    throw new UsageError('use --mnist-digits or --images, not both', 'data');
  if (digits !== undefined) {
    delete data.folder;
    delete data.size;
    const list = parseDigits(digits);
    if (list.length < 2) {
      throw new InvalidSpecError(
        `a classifier needs at least 2 digits, got '${digits}'`,
        'data.mnist.digits',
      );
    }
    data.mnist = { ...data.mnist, digits: list };
  }
  if (images !== undefined) {
    delete data.mnist;
    data.folder = images;
  }
  const input = intFlag(v, 'input', 'surgery.inputShape');
  if (input !== undefined && data.folder !== undefined) data.size = [input, input];
  if (v['skip-corrupt']) data.skipCorrupt = true;
  const limit = intFlag(v, 'limit', 'data.mnist.limit');
  if (limit !== undefined) {
    if (!data.mnist)
      throw new InvalidSpecError(
        '--limit only applies to MNIST data (--mnist-digits)',
        'data.mnist.limit',
      );
    data.mnist.limit = limit;
  }
  if (data.mnist && data.folder !== undefined)
    throw new InvalidSpecError('data must be either "mnist" or "folder", not both', 'data');
  if (!data.mnist && data.folder === undefined) {
    throw new UsageError(
      'no data: give --mnist-digits 5-9 or --images <dir> (or "data" in the --spec file)',
      'data',
    );
  }

  // Surgery
  const surgery = surgeryFromFlags(v, file.surgery ?? { head: {} });

  // Train
  const train: TrainSpec = { ...(file.train ?? { mode: 'feature-extraction' }) };
  const mode = str(v, 'mode');
  if (mode !== undefined && mode !== 'feature-extraction' && mode !== 'fine-tuning') {
    throw new InvalidSpecError(
      `--mode must be feature-extraction or fine-tuning, got '${mode}'`,
      'train.mode',
    );
  }
  const fineTuneFlags = [
    'fine-tune-epochs',
    'fine-tune-lr',
    'allow-high-lr',
    'freeze-all-but-last-blocks',
    'freeze-up-to',
    'freeze-pattern',
  ];
  train.mode =
    mode ??
    file.train?.mode ??
    (fineTuneFlags.some((f) => v[f] !== undefined) ? 'fine-tuning' : 'feature-extraction');
  const set = <K extends keyof TrainSpec>(key: K, value: TrainSpec[K] | undefined): void => {
    if (value !== undefined) train[key] = value;
  };
  const positive = (n: number): boolean => n > 0;
  set('epochs', intFlag(v, 'epochs', 'train.epochs'));
  set('learningRate', numberFlag(v, 'lr', 'train.learningRate', positive, 'a positive number'));
  set('batchSize', intFlag(v, 'batch-size', 'train.batchSize'));
  set('seed', intFlag(v, 'seed', 'train.seed', Number.MIN_SAFE_INTEGER));
  if (v['allow-high-lr']) train.allowHighLearningRate = true;
  const ftEpochs = intFlag(v, 'fine-tune-epochs', 'train.fineTune.epochs');
  const ftLr = numberFlag(
    v,
    'fine-tune-lr',
    'train.fineTune.learningRate',
    positive,
    'a positive number',
  );
  if (ftEpochs !== undefined || ftLr !== undefined) {
    train.fineTune = {
      ...train.fineTune,
      ...(ftEpochs !== undefined && { epochs: ftEpochs }),
      ...(ftLr !== undefined && { learningRate: ftLr }),
    };
  }
  const workers = intFlag(v, 'workers', 'train.engine.workers', 0);
  if (workers !== undefined) train.engine = { ...train.engine, workers };
  const engine = str(v, 'engine');
  if (engine !== undefined) {
    const inference = INFERENCE_ENGINE_NAMES.find((e) => e === engine);
    if (!inference)
      throw new InvalidSpecError(
        `--engine must be one of ${INFERENCE_ENGINE_NAMES.join(', ')}, got '${engine}'`,
        'train.engine.inference',
      );
    train.engine = { ...train.engine, inference };
  }
  if (train.mode === 'fine-tuning' && surgery.freeze === undefined)
    surgery.freeze = { kind: 'allButLastBlocks', blocks: 1 };

  return {
    backbone,
    data,
    ...(input !== undefined && { input }),
    surgery,
    train,
    out,
    cacheDir: str(v, 'cache-dir') ?? DEFAULT_CACHE_DIR,
  };
}
