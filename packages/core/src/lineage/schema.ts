import { GraftError } from '../errors.js';
import { validateJsonSchema, type JsonSchema, type SchemaError } from './jsonSchema.js';
import { LINEAGE_SCHEMA_VERSION, type LineageRecord } from './record.js';

const SHA256_HEX = '^[0-9a-f]{64}$';

const nonEmptyString = { type: 'string', minLength: 1 } as const;
const names = { type: 'array', items: nonEmptyString } as const;
const count = { type: 'integer', minimum: 0 } as const;
const fraction = { type: 'number', minimum: 0, maximum: 1 } as const;

/**
 * JSON Schema (draft 2020-12) of {@link LineageRecord}, hand-written to match the type; the
 * build writes it to `dist/lineage/lineage.schema.json` (package export
 * `@graft/core/lineage/schema.json`) for tools outside TypeScript. `as const` keeps its literal
 * types, which the tests compare with the TypeScript interfaces.
 */
export const lineageRecordSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'urn:graft:schema:lineage-record:1',
  title: 'Graft lineage record',
  description:
    'Everything needed to reproduce a Graft training run and to compare it with another: ' +
    'backbone, surgery, training, data, results, artifacts and parent.',
  type: 'object',
  required: [
    'schemaVersion',
    'backbone',
    'surgery',
    'training',
    'data',
    'results',
    'artifacts',
    'parent',
    'createdAt',
    'durationSeconds',
  ],
  additionalProperties: false,
  properties: {
    schemaVersion: { const: LINEAGE_SCHEMA_VERSION },
    backbone: { $ref: '#/$defs/backbone' },
    surgery: { $ref: '#/$defs/surgery' },
    training: { $ref: '#/$defs/training' },
    data: { $ref: '#/$defs/data' },
    results: { $ref: '#/$defs/results' },
    artifacts: { type: 'array', items: { $ref: '#/$defs/artifact' } },
    parent: {
      description: 'The registered model version this run fine-tuned; null when none.',
      type: ['object', 'null'],
      required: ['modelVersionId'],
      additionalProperties: false,
      properties: { modelVersionId: nonEmptyString },
    },
    createdAt: { type: 'string', format: 'date-time' },
    durationSeconds: { type: 'number', minimum: 0 },
  },
  $defs: {
    sha256: { type: 'string', pattern: SHA256_HEX },
    shape: {
      description: '[height, width, channels]',
      type: 'array',
      items: { type: 'integer', minimum: 1 },
      minItems: 3,
      maxItems: 3,
    },
    backbone: {
      type: 'object',
      required: [
        'id',
        'name',
        'family',
        'sourceUri',
        'topologySha256',
        'weightsSha256',
        'inputShape',
        'preprocessing',
      ],
      additionalProperties: false,
      properties: {
        id: nonEmptyString,
        name: nonEmptyString,
        family: nonEmptyString,
        sourceUri: nonEmptyString,
        topologySha256: { $ref: '#/$defs/sha256' },
        weightsSha256: { $ref: '#/$defs/sha256' },
        inputShape: { $ref: '#/$defs/shape' },
        preprocessing: {
          type: 'object',
          required: ['scale', 'offset', 'channels'],
          additionalProperties: false,
          properties: {
            scale: { type: 'number' },
            offset: { type: 'number' },
            channels: { enum: [1, 3] },
          },
        },
      },
    },
    freeze: {
      description: 'The freeze request as given; surgery.frozenLayers is its resolution.',
      oneOf: [
        {
          type: 'object',
          required: ['kind'],
          additionalProperties: false,
          properties: { kind: { const: 'all' } },
        },
        {
          type: 'object',
          required: ['kind', 'layer'],
          additionalProperties: false,
          properties: { kind: { const: 'upTo' }, layer: nonEmptyString },
        },
        {
          type: 'object',
          required: ['kind', 'blocks'],
          additionalProperties: false,
          properties: { kind: { const: 'allButLastBlocks' }, blocks: count },
        },
        {
          type: 'object',
          required: ['kind', 'names'],
          additionalProperties: false,
          properties: { kind: { const: 'layers' }, names },
        },
        {
          type: 'object',
          required: ['kind', 'pattern'],
          additionalProperties: false,
          properties: { kind: { const: 'pattern' }, pattern: nonEmptyString },
        },
      ],
    },
    head: {
      type: 'object',
      required: ['pooling', 'dense', 'dropout', 'classes'],
      additionalProperties: false,
      properties: {
        pooling: { enum: ['avg', 'max', 'flatten'] },
        dense: {
          type: 'array',
          items: {
            type: 'object',
            required: ['units', 'activation', 'dropout'],
            additionalProperties: false,
            properties: {
              units: { type: 'integer', minimum: 1 },
              activation: nonEmptyString,
              dropout: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
            },
          },
        },
        dropout: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        classes: { type: 'array', items: nonEmptyString, minItems: 1 },
      },
    },
    surgery: {
      type: 'object',
      required: [
        'inputShape',
        'cutAt',
        'freeze',
        'frozenLayers',
        'trainableLayers',
        'frozenParams',
        'trainableParams',
        'head',
        'batchNormMode',
      ],
      additionalProperties: false,
      properties: {
        inputShape: { $ref: '#/$defs/shape' },
        cutAt: nonEmptyString,
        freeze: { $ref: '#/$defs/freeze' },
        frozenLayers: names,
        trainableLayers: names,
        frozenParams: count,
        trainableParams: count,
        head: { $ref: '#/$defs/head' },
        batchNormMode: { const: 'inference' },
      },
    },
    phase: {
      type: 'object',
      required: [
        'name',
        'epochs',
        'epochsRun',
        'optimizer',
        'learningRate',
        'trainableLayers',
        'earlyStopped',
        'boundary',
        'backends',
        'featureCache',
      ],
      additionalProperties: false,
      properties: {
        name: nonEmptyString,
        epochs: count,
        epochsRun: count,
        optimizer: nonEmptyString,
        learningRate: { type: 'number', exclusiveMinimum: 0 },
        trainableLayers: names,
        earlyStopped: { type: 'boolean' },
        boundary: names,
        backends: { $ref: '#/$defs/backends' },
        trainingWorkers: count,
        featureCache: { $ref: '#/$defs/featureCache' },
        engine: { $ref: '#/$defs/engine' },
      },
    },
    engine: {
      description:
        'What computed the frozen prefix in a phase; null when nothing ran (cache hit, nothing frozen).',
      type: ['object', 'null'],
      required: ['name', 'backend', 'workers', 'threads', 'fallbacks'],
      additionalProperties: false,
      properties: {
        name: { enum: ['onnxruntime', 'tfjs-wasm', 'tfjs'] },
        backend: nonEmptyString,
        workers: count,
        threads: count,
        fallbacks: {
          type: 'array',
          items: {
            type: 'object',
            required: ['engine', 'reason'],
            additionalProperties: false,
            properties: { engine: nonEmptyString, reason: nonEmptyString },
          },
        },
      },
    },
    backends: {
      type: 'object',
      required: ['inference', 'training'],
      additionalProperties: false,
      properties: { inference: nonEmptyString, training: nonEmptyString },
    },
    featureCache: {
      type: ['object', 'null'],
      required: ['key', 'hit'],
      additionalProperties: false,
      properties: { key: nonEmptyString, hit: { type: 'boolean' } },
    },
    training: {
      type: 'object',
      required: [
        'mode',
        'phases',
        'batchSize',
        'seed',
        'augmentation',
        'earlyStopping',
        'backends',
        'engineWorkers',
        'featureCache',
        'libraries',
      ],
      additionalProperties: false,
      properties: {
        mode: { enum: ['feature-extraction', 'fine-tuning'] },
        phases: { type: 'array', items: { $ref: '#/$defs/phase' }, minItems: 1 },
        batchSize: { type: 'integer', minimum: 1 },
        seed: { type: 'integer' },
        augmentation: {
          type: 'object',
          required: ['flipHorizontal', 'randomCrop'],
          additionalProperties: false,
          properties: {
            flipHorizontal: { type: 'boolean' },
            randomCrop: {
              description: 'false, or pad by `padding` pixels then crop back at a random offset.',
              anyOf: [
                { const: false },
                {
                  type: 'object',
                  required: ['padding'],
                  additionalProperties: false,
                  properties: { padding: { type: 'integer', minimum: 1 } },
                },
              ],
            },
          },
        },
        earlyStopping: {
          type: ['object', 'null'],
          required: ['patience', 'minDelta'],
          additionalProperties: false,
          properties: {
            patience: { type: 'integer', minimum: 1 },
            minDelta: { type: 'number', minimum: 0 },
          },
        },
        backends: { $ref: '#/$defs/backends' },
        engineWorkers: count,
        featureCache: { $ref: '#/$defs/featureCache' },
        libraries: {
          description: 'Library name -> version, e.g. {"@tensorflow/tfjs": "4.22.0"}.',
          type: 'object',
          additionalProperties: nonEmptyString,
        },
      },
    },
    data: {
      type: 'object',
      required: [
        'datasetId',
        'name',
        'contentHash',
        'classes',
        'splitSeed',
        'counts',
        'skippedCorrupt',
      ],
      additionalProperties: false,
      properties: {
        datasetId: nonEmptyString,
        name: nonEmptyString,
        contentHash: { $ref: '#/$defs/sha256' },
        classes: { type: 'array', items: nonEmptyString, minItems: 1 },
        splitSeed: { type: 'integer' },
        counts: {
          type: 'object',
          required: ['train', 'validation', 'test'],
          additionalProperties: false,
          properties: { train: count, validation: count, test: count },
        },
        skippedCorrupt: count,
      },
    },
    epoch: {
      type: 'object',
      required: ['phase', 'epoch', 'loss', 'accuracy', 'valLoss', 'valAccuracy', 'seconds'],
      additionalProperties: false,
      properties: {
        phase: nonEmptyString,
        epoch: { type: 'integer', minimum: 1 },
        loss: { type: ['number', 'null'] },
        accuracy: fraction,
        valLoss: { type: ['number', 'null'] },
        valAccuracy: { type: ['number', 'null'], minimum: 0, maximum: 1 },
        seconds: { type: 'number', minimum: 0 },
      },
    },
    averagedMetrics: {
      type: 'object',
      required: ['precision', 'recall', 'f1'],
      additionalProperties: false,
      properties: { precision: fraction, recall: fraction, f1: fraction },
    },
    evaluation: {
      description: 'Zero division gives 0 (scikit-learn zero_division=0).',
      type: 'object',
      required: ['count', 'accuracy', 'topK', 'perClass', 'macro', 'weighted', 'confusionMatrix'],
      additionalProperties: false,
      properties: {
        count,
        accuracy: fraction,
        topK: {
          type: 'array',
          items: {
            type: 'object',
            required: ['k', 'accuracy'],
            additionalProperties: false,
            properties: { k: { type: 'integer', minimum: 1 }, accuracy: fraction },
          },
        },
        perClass: {
          type: 'array',
          items: {
            type: 'object',
            required: ['className', 'precision', 'recall', 'f1', 'support'],
            additionalProperties: false,
            properties: {
              className: nonEmptyString,
              precision: fraction,
              recall: fraction,
              f1: fraction,
              support: count,
            },
          },
        },
        macro: { $ref: '#/$defs/averagedMetrics' },
        weighted: { $ref: '#/$defs/averagedMetrics' },
        confusionMatrix: {
          description: 'Rows: true class; columns: predicted class.',
          type: 'array',
          items: { type: 'array', items: count },
        },
        loss: { type: 'number', minimum: 0 },
      },
    },
    results: {
      type: 'object',
      required: ['history', 'evaluation'],
      additionalProperties: false,
      properties: {
        history: { type: 'array', items: { $ref: '#/$defs/epoch' } },
        evaluation: { $ref: '#/$defs/evaluation' },
      },
    },
    artifact: {
      type: 'object',
      required: ['path', 'bytes', 'sha256'],
      additionalProperties: false,
      properties: {
        path: nonEmptyString,
        bytes: count,
        sha256: { $ref: '#/$defs/sha256' },
      },
    },
  },
} as const satisfies JsonSchema;

/** A lineage record that does not match the schema; `errors` lists every violation. */
export class InvalidLineageRecordError extends GraftError {
  constructor(readonly errors: SchemaError[]) {
    super(
      'INVALID_LINEAGE_RECORD',
      `invalid lineage record: ${errors.map((e) => `${e.path || '(root)'} ${e.message}`).join('; ')}`,
      'lineage',
    );
  }
}

/**
 * Checks a value against {@link lineageRecordSchema}, then the rules a schema cannot express
 * (the head's classes are the data's, the evaluation is square in those classes, epochs run
 * within phases that exist, no layer both frozen and trainable).
 * @returns every violation, each with a JSON Pointer `path` (`/training/phases/0/learningRate`);
 *   empty when the value is a valid {@link LineageRecord}.
 */
export function validateLineageRecord(value: unknown): SchemaError[] {
  const errors = validateJsonSchema(lineageRecordSchema, value);
  if (errors.length > 0) return errors;
  return crossFieldErrors(value as LineageRecord);
}

/** Like {@link validateLineageRecord}, for code that wants a typed value or an exception. */
export function assertLineageRecord(value: unknown): asserts value is LineageRecord {
  const errors = validateLineageRecord(value);
  if (errors.length > 0) throw new InvalidLineageRecordError(errors);
}

function crossFieldErrors(r: LineageRecord): SchemaError[] {
  const errors: SchemaError[] = [];
  const classes = r.data.classes;
  const k = classes.length;
  const classList = JSON.stringify(classes);

  if (JSON.stringify(r.surgery.head.classes) !== classList) {
    errors.push({
      path: '/surgery/head/classes',
      message: `must equal /data/classes ${classList}, got ${JSON.stringify(r.surgery.head.classes)}`,
    });
  }
  const frozen = new Set(r.surgery.frozenLayers);
  r.surgery.trainableLayers.forEach((name, i) => {
    if (frozen.has(name)) {
      errors.push({
        path: `/surgery/trainableLayers/${i}`,
        message: `layer '${name}' is also in /surgery/frozenLayers`,
      });
    }
  });

  const phases = new Set<string>();
  r.training.phases.forEach((p, i) => {
    if (phases.has(p.name)) {
      errors.push({ path: `/training/phases/${i}/name`, message: `duplicate phase '${p.name}'` });
    }
    phases.add(p.name);
    if (p.epochsRun > p.epochs) {
      errors.push({
        path: `/training/phases/${i}/epochsRun`,
        message: `must be <= epochs (${p.epochs}), got ${p.epochsRun}`,
      });
    }
  });
  r.results.history.forEach((h, i) => {
    if (!phases.has(h.phase)) {
      errors.push({
        path: `/results/history/${i}/phase`,
        message: `must name a phase of /training/phases (${[...phases].join(', ')}), got '${h.phase}'`,
      });
    }
  });

  const ev = r.results.evaluation;
  const evalClasses = ev.perClass.map((c) => c.className);
  if (JSON.stringify(evalClasses) !== classList) {
    errors.push({
      path: '/results/evaluation/perClass',
      message: `must have one entry per class of /data/classes ${classList}, in order`,
    });
  }
  const cm = ev.confusionMatrix;
  if (cm.length !== k || cm.some((row) => row.length !== k)) {
    errors.push({
      path: '/results/evaluation/confusionMatrix',
      message: `must be ${k} x ${k} (one row and one column per class)`,
    });
  }
  return errors;
}
