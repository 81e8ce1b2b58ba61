import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../evaluation/index.js';
import type { LayerInfo } from '../surgery/surgery.js';
import { progressLine } from './progress.js';
import {
  describeFreeze,
  formatBytes,
  formatClassMetrics,
  formatConfusionMatrix,
  formatCount,
  formatDuration,
  formatLayerTable,
  formatShape,
  formatTable,
  truncate,
} from './table.js';

describe('formatTable', () => {
  it('aligns columns, right-aligns numbers and trims trailing spaces', () => {
    const lines = formatTable({
      columns: [{ header: 'name' }, { header: 'n', align: 'right' }, { header: 'note' }],
      rows: [
        ['a', '1', ''],
        ['longer', '1,000', 'x'],
      ],
    });
    expect(lines).toEqual(['name        n  note', 'a           1', 'longer  1,000  x']);
  });

  it('shrinks shrinkable columns with an ellipsis to fit maxWidth', () => {
    const lines = formatTable({
      maxWidth: 20,
      columns: [
        { header: 'name', shrink: true, min: 4 },
        { header: 'value', align: 'right' },
      ],
      rows: [['a_very_long_layer_name_indeed', '12']],
    });
    expect(lines).toEqual(['name           value', 'a_very_long_…     12']);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(20);
  });

  it('stops shrinking at a column minimum', () => {
    const lines = formatTable({
      maxWidth: 5,
      columns: [{ header: 'h', shrink: true, min: 6 }],
      rows: [['abcdefghij']],
    });
    expect(lines[1]).toBe('abcde…');
  });
});

describe('value formatting', () => {
  it('formats counts, shapes, durations and sizes', () => {
    expect(formatCount(2257984)).toBe('2,257,984');
    expect(formatCount(0)).toBe('0');
    expect(formatShape([3, 3, 1280])).toBe('3x3x1280');
    expect(formatShape([-1, 10])).toBe('?x10');
    expect(formatShape([])).toBe('scalar');
    expect(formatDuration(4.4)).toBe('4s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(Infinity)).toBe('?');
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(12_345)).toBe('12.3 kB');
    expect(formatBytes(8_912_345)).toBe('8.9 MB');
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });

  it('describes freezes in words', () => {
    expect(describeFreeze({ kind: 'all' })).toBe('the whole backbone');
    expect(describeFreeze({ kind: 'allButLastBlocks', blocks: 2 })).toBe(
      'all but the last 2 blocks',
    );
    expect(describeFreeze({ kind: 'upTo', layer: 'conv2' })).toBe("up to and including 'conv2'");
    expect(describeFreeze({ kind: 'pattern', pattern: '^block_1' })).toBe(
      'layers matching /^block_1/',
    );
  });
});

describe('formatLayerTable', () => {
  const layer = (
    name: string,
    className: string,
    outputShape: number[],
    params: number,
    trainable: boolean,
    origin: LayerInfo['origin'] = 'backbone',
  ): LayerInfo => ({
    name,
    className,
    outputShape,
    params,
    trainable,
    origin,
  });
  const layers = [
    layer('input_1', 'InputLayer', [96, 96, 3], 0, false),
    layer(
      'block_16_depthwise_relu_with_a_name_much_too_long_for_the_table',
      'BatchNormalization',
      [3, 3, 960],
      3840,
      false,
    ),
    layer('out_relu', 'ReLU', [3, 3, 1280], 0, true),
    layer('head_pool', 'GlobalAveragePooling2D', [1280], 0, true, 'head'),
    layer('head_predictions', 'Dense', [2], 2562, true, 'head'),
  ];

  it('marks the cut layer, fits in 100 columns and keeps the columns aligned', () => {
    const lines = formatLayerTable(layers, 'out_relu');
    expect(lines[0]).toMatch(/^\s+#\s+layer\s+class\s+output\s+params\s+trains\s+origin$/);
    expect(lines).toHaveLength(6);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    expect(lines[1]).toMatch(/^ {3}0 {2}input_1 +InputLayer +96x96x3 +0 {2}- +backbone$/);
    expect(lines[2]).toContain('…');
    expect(lines[3]).toMatch(/^> +2 {2}out_relu +ReLU +3x3x1280 +0 {2}yes +backbone$/);
    expect(lines[5]).toMatch(/head_predictions +Dense +2 +2,562 {2}yes +head$/);
    // Every row has its params column ending at the same position.
    const end = lines[0]!.indexOf('params') + 'params'.length;
    for (const l of lines.slice(1)) expect(l.slice(end - 1, end)).toMatch(/\d/);
  });
});

describe('evaluation tables', () => {
  const evaluation: Evaluation = {
    count: 10,
    accuracy: 0.8,
    topK: [{ k: 1, accuracy: 0.8 }],
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
  };

  it('formats per-class metrics with averages', () => {
    expect(formatClassMetrics(evaluation)).toEqual([
      'class         precision  recall      f1  support',
      'cat              0.8000  0.8000  0.8000        5',
      'dog              0.8000  0.8000  0.8000        5',
      'macro avg        0.8000  0.8000  0.8000       10',
      'weighted avg     0.8000  0.8000  0.8000       10',
    ]);
  });

  it('formats the confusion matrix, rows true and columns predicted', () => {
    expect(formatConfusionMatrix(evaluation)).toEqual([
      'true\\pred cat dog',
      'cat         4   1',
      'dog         1   4',
    ]);
  });

  it('keeps a wide confusion matrix within the width by cutting class names', () => {
    const k = 12;
    const wide: Evaluation = {
      ...evaluation,
      perClass: Array.from({ length: k }, (_, i) => ({
        className: `a_rather_long_class_name_${i}`,
        precision: 0,
        recall: 0,
        f1: 0,
        support: 1,
      })),
      confusionMatrix: Array.from({ length: k }, () => Array.from({ length: k }, () => 1)),
    };
    for (const l of formatConfusionMatrix(wide)) expect(l.length).toBeLessThanOrEqual(100);
  });
});

describe('progressLine', () => {
  const p = { phase: 'head', epoch: 1, epochs: 3, imagesPerSec: 1234.5, etaSeconds: 65 };
  it('prints a line when a stage or an epoch ends, nothing in between', () => {
    expect(
      progressLine({ ...p, stage: 'features', phase: 'head:train', batch: 50, batches: 100 }),
    ).toBeUndefined();
    expect(
      progressLine({ ...p, stage: 'features', phase: 'head:train', batch: 100, batches: 100 }),
    ).toBe('features head:train: 100 images, 1235 img/s');
    expect(
      progressLine({ ...p, stage: 'train', batch: 3, batches: 10, loss: 0.5, accuracy: 0.75 }),
    ).toBeUndefined();
    expect(
      progressLine({
        ...p,
        stage: 'train',
        batch: 10,
        batches: 10,
        loss: 0.5,
        accuracy: 0.75,
        valLoss: 0.25,
        valAccuracy: 0.875,
      }),
    ).toBe(
      'train head epoch 1/3: loss 0.5000 acc 0.7500 val_loss 0.2500 val_acc 0.8750 (1235 img/s, ETA 1m05s)',
    );
  });
});
