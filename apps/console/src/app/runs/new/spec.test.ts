import { loadBackbone } from '@graft/core/backbones';
import { validateSurgerySpec } from '@graft/core/surgery';
import { validateTrainSpec } from '@graft/core/training';
import { describe, expect, it } from 'vitest';
import { buildSpecs, DEFAULTS, type BackboneShape, type RunForm } from './spec';

const LENET: BackboneShape = {
  inputShape: [28, 28, 1],
  lastFeatureLayer: 'flatten',
  blockEnds: ['pool1', 'flatten'],
  layerNames: ['input', 'conv1', 'pool1', 'conv2', 'pool2', 'flatten', 'fc1', 'dropout'],
};

/** The form as New run opens it on LeNet (what `formFor` fills in). */
const form = (patch: Partial<RunForm> = {}): RunForm => ({
  backboneId: 'b',
  datasetId: 'd',
  mode: 'feature-extraction',
  inputHeight: '28',
  inputWidth: '28',
  cutAt: 'flatten',
  freezeKind: 'allButLastBlocks',
  freezeUpTo: '',
  freezeBlocks: DEFAULTS.freezeBlocks,
  freezeLayers: [],
  pooling: 'avg',
  denseUnits: '',
  headDropout: '0',
  learningRate: DEFAULTS.learningRate,
  epochs: DEFAULTS.epochs,
  fineTuneLearningRate: DEFAULTS.fineTuneLearningRate,
  fineTuneEpochs: DEFAULTS.fineTuneEpochs,
  allowHighLearningRate: false,
  batchSize: DEFAULTS.batchSize,
  seed: DEFAULTS.seed,
  earlyStopping: true,
  tags: '',
  ...patch,
});

describe('buildSpecs', () => {
  it('sends only what differs from the backbone for a default feature-extraction run', () => {
    const { surgery, train, errors } = buildSpecs(form(), LENET);
    expect(errors).toEqual({});
    expect(surgery).toEqual({ head: { pooling: 'avg', dropout: 0 } });
    expect(train).toEqual({
      mode: 'feature-extraction',
      epochs: 10,
      learningRate: 0.001,
      batchSize: 32,
      seed: 42,
    });
  });

  it('builds a fine-tuning run: freeze point, phase-2 epochs and rate, no early stopping', () => {
    const { surgery, train, errors } = buildSpecs(
      form({
        mode: 'fine-tuning',
        freezeKind: 'upTo',
        freezeUpTo: 'pool1',
        fineTuneLearningRate: '0.0001',
        fineTuneEpochs: '3',
        earlyStopping: false,
        denseUnits: '32',
        inputHeight: '32',
        inputWidth: '30',
      }),
      LENET,
    );
    expect(errors).toEqual({});
    expect(surgery).toEqual({
      inputShape: [32, 30, 1],
      freeze: { kind: 'upTo', layer: 'pool1' },
      head: { pooling: 'avg', dense: [{ units: 32 }], dropout: 0 },
    });
    expect(train).toMatchObject({
      mode: 'fine-tuning',
      earlyStopping: false,
      fineTune: { epochs: 3, learningRate: 0.0001 },
    });
    expect(train.allowHighLearningRate).toBeUndefined();
  });

  it('keeps the freeze and the phase-2 settings out of a feature-extraction run', () => {
    const { surgery, train } = buildSpecs(
      form({ freezeKind: 'upTo', freezeUpTo: 'conv2', allowHighLearningRate: true }),
      LENET,
    );
    expect(surgery.freeze).toBeUndefined();
    expect(train.fineTune).toBeUndefined();
    expect(train.allowHighLearningRate).toBeUndefined();
  });

  it('sends a cut other than the default, and the other freeze kinds', () => {
    expect(buildSpecs(form({ cutAt: 'pool2' }), LENET).surgery.cutAt).toBe('pool2');
    const blocks = buildSpecs(form({ mode: 'fine-tuning', freezeBlocks: '2' }), LENET).surgery;
    expect(blocks.freeze).toEqual({ kind: 'allButLastBlocks', blocks: 2 });
    const layers = buildSpecs(
      form({ mode: 'fine-tuning', freezeKind: 'layers', freezeLayers: ['conv1', 'conv2'] }),
      LENET,
    ).surgery;
    expect(layers.freeze).toEqual({ kind: 'layers', names: ['conv1', 'conv2'] });
  });

  it('puts what is not a number on the API’s field paths', () => {
    const { errors } = buildSpecs(
      form({
        mode: 'fine-tuning',
        epochs: 'ten',
        batchSize: '2.5',
        learningRate: '1e-3x',
        fineTuneEpochs: '1.5',
        denseUnits: '0',
        inputHeight: 'x',
      }),
      LENET,
    );
    expect(errors).toEqual({
      'train.epochs': 'ten is not a number',
      'train.batchSize': '2.5 is not a whole number',
      'train.learningRate': '1e-3x is not a number',
      'train.fineTune.epochs': '1.5 is not a whole number',
      'surgery.head.dense.0.units': 'leave empty for no hidden layer, or give at least 1',
      'surgery.inputShape': 'x is not a number',
    });
  });

  it('asks for the freeze point when none is picked on the strip', () => {
    expect(
      buildSpecs(form({ mode: 'fine-tuning', freezeKind: 'upTo' }), LENET).errors,
    ).toMatchObject({ 'surgery.freeze': expect.stringMatching(/last frozen layer/) });
    expect(
      buildSpecs(form({ mode: 'fine-tuning', freezeKind: 'layers' }), LENET).errors,
    ).toMatchObject({ 'surgery.freeze': expect.stringMatching(/layers to freeze/) });
  });

  it('builds specs that core itself accepts, on the real LeNet backbone', async () => {
    const bb = await loadBackbone({ source: 'lenet5-mnist04' });
    for (const f of [
      form(),
      form({ mode: 'fine-tuning', freezeKind: 'upTo', freezeUpTo: 'conv2', denseUnits: '8' }),
      form({
        mode: 'fine-tuning',
        freezeBlocks: '2',
        cutAt: 'pool2',
        fineTuneLearningRate: '1e-4',
      }),
    ]) {
      const { surgery, train, errors } = buildSpecs(f, {
        inputShape: bb.inputShape,
        lastFeatureLayer: bb.lastFeatureLayer,
        blockEnds: bb.blockEnds,
        layerNames: bb.layerNames,
      });
      expect(errors).toEqual({});
      // The API fills in the head's classes from the dataset.
      const spec = { ...surgery, head: { ...surgery.head, classes: ['5', '6'] } };
      expect(() => validateSurgerySpec(bb, spec)).not.toThrow();
      expect(() => validateTrainSpec(train, spec)).not.toThrow();
    }
  });
});
