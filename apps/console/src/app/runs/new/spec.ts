/**
 * The New run form's values → the SurgerySpec and TrainSpec (types from @graft/core, type-only)
 * that `startRun` takes (the layer strip previews them with `stripFromSpec`).
 */
import type { FreezeSpec, HeadSpec, SurgerySpec } from '@graft/core/surgery';
import type { TrainSpec } from '@graft/core/training';

export type Mode = TrainSpec['mode'];
export type FreezeKind = 'upTo' | 'allButLastBlocks' | 'layers';
export type Pooling = NonNullable<HeadSpec['pooling']>;

/** What the form holds (inputs as typed text). */
export interface RunForm {
  backboneId: string;
  datasetId: string;
  mode: Mode;
  inputHeight: string;
  inputWidth: string;
  cutAt: string;
  freezeKind: FreezeKind;
  freezeUpTo: string;
  freezeBlocks: string;
  freezeLayers: string[];
  pooling: Pooling;
  denseUnits: string;
  headDropout: string;
  learningRate: string;
  epochs: string;
  fineTuneLearningRate: string;
  fineTuneEpochs: string;
  allowHighLearningRate: boolean;
  batchSize: string;
  seed: string;
  earlyStopping: boolean;
  tags: string;
}

/** The backbone facts the specs depend on. */
export interface BackboneShape {
  inputShape: number[];
  lastFeatureLayer: string;
  blockEnds: string[];
  layerNames: string[];
}

/** startRun's `surgery`: a SurgerySpec whose head classes the API fills in from the dataset. */
export type SurgeryRequest = Omit<SurgerySpec, 'head'> & { head: Omit<HeadSpec, 'classes'> };

/** Core's defaults (TrainSpec docs), prefilled in the form. */
export const DEFAULTS = {
  epochs: '10',
  learningRate: '0.001',
  fineTuneEpochs: '5',
  fineTuneLearningRate: '0.00001',
  batchSize: '32',
  seed: '42',
  freezeBlocks: '1',
} as const;

type Errors = Record<string, string>;

function number(
  text: string,
  path: string,
  errors: Errors,
  kind: 'int' | 'float',
): number | undefined {
  const t = text.trim();
  if (t === '') return undefined;
  const v = Number(t);
  if (!Number.isFinite(v)) errors[path] = `${t} is not a number`;
  else if (kind === 'int' && !Number.isInteger(v)) errors[path] = `${t} is not a whole number`;
  else return v;
  return undefined;
}

/**
 * The specs for `startRun`, or the fields that are not numbers (keyed by the API's field paths,
 * so they show where the API's own errors do). Range checks are the API's: it answers with the
 * same paths.
 */
export function buildSpecs(
  f: RunForm,
  bb: BackboneShape,
): { surgery: SurgeryRequest; train: TrainSpec; errors: Errors } {
  const errors: Errors = {};
  const surgery: SurgeryRequest = { head: {} };
  const h = number(f.inputHeight, 'surgery.inputShape', errors, 'int');
  const w = number(f.inputWidth, 'surgery.inputShape', errors, 'int');
  const [bh, bw, bc] = bb.inputShape;
  if ((h !== undefined && h !== bh) || (w !== undefined && w !== bw)) {
    surgery.inputShape = [h ?? bh ?? 0, w ?? bw ?? 0, bc ?? 3];
  }
  if (f.cutAt && f.cutAt !== bb.lastFeatureLayer) surgery.cutAt = f.cutAt;
  if (f.mode === 'fine-tuning') {
    const freeze = freezeSpec(f, errors);
    if (freeze) surgery.freeze = freeze;
  }
  surgery.head.pooling = f.pooling;
  const units = number(f.denseUnits, 'surgery.head.dense.0.units', errors, 'int');
  if (units !== undefined && units !== 0) {
    surgery.head.dense = [{ units }];
  } else if (units === 0) {
    errors['surgery.head.dense.0.units'] = 'leave empty for no hidden layer, or give at least 1';
  }
  const headDropout = number(f.headDropout, 'surgery.head.dropout', errors, 'float');
  if (headDropout !== undefined) surgery.head.dropout = headDropout;

  const train: TrainSpec = { mode: f.mode };
  const epochs = number(f.epochs, 'train.epochs', errors, 'int');
  if (epochs !== undefined) train.epochs = epochs;
  const lr = number(f.learningRate, 'train.learningRate', errors, 'float');
  if (lr !== undefined) train.learningRate = lr;
  const batch = number(f.batchSize, 'train.batchSize', errors, 'int');
  if (batch !== undefined) train.batchSize = batch;
  const seed = number(f.seed, 'train.seed', errors, 'int');
  if (seed !== undefined) train.seed = seed;
  if (!f.earlyStopping) train.earlyStopping = false;
  if (f.mode === 'fine-tuning') {
    const fineTune: NonNullable<TrainSpec['fineTune']> = {};
    const ftEpochs = number(f.fineTuneEpochs, 'train.fineTune.epochs', errors, 'int');
    if (ftEpochs !== undefined) fineTune.epochs = ftEpochs;
    const ftLr = number(f.fineTuneLearningRate, 'train.fineTune.learningRate', errors, 'float');
    if (ftLr !== undefined) fineTune.learningRate = ftLr;
    train.fineTune = fineTune;
    if (f.allowHighLearningRate) train.allowHighLearningRate = true;
  }
  return { surgery, train, errors };
}

function freezeSpec(f: RunForm, errors: Errors): FreezeSpec | undefined {
  switch (f.freezeKind) {
    case 'upTo':
      if (!f.freezeUpTo) {
        errors['surgery.freeze'] = 'pick the last frozen layer on the layer strip';
        return undefined;
      }
      return { kind: 'upTo', layer: f.freezeUpTo };
    case 'allButLastBlocks': {
      const blocks = number(f.freezeBlocks, 'surgery.freeze', errors, 'int');
      return blocks === undefined ? undefined : { kind: 'allButLastBlocks', blocks };
    }
    case 'layers':
      if (f.freezeLayers.length === 0) {
        errors['surgery.freeze'] = 'pick the layers to freeze on the layer strip';
        return undefined;
      }
      return { kind: 'layers', names: f.freezeLayers };
  }
}
