import { describe, expect, expectTypeOf, it } from 'vitest';
import { evaluateClassifier, type Evaluation } from '../evaluation/index.js';
import type { ExportedFile } from '../export/index.js';
import {
  assertLineageRecord,
  validateJsonSchema,
  InvalidLineageRecordError,
  LINEAGE_SCHEMA_VERSION,
  lineageRecordSchema,
  validateLineageRecord,
  type FreezeRequest,
  type JsonSchema,
  type LineageArtifact,
  type LineageRecord,
} from './index.js';

const hash = (c: string) => c.repeat(64);

/** A complete record of a two-phase MobileNetV2 fine-tuning run. */
const sample = {
  schemaVersion: 1,
  backbone: {
    id: 'mobilenet_v2',
    name: 'MobileNetV2',
    family: 'mobilenet',
    sourceUri: 'npm:nsfwjs@4.4.0/mobilenet_v2',
    topologySha256: hash('a'),
    weightsSha256: hash('b'),
    inputShape: [224, 224, 3],
    preprocessing: { scale: 1 / 255, offset: 0, channels: 3 },
  },
  surgery: {
    inputShape: [160, 160, 3],
    cutAt: 'out_relu',
    freeze: { kind: 'allButLastBlocks', blocks: 1 },
    frozenLayers: ['Conv1', 'bn_Conv1', 'Conv1_relu'],
    trainableLayers: ['block_16_project', 'head_pool', 'head_dense_0', 'head_out'],
    frozenParams: 2_223_872,
    trainableParams: 165_058,
    head: {
      pooling: 'avg',
      dense: [{ units: 64, activation: 'relu', dropout: 0.2 }],
      dropout: 0.1,
      classes: ['cat', 'dog'],
    },
    batchNormMode: 'inference',
  },
  training: {
    mode: 'fine-tuning',
    phases: [
      {
        name: 'head',
        epochs: 5,
        epochsRun: 3,
        optimizer: 'adam',
        learningRate: 1e-3,
        trainableLayers: ['head_pool', 'head_dense_0', 'head_out'],
        earlyStopped: true,
        boundary: ['out_relu'],
        backends: { inference: 'onnxruntime', training: 'wasm' },
        trainingWorkers: 0,
        featureCache: { key: 'f'.repeat(64), hit: false },
        engine: {
          name: 'onnxruntime',
          backend: 'onnxruntime',
          workers: 0,
          threads: 2,
          fallbacks: [],
        },
      },
      {
        name: 'fine-tune',
        epochs: 2,
        epochsRun: 2,
        optimizer: 'adam',
        learningRate: 1e-5,
        trainableLayers: ['block_16_project', 'head_pool', 'head_dense_0', 'head_out'],
        earlyStopped: false,
        boundary: ['block_15_add'],
        backends: { inference: 'wasm', training: 'cpu' },
        trainingWorkers: 2,
        featureCache: null,
        engine: {
          name: 'tfjs-wasm',
          backend: 'wasm',
          workers: 2,
          threads: 0,
          fallbacks: [
            {
              engine: 'onnxruntime',
              reason: "cannot compile layer 'up' (UpSampling2D) to ONNX: no ONNX translation",
            },
          ],
        },
      },
    ],
    batchSize: 32,
    seed: 42,
    augmentation: { flipHorizontal: true, randomCrop: { padding: 4 } },
    earlyStopping: { patience: 2, minDelta: 0 },
    backends: { inference: 'onnxruntime', training: 'cpu' },
    engineWorkers: 2,
    featureCache: { key: `features-${hash('c').slice(0, 16)}`, hit: false },
    libraries: { '@tensorflow/tfjs': '4.22.0', 'onnxruntime-node': '1.30.0', node: '20.19.0' },
  },
  data: {
    datasetId: 'ds_01',
    name: 'pets',
    contentHash: hash('d'),
    classes: ['cat', 'dog'],
    splitSeed: 7,
    counts: { train: 80, validation: 10, test: 10 },
    skippedCorrupt: 1,
  },
  results: {
    history: [
      {
        phase: 'head',
        epoch: 1,
        loss: 0.7,
        accuracy: 0.55,
        valLoss: 0.6,
        valAccuracy: 0.6,
        seconds: 1.5,
      },
      {
        phase: 'head',
        epoch: 2,
        loss: 0.5,
        accuracy: 0.75,
        valLoss: 0.5,
        valAccuracy: 0.8,
        seconds: 1.2,
      },
      {
        phase: 'head',
        epoch: 3,
        loss: 0.4,
        accuracy: 0.8,
        valLoss: 0.52,
        valAccuracy: 0.8,
        seconds: 1.2,
      },
      {
        phase: 'fine-tune',
        epoch: 1,
        loss: 0.35,
        accuracy: 0.85,
        valLoss: null,
        valAccuracy: null,
        seconds: 30,
      },
      {
        phase: 'fine-tune',
        epoch: 2,
        loss: null,
        accuracy: 0.85,
        valLoss: null,
        valAccuracy: null,
        seconds: 29,
      },
    ],
    evaluation: {
      count: 10,
      accuracy: 0.8,
      topK: [
        { k: 1, accuracy: 0.8 },
        { k: 2, accuracy: 1 },
      ],
      perClass: [
        { className: 'cat', precision: 0.8, recall: 0.8, f1: 0.8, support: 5 },
        { className: 'dog', precision: 0.8, recall: 0.8, f1: 0.8, support: 5 },
      ],
      macro: { precision: 0.8, recall: 0.8, f1: 0.8 },
      weighted: { precision: 0.8, recall: 0.8, f1: 0.8 },
      confusionMatrix: [
        [4, 1],
        [1, 4],
      ],
      loss: 0.41,
    },
  },
  artifacts: [
    { path: 'models/mv_1/model.json', bytes: 61_234, sha256: hash('e') },
    { path: 'models/mv_1/weights.bin', bytes: 9_563_176, sha256: hash('f') },
  ],
  parent: { modelVersionId: 'mv_0' },
  createdAt: '2025-11-28T10:11:12.345Z',
  durationSeconds: 73.4,
} satisfies LineageRecord;

/** A deep copy to mutate. */
const copy = (): Record<string, unknown> => JSON.parse(JSON.stringify(sample));

/** Sets `value` at a JSON Pointer in `obj` (`undefined` deletes). */
function setAt(obj: unknown, path: string, value: unknown): void {
  const keys = path.split('/').slice(1);
  const last = keys.pop()!;
  let o = obj as Record<string, unknown>;
  for (const k of keys) o = o[k] as Record<string, unknown>;
  if (value === undefined) delete o[last];
  else o[last] = value;
}

function withChange(path: string, value: unknown): Record<string, unknown> {
  const r = copy();
  setAt(r, path, value);
  return r;
}

const paths = (v: unknown) => validateLineageRecord(v).map((e) => e.path);

describe('LineageRecord schema', () => {
  it('accepts a complete record, also after a JSON round trip', () => {
    expect(validateLineageRecord(sample)).toEqual([]);
    expect(validateLineageRecord(copy())).toEqual([]);
    expect(() => assertLineageRecord(copy())).not.toThrow();
  });

  it('accepts every freeze kind, no parent and no feature cache', () => {
    const kinds: FreezeRequest[] = [
      { kind: 'all' },
      { kind: 'upTo', layer: 'block_13_expand' },
      { kind: 'allButLastBlocks', blocks: 2 },
      { kind: 'layers', names: ['Conv1'] },
      { kind: 'pattern', pattern: '^block_(1|2)_' },
    ];
    for (const freeze of kinds) {
      expect(validateLineageRecord(withChange('/surgery/freeze', freeze)), freeze.kind).toEqual([]);
    }
    const r = withChange('/parent', null);
    setAt(r, '/training/featureCache', null);
    setAt(r, '/training/earlyStopping', null);
    setAt(r, '/training/augmentation/randomCrop', false);
    setAt(r, '/results/evaluation/loss', undefined);
    expect(validateLineageRecord(r)).toEqual([]);
  });

  it('accepts a real evaluation and exported files', () => {
    const evaluation: Evaluation = evaluateClassifier({
      labels: Int32Array.from([0, 1, 1]),
      probabilities: Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.6, 0.4]),
      classes: ['cat', 'dog'],
    });
    const files: ExportedFile[] = [{ path: 'm/model.json', bytes: 10, sha256: hash('0') }];
    const artifacts: LineageArtifact[] = files;
    const r = { ...sample, artifacts, results: { ...sample.results, evaluation } };
    expect(validateLineageRecord(JSON.parse(JSON.stringify(r)))).toEqual([]);
  });

  it('names the path of every missing required field', () => {
    const required = requiredPaths(lineageRecordSchema, sample, '');
    // The walk reaches every level: top, nested objects, array items, the freeze union.
    expect(required).toContain('/schemaVersion');
    expect(required).toContain('/surgery/head/dense/0/dropout');
    expect(required).toContain('/surgery/freeze/blocks');
    expect(required).toContain('/training/augmentation/randomCrop/padding');
    expect(required).toContain('/results/evaluation/perClass/1/support');
    expect(required.length).toBeGreaterThan(100);
    for (const p of required) {
      expect(paths(withChange(p, undefined)), p).toContain(p);
    }
  });

  it('names the path of a wrong enum or const', () => {
    const cases: [string, unknown][] = [
      ['/training/mode', 'transfer-learning'],
      ['/surgery/head/pooling', 'mean'],
      ['/surgery/batchNormMode', 'training'],
      ['/backbone/preprocessing/channels', 4],
      ['/schemaVersion', 2],
      ['/surgery/freeze/kind', 'everything'],
    ];
    for (const [p, v] of cases) {
      const errors = validateLineageRecord(withChange(p, v));
      expect(
        errors.map((e) => e.path),
        p,
      ).toEqual([p]);
      expect(errors[0]!.message).toMatch(/must be/);
    }
    // The union reports against the branch its kind names.
    expect(paths(withChange('/surgery/freeze', { kind: 'upTo', names: ['x'] }))).toEqual([
      '/surgery/freeze/layer',
      '/surgery/freeze/names',
    ]);
  });

  it('names the path of an extra property', () => {
    for (const p of [
      '/extra',
      '/backbone/extra',
      '/surgery/freeze/extra',
      '/training/phases/1/extra',
      '/results/evaluation/perClass/0/extra',
      '/parent/extra',
    ]) {
      const errors = validateLineageRecord(withChange(p, 1));
      expect(
        errors.map((e) => e.path),
        p,
      ).toEqual([p]);
      expect(errors[0]!.message).toMatch(/not an allowed property/);
    }
    // A key named like an Object.prototype member is still an unknown key.
    const proto = JSON.parse(JSON.stringify(sample).replace('{', '{"__proto__":1,'));
    expect(paths(proto)).toEqual(['/__proto__']);
  });

  it('names the path of wrong types and values', () => {
    const cases: [string, unknown][] = [
      ['/createdAt', 'yesterday'],
      ['/createdAt', '2025-11-28 10:11'],
      ['/backbone/weightsSha256', 'ABC'],
      ['/backbone/inputShape', [224, 224]],
      ['/surgery/inputShape/0', 0],
      ['/surgery/head/dense/0/dropout', 1],
      ['/surgery/head/dense/0/units', 1.5],
      ['/training/phases/0/learningRate', 0],
      ['/training/phases', []],
      ['/training/libraries/node', 20],
      ['/training/featureCache', 'none'],
      ['/results/history/0/loss', Number.NaN],
      ['/results/history/0/accuracy', null],
      ['/results/evaluation/confusionMatrix/0/0', -1],
      ['/parent', 'mv_0'],
      ['/artifacts/0/bytes', '12'],
      ['/durationSeconds', -1],
    ];
    for (const [p, v] of cases) {
      expect(paths(withChange(p, v)), p).toEqual([p]);
    }
    expect(paths(withChange('/parent', {}))).toEqual(['/parent/modelVersionId']);
    // An untagged union: a summary, then the closest alternative's errors.
    expect(paths(withChange('/training/augmentation/randomCrop/padding', 0))).toEqual([
      '/training/augmentation/randomCrop',
      '/training/augmentation/randomCrop/padding',
    ]);
    expect(validateLineageRecord(withChange('/surgery/freeze', { layer: 'x' }))).toEqual([
      {
        path: '/surgery/freeze/kind',
        message: 'is required: one of "all", "upTo", "allButLastBlocks", "layers", "pattern"',
      },
    ]);
    expect(paths(null)).toEqual(['']);
  });

  it('checks what the schema cannot: classes, epochs, phases, layers', () => {
    expect(paths(withChange('/surgery/head/classes', ['dog', 'cat']))).toEqual([
      '/surgery/head/classes',
      // perClass follows data.classes, so it is fine; the head is the odd one out.
    ]);
    expect(paths(withChange('/training/phases/0/epochsRun', 6))).toEqual([
      '/training/phases/0/epochsRun',
    ]);
    // Renaming the second phase also orphans its history entries.
    expect(paths(withChange('/training/phases/1/name', 'head'))).toEqual([
      '/training/phases/1/name',
      '/results/history/3/phase',
      '/results/history/4/phase',
    ]);
    expect(paths(withChange('/results/history/4/phase', 'fine-tuning'))).toEqual([
      '/results/history/4/phase',
    ]);
    expect(paths(withChange('/surgery/trainableLayers/0', 'Conv1'))).toEqual([
      '/surgery/trainableLayers/0',
    ]);
    expect(paths(withChange('/results/evaluation/confusionMatrix/1', [1]))).toEqual([
      '/results/evaluation/confusionMatrix',
    ]);
    expect(paths(withChange('/results/evaluation/perClass/1/className', 'bird'))).toEqual([
      '/results/evaluation/perClass',
    ]);
  });

  it('assertLineageRecord throws a typed error listing every violation', () => {
    const r = withChange('/training/mode', 'x');
    setAt(r, '/backbone/id', undefined);
    try {
      assertLineageRecord(r);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidLineageRecordError);
      const e = err as InvalidLineageRecordError;
      expect(e.code).toBe('INVALID_LINEAGE_RECORD');
      expect(e.errors.map((x) => x.path).sort()).toEqual(['/backbone/id', '/training/mode']);
      expect(e.message).toContain('/training/mode');
    }
  });

  it('is plain JSON, and the sample uses every property the schema declares', () => {
    expect(JSON.parse(JSON.stringify(lineageRecordSchema))).toEqual(lineageRecordSchema);
    expect(lineageRecordSchema.properties.schemaVersion.const).toBe(LINEAGE_SCHEMA_VERSION);
    // Optional properties present in the sample too: every declared property is exercised.
    const declared = declaredPaths(lineageRecordSchema, sample, '');
    for (const p of declared) expect(has(sample, p), p).toBe(true);
  });

  it('agrees with the TypeScript types (checked by tsc)', () => {
    type Defs = typeof lineageRecordSchema.$defs;
    type Keys<S> = S extends { properties: infer P } ? keyof P : never;
    type Required<S> = S extends { required: readonly (infer R)[] } ? R : never;
    type RequiredKeys<T> = {
      [K in keyof T]-?: Pick<T, K> extends globalThis.Required<Pick<T, K>> ? K : never;
    }[keyof T];
    type Equal<A, B> =
      (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
    /** Same property names, and the same ones required. */
    type Agree<S, T> = [Equal<Keys<S>, keyof T>, Equal<Required<S>, RequiredKeys<T>>];
    const agree = <S, T>(..._: Agree<S, T> extends [true, true] ? [] : [never]) => undefined;
    type R = LineageRecord;
    agree<typeof lineageRecordSchema, R>();
    agree<Defs['backbone'], R['backbone']>();
    agree<Defs['backbone']['properties']['preprocessing'], R['backbone']['preprocessing']>();
    agree<Defs['surgery'], R['surgery']>();
    agree<Defs['head'], R['surgery']['head']>();
    agree<Defs['head']['properties']['dense']['items'], R['surgery']['head']['dense'][number]>();
    agree<Defs['training'], R['training']>();
    agree<Defs['phase'], R['training']['phases'][number]>();
    agree<Defs['training']['properties']['augmentation'], R['training']['augmentation']>();
    agree<Defs['backends'], R['training']['backends']>();
    agree<Defs['backends'], R['training']['phases'][number]['backends']>();
    agree<Defs['engine'], NonNullable<R['training']['phases'][number]['engine']>>();
    agree<
      Defs['engine']['properties']['fallbacks']['items'],
      NonNullable<R['training']['phases'][number]['engine']>['fallbacks'][number]
    >();
    agree<Defs['featureCache'], NonNullable<R['training']['featureCache']>>();
    agree<
      Defs['training']['properties']['earlyStopping'],
      NonNullable<R['training']['earlyStopping']>
    >();
    agree<
      Defs['training']['properties']['augmentation']['properties']['randomCrop']['anyOf'][1],
      Exclude<R['training']['augmentation']['randomCrop'], false>
    >();
    agree<Defs['data'], R['data']>();
    agree<Defs['data']['properties']['counts'], R['data']['counts']>();
    agree<Defs['results'], R['results']>();
    agree<Defs['epoch'], R['results']['history'][number]>();
    agree<Defs['evaluation'], Evaluation>();
    agree<Defs['averagedMetrics'], Evaluation['macro']>();
    agree<Defs['evaluation']['properties']['topK']['items'], Evaluation['topK'][number]>();
    agree<Defs['evaluation']['properties']['perClass']['items'], Evaluation['perClass'][number]>();
    agree<Defs['artifact'], LineageArtifact>();
    agree<typeof lineageRecordSchema.properties.parent, NonNullable<R['parent']>>();

    type Branch = Defs['freeze']['oneOf'][number];
    expectTypeOf<Branch['properties']['kind']['const']>().toEqualTypeOf<FreezeRequest['kind']>();
    agree<
      Extract<Branch, { properties: { kind: { const: 'upTo' } } }>,
      Extract<FreezeRequest, { kind: 'upTo' }>
    >();
    agree<
      Extract<Branch, { properties: { kind: { const: 'allButLastBlocks' } } }>,
      Extract<FreezeRequest, { kind: 'allButLastBlocks' }>
    >();
    agree<
      Extract<Branch, { properties: { kind: { const: 'layers' } } }>,
      Extract<FreezeRequest, { kind: 'layers' }>
    >();
    agree<
      Extract<Branch, { properties: { kind: { const: 'pattern' } } }>,
      Extract<FreezeRequest, { kind: 'pattern' }>
    >();

    expectTypeOf<Defs['training']['properties']['mode']['enum'][number]>().toEqualTypeOf<
      R['training']['mode']
    >();
    expectTypeOf<Defs['head']['properties']['pooling']['enum'][number]>().toEqualTypeOf<
      R['surgery']['head']['pooling']
    >();
    expectTypeOf<
      Defs['backbone']['properties']['preprocessing']['properties']['channels']['enum'][number]
    >().toEqualTypeOf<R['backbone']['preprocessing']['channels']>();
    expectTypeOf<Defs['surgery']['properties']['batchNormMode']['const']>().toEqualTypeOf<
      R['surgery']['batchNormMode']
    >();
    expectTypeOf<typeof lineageRecordSchema.properties.schemaVersion.const>().toEqualTypeOf<
      R['schemaVersion']
    >();
  });
});

// --- walking the schema alongside a value -------------------------------------------------

function resolve(s: JsonSchema, value: unknown): JsonSchema {
  if (s.$ref !== undefined) {
    const name = s.$ref.replace('#/$defs/', '');
    return resolve((lineageRecordSchema.$defs as Record<string, JsonSchema>)[name]!, value);
  }
  // A union: the branch that fits the value.
  const branches = s.oneOf ?? s.anyOf;
  if (branches) {
    const fits = (b: JsonSchema) =>
      validateJsonSchema({ $defs: lineageRecordSchema.$defs, ...b }, value).length === 0;
    return resolve(branches.find(fits) ?? s, value);
  }
  return s;
}

/** JSON Pointers of every required property present in `value`, at every depth. */
function requiredPaths(schema: JsonSchema, value: unknown, at: string): string[] {
  return walk(schema, value, at, (s) => s.required ?? []);
}

/** JSON Pointers of every declared property, at every depth reached through `value`. */
function declaredPaths(schema: JsonSchema, value: unknown, at: string): string[] {
  return walk(schema, value, at, (s) => Object.keys(s.properties ?? {}));
}

function walk(
  schema: JsonSchema,
  value: unknown,
  at: string,
  keys: (s: JsonSchema) => readonly string[],
): string[] {
  const s = resolve(schema, value);
  if (Array.isArray(value)) {
    return s.items ? value.flatMap((v, i) => walk(s.items!, v, `${at}/${i}`, keys)) : [];
  }
  if (value === null || typeof value !== 'object') return [];
  const o = value as Record<string, unknown>;
  const out = keys(s).map((k) => `${at}/${k}`);
  for (const [k, sub] of Object.entries(s.properties ?? {})) {
    if (k in o) out.push(...walk(sub, o[k], `${at}/${k}`, keys));
  }
  return out;
}

function has(obj: unknown, path: string): boolean {
  let o = obj;
  for (const k of path.split('/').slice(1)) {
    if (o === null || typeof o !== 'object' || !Object.hasOwn(o, k)) return false;
    o = (o as Record<string, unknown>)[k];
  }
  return true;
}
