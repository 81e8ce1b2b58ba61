/**
 * The database schema. Migrations in `apps/api/drizzle/` are generated from this file with
 * `npm run db:generate -w @graft/api` and checked in; the API applies them at start.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import type {
  BackboneLayer,
  DatasetCounts,
  DatasetSource,
  Evaluation,
  InputShape,
  LineageBackends,
  LineageRecord,
  Preprocessing,
  RunProgress,
  RunSurgery,
  TrainSpec,
} from './json.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** Roles in increasing power: viewer < editor < maintainer. */
export const apiKeyRole = pgEnum('api_key_role', ['viewer', 'editor', 'maintainer']);
export const runStatus = pgEnum('run_status', [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
]);
/** Same values as @graft/core's `TrainSpec.mode`. */
export const trainingMode = pgEnum('training_mode', ['feature-extraction', 'fine-tuning']);

/** API keys; only a sha256 of the key is stored, the key itself is shown once. */
export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  keyHash: text('key_hash').notNull().unique(),
  /** The key's first characters, to tell keys apart in listings. */
  keyPrefix: text('key_prefix').notNull(),
  role: apiKeyRole('role').notNull(),
  createdAt: createdAt(),
  revoked: boolean('revoked').notNull().default(false),
});

/** Registered pretrained weights that runs start from. */
export const backbones = pgTable(
  'backbones',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull().unique(),
    family: text('family').notNull(),
    sourceUri: text('source_uri').notNull(),
    topologySha256: text('topology_sha256').notNull(),
    weightsSha256: text('weights_sha256').notNull(),
    inputShape: jsonb('input_shape').$type<InputShape>().notNull(),
    preprocessing: jsonb('preprocessing').$type<Preprocessing>().notNull(),
    layers: jsonb('layers').$type<BackboneLayer[]>().notNull(),
    blockEnds: jsonb('block_ends').$type<string[]>().notNull().default([]),
    lastFeatureLayer: text('last_feature_layer').notNull(),
    /** Object-store key of the stored model; null for backbones @graft/core ships. */
    artifactKey: text('artifact_key'),
    createdAt: createdAt(),
  },
  (t) => [index('backbones_weights_sha256_idx').on(t.weightsSha256)],
);

export const datasets = pgTable(
  'datasets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    classes: jsonb('classes').$type<string[]>().notNull(),
    counts: jsonb('counts').$type<DatasetCounts>().notNull(),
    contentHash: text('content_hash').notNull(),
    source: jsonb('source').$type<DatasetSource>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('datasets_name_idx').on(t.name),
    index('datasets_content_hash_idx').on(t.contentHash),
  ],
);

/**
 * Training runs. Learning rates and final metrics are copied out of the jsonb specs into
 * columns so that lists can be filtered and ordered by them through an index.
 */
export const runs = pgTable(
  'runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    backboneId: uuid('backbone_id')
      .notNull()
      .references(() => backbones.id),
    datasetId: uuid('dataset_id')
      .notNull()
      .references(() => datasets.id),
    surgery: jsonb('surgery').$type<RunSurgery>().notNull(),
    train: jsonb('train').$type<TrainSpec>().notNull(),
    status: runStatus('status').notNull().default('queued'),
    mode: trainingMode('mode').notNull(),
    headLr: numeric('head_lr', { mode: 'number' }),
    fineTuneLr: numeric('fine_tune_lr', { mode: 'number' }),
    frozenParams: bigint('frozen_params', { mode: 'number' }),
    trainableParams: bigint('trainable_params', { mode: 'number' }),
    bestValAccuracy: doublePrecision('best_val_accuracy'),
    testAccuracy: doublePrecision('test_accuracy'),
    backends: jsonb('backends').$type<LineageBackends>(),
    evaluation: jsonb('evaluation').$type<Evaluation>(),
    lineage: jsonb('lineage').$type<LineageRecord>(),
    log: text('log').notNull().default(''),
    error: text('error'),
    /** Latest progress event of a running run (written by the worker, read by subscriptions). */
    progress: jsonb('progress').$type<RunProgress>(),
    /** The registered model version this run fine-tunes, if any. */
    parentVersionId: uuid('parent_version_id').references((): AnyPgColumn => modelVersions.id),
    /** API key that started the run. */
    startedBy: uuid('started_by').references(() => apiKeys.id),
    tags: text('tags')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    /** Written every few seconds by the worker executing the run; a stale one means it died. */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** How many times a worker picked the run up (pg-boss retries after crashes). */
    attempt: integer('attempt').notNull().default(0),
  },
  (t) => [
    // Keyset pagination: every ordering ends with id so that cursors are total. An index serves
    // an ORDER BY only when the NULLS placement matches too: list runs by a final metric with
    // `ORDER BY <metric> DESC NULLS LAST, id DESC` (unfinished runs last), by creation time with
    // plain `created_at DESC, id DESC` (or ASC; btree scans both ways).
    index('runs_created_at_idx').on(t.createdAt, t.id),
    index('runs_best_val_accuracy_idx').on(
      t.bestValAccuracy.desc().nullsLast(),
      t.id.desc().nullsFirst(),
    ),
    index('runs_test_accuracy_idx').on(t.testAccuracy.desc().nullsLast(), t.id.desc().nullsFirst()),
    index('runs_status_idx').on(t.status, t.createdAt, t.id),
    index('runs_backbone_id_idx').on(t.backboneId),
    index('runs_dataset_id_idx').on(t.datasetId),
    index('runs_parent_version_id_idx').on(t.parentVersionId),
    index('runs_tags_idx').using('gin', t.tags),
  ],
);

/** Per-epoch metrics of a run, per training phase. */
export const runEpochs = pgTable(
  'run_epochs',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    phase: text('phase').notNull(),
    /** Position of the phase in the run (phase names do not sort in run order). */
    phaseIndex: smallint('phase_index').notNull().default(0),
    epoch: integer('epoch').notNull(),
    loss: doublePrecision('loss').notNull(),
    accuracy: doublePrecision('accuracy'),
    valLoss: doublePrecision('val_loss'),
    valAccuracy: doublePrecision('val_accuracy'),
    seconds: doublePrecision('seconds').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.phase, t.epoch] })],
);

/** Files a run produced, stored under content addresses (`sha256/<hex>`). */
export const artifacts = pgTable(
  'artifacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    /** e.g. `model-topology`, `weights`. */
    kind: text('kind').notNull(),
    /** File name within the model folder (`model.json`, `group1-shard1of1.bin`). */
    name: text('name').notNull(),
    key: text('key').notNull(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique('artifacts_run_id_name_unique').on(t.runId, t.name)],
);

export const registeredModels = pgTable('registered_models', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull().unique(),
  description: text('description'),
  createdBy: uuid('created_by').references(() => apiKeys.id),
  createdAt: createdAt(),
});

/** A version is made from one succeeded run; the unique run_id means a run never yields two. */
export const modelVersions = pgTable(
  'model_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    modelId: uuid('model_id')
      .notNull()
      .references(() => registeredModels.id),
    version: integer('version').notNull(),
    runId: uuid('run_id')
      .notNull()
      .unique()
      .references(() => runs.id),
    archived: boolean('archived').notNull().default(false),
    createdBy: uuid('created_by').references(() => apiKeys.id),
    createdAt: createdAt(),
  },
  (t) => [unique('model_versions_model_id_version_unique').on(t.modelId, t.version)],
);

/** Named pointers (`staging`, `production`, ...) at versions; one per name per model. */
export const modelAliases = pgTable(
  'model_aliases',
  {
    modelId: uuid('model_id')
      .notNull()
      .references(() => registeredModels.id),
    alias: text('alias').notNull(),
    versionId: uuid('version_id')
      .notNull()
      .references(() => modelVersions.id),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ name: 'model_aliases_model_id_alias_pk', columns: [t.modelId, t.alias] }),
    index('model_aliases_version_id_idx').on(t.versionId),
  ],
);

/** Audit trail of alias moves: who moved which alias from which version to which, and why. */
export const aliasEvents = pgTable(
  'alias_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    modelId: uuid('model_id')
      .notNull()
      .references(() => registeredModels.id),
    alias: text('alias').notNull(),
    /** null when the alias was created. */
    fromVersion: uuid('from_version').references(() => modelVersions.id),
    /** null when the alias was removed (e.g. its version was archived). */
    toVersion: uuid('to_version').references(() => modelVersions.id),
    actor: uuid('actor').references(() => apiKeys.id),
    reason: text('reason'),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('alias_events_model_id_idx').on(t.modelId, t.at)],
);
