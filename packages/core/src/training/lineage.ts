import { libraryVersions } from '../backend.js';
import type { Backbone } from '../backbones/types.js';
import type { DatasetSplit } from '../data/types.js';
import type { ExportedFile } from '../export/index.js';
import { LINEAGE_SCHEMA_VERSION, type LineageRecord } from '../lineage/index.js';
import { onnxRuntimeVersion } from '../onnx/runtime.js';
import type { SurgerySpec } from '../surgery/spec.js';
import type { TrainSpec } from './spec.js';
import type { TrainResult } from './train.js';

/** Arguments of {@link buildLineageRecord}. */
export interface BuildLineageRecordArgs {
  backbone: Backbone;
  surgery: SurgerySpec;
  train: TrainSpec;
  data: DatasetSplit;
  result: TrainResult;
  /** Registry id of the dataset; default: its content hash. */
  datasetId?: string;
  /** Images skipped as corrupt while loading the dataset; default 0. */
  skippedCorrupt?: number;
  /** The exported model's files; default none. */
  artifacts?: ExportedFile[];
  /** The registered model version this run fine-tuned, if any. */
  parentModelVersionId?: string;
}

/** The versioned, JSON-serialisable lineage record of a finished run. */
export async function buildLineageRecord(a: BuildLineageRecordArgs): Promise<LineageRecord> {
  const { backbone, result, data, train } = a;
  const last = result.phases[result.phases.length - 1]!;
  const first = result.phases[0]!;
  const head = a.surgery.head;
  const es = train.earlyStopping === undefined ? { patience: 3 } : train.earlyStopping;
  return {
    schemaVersion: LINEAGE_SCHEMA_VERSION,
    backbone: {
      id: backbone.id,
      name: backbone.name,
      family: backbone.family,
      sourceUri: backbone.sourceUri,
      topologySha256: backbone.fingerprint.topologySha256,
      weightsSha256: backbone.fingerprint.weightsSha256,
      inputShape: backbone.inputShape,
      preprocessing: backbone.preprocessing,
    },
    surgery: {
      inputShape: result.surgery.inputShape,
      cutAt: result.surgery.cutAt,
      freeze: a.surgery.freeze ?? { kind: 'all' },
      frozenLayers: result.surgery.frozenLayers,
      trainableLayers: result.surgery.trainableLayers,
      frozenParams: result.surgery.frozenParams,
      trainableParams: result.surgery.trainableParams,
      head: {
        pooling: head.pooling ?? 'avg',
        dense: (head.dense ?? []).map((d) => ({
          units: d.units,
          activation: d.activation ?? 'relu',
          dropout: d.dropout ?? 0,
        })),
        dropout: head.dropout ?? 0,
        classes: head.classes,
      },
      batchNormMode: 'inference',
    },
    training: {
      mode: train.mode,
      phases: result.phases.map((p) => ({
        name: p.name,
        epochs: p.epochs,
        epochsRun: p.epochsRun,
        optimizer: p.optimizer,
        learningRate: p.learningRate,
        trainableLayers: p.trainableLayers,
        earlyStopped: p.earlyStopped,
        boundary: p.boundary,
        backends: p.backends,
        trainingWorkers: p.trainingWorkers,
        featureCache: p.engine || p.featureCache.hit ? p.featureCache : null,
        engine: p.engine
          ? {
              name: p.engine.engine,
              backend: p.engine.backend,
              workers: p.engine.workers,
              threads: p.engine.threads,
              fallbacks: p.engineFallbacks,
            }
          : null,
      })),
      batchSize: train.batchSize ?? 32,
      seed: train.seed ?? 42,
      augmentation: {
        flipHorizontal: train.augmentation?.flipHorizontal ?? false,
        randomCrop: train.augmentation?.randomCrop ?? false,
      },
      earlyStopping: es ? { patience: es.patience, minDelta: es.minDelta ?? 0 } : null,
      backends: { inference: first.backends.inference, training: last.backends.training },
      engineWorkers: first.engine?.workers ?? 0,
      featureCache: first.engine || first.featureCache.hit ? first.featureCache : null,
      libraries: {
        ...(await libraryVersions()),
        ...(result.phases.some((p) => p.engine?.engine === 'onnxruntime')
          ? { 'onnxruntime-node': (await onnxRuntimeVersion()) ?? 'unknown' }
          : {}),
      },
    },
    data: {
      datasetId: a.datasetId ?? data.contentHash,
      name: data.train.name,
      contentHash: data.contentHash,
      classes: data.train.classes,
      splitSeed: data.seed,
      counts: { train: data.train.count, validation: data.validation.count, test: data.test.count },
      skippedCorrupt: a.skippedCorrupt ?? 0,
    },
    results: {
      history: result.history.map((h) => ({
        ...h,
        loss: Number.isFinite(h.loss) ? h.loss : null,
        valLoss: Number.isFinite(h.valLoss) ? h.valLoss : null,
      })),
      evaluation: result.evaluation,
    },
    artifacts: (a.artifacts ?? []).map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 })),
    parent: a.parentModelVersionId ? { modelVersionId: a.parentModelVersionId } : null,
    createdAt: new Date().toISOString(),
    durationSeconds: result.seconds,
  };
}
