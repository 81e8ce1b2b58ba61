import { describe, expect, it } from 'vitest';
import { InvalidSpecError } from '../errors.js';
import { evaluateClassifier, LOSS_EPSILON } from './index.js';

describe('evaluateClassifier', () => {
  // Six samples, three classes. Predictions (argmax) and rank of the true class:
  //   s0 cat  [.7 .2 .1] -> cat  rank 0     s3 dog  [.5 .2 .3] -> cat  rank 2
  //   s1 cat  [.3 .6 .1] -> dog  rank 1     s4 bird [.2 .2 .6] -> bird rank 0
  //   s2 dog  [.1 .8 .1] -> dog  rank 0     s5 bird [.1 .5 .4] -> dog  rank 1
  const classes = ['cat', 'dog', 'bird'];
  const labels = Int32Array.from([0, 0, 1, 1, 2, 2]);
  const probabilities = Float32Array.from([
    0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.1, 0.5, 0.2, 0.3, 0.2, 0.2, 0.6, 0.1, 0.5, 0.4,
  ]);

  it('computes accuracy, top-k, per-class, averages and the confusion matrix', () => {
    const e = evaluateClassifier({ labels, probabilities, classes, topK: [1, 2, 3] });
    expect(e.count).toBe(6);
    expect(e.accuracy).toBeCloseTo(0.5, 12);
    expect(e.confusionMatrix).toEqual([
      [1, 1, 0],
      [1, 1, 0],
      [0, 1, 1],
    ]);
    expect(e.topK.map((t) => t.k)).toEqual([1, 2, 3]);
    expect(e.topK[0]!.accuracy).toBeCloseTo(3 / 6, 12);
    expect(e.topK[1]!.accuracy).toBeCloseTo(5 / 6, 12);
    expect(e.topK[2]!.accuracy).toBeCloseTo(1, 12);

    const [cat, dog, bird] = e.perClass;
    expect(cat).toMatchObject({ className: 'cat', support: 2 });
    expect(cat!.precision).toBeCloseTo(0.5, 12);
    expect(cat!.recall).toBeCloseTo(0.5, 12);
    expect(cat!.f1).toBeCloseTo(0.5, 12);
    expect(dog).toMatchObject({ className: 'dog', support: 2 });
    expect(dog!.precision).toBeCloseTo(1 / 3, 12);
    expect(dog!.recall).toBeCloseTo(0.5, 12);
    expect(dog!.f1).toBeCloseTo(0.4, 12);
    expect(bird).toMatchObject({ className: 'bird', support: 2 });
    expect(bird!.precision).toBeCloseTo(1, 12);
    expect(bird!.recall).toBeCloseTo(0.5, 12);
    expect(bird!.f1).toBeCloseTo(2 / 3, 12);

    expect(e.macro.precision).toBeCloseTo(11 / 18, 12);
    expect(e.macro.recall).toBeCloseTo(0.5, 12);
    expect(e.macro.f1).toBeCloseTo(47 / 90, 12);
    // Equal supports: weighted equals macro.
    expect(e.weighted.precision).toBeCloseTo(11 / 18, 12);
    expect(e.weighted.recall).toBeCloseTo(0.5, 12);
    expect(e.weighted.f1).toBeCloseTo(47 / 90, 12);

    const pTrue = [0.7, 0.3, 0.8, 0.2, 0.6, 0.4].map((p) => Math.fround(p));
    const loss = -pTrue.reduce((s, p) => s + Math.log(p), 0) / 6;
    expect(e.loss).toBeCloseTo(loss, 6);
  });

  it('defaults topK to [1, min(5, k)]', () => {
    expect(evaluateClassifier({ labels, probabilities, classes }).topK.map((t) => t.k)).toEqual([
      1, 3,
    ]);
    const one = evaluateClassifier({
      labels: Int32Array.from([0]),
      probabilities: Float32Array.from([1]),
      classes: ['only'],
    });
    expect(one.topK).toEqual([{ k: 1, accuracy: 1 }]);
  });

  it('gives 0 on zero division and clips the loss', () => {
    // Class 'bird' has no samples and is never predicted; sample 2 gives its true class p = 0.
    const e = evaluateClassifier({
      labels: Int32Array.from([0, 0, 0, 1]),
      probabilities: Float32Array.from([1, 0, 0, 0.5, 0.25, 0.25, 0, 1, 0, 0, 1, 0]),
      classes,
    });
    expect(e.confusionMatrix).toEqual([
      [2, 1, 0],
      [0, 1, 0],
      [0, 0, 0],
    ]);
    expect(e.accuracy).toBeCloseTo(0.75, 12);
    const [cat, dog, bird] = e.perClass;
    expect(cat!.precision).toBeCloseTo(1, 12);
    expect(cat!.recall).toBeCloseTo(2 / 3, 12);
    expect(cat!.f1).toBeCloseTo(0.8, 12);
    expect(dog!.precision).toBeCloseTo(0.5, 12);
    expect(dog!.recall).toBeCloseTo(1, 12);
    expect(dog!.f1).toBeCloseTo(2 / 3, 12);
    expect(bird).toEqual({ className: 'bird', precision: 0, recall: 0, f1: 0, support: 0 });

    expect(e.macro.precision).toBeCloseTo(0.5, 12);
    expect(e.macro.recall).toBeCloseTo(5 / 9, 12);
    expect(e.macro.f1).toBeCloseTo(22 / 45, 12);
    expect(e.weighted.precision).toBeCloseTo(0.875, 12);
    expect(e.weighted.recall).toBeCloseTo(0.75, 12);
    expect(e.weighted.f1).toBeCloseTo((3 * 0.8 + 2 / 3) / 4, 12);

    const clippedOne = -Math.log(1 - LOSS_EPSILON);
    const loss = (clippedOne - Math.log(0.5) - Math.log(LOSS_EPSILON) + clippedOne) / 4;
    expect(Number.isFinite(e.loss)).toBe(true);
    expect(e.loss).toBeCloseTo(loss, 9);
  });

  it('breaks ties towards the lower class index, in argmax and in top-k', () => {
    const e = evaluateClassifier({
      labels: Int32Array.from([1]),
      probabilities: Float32Array.from([0.5, 0.5]),
      classes: ['a', 'b'],
    });
    expect(e.confusionMatrix).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(e.topK).toEqual([
      { k: 1, accuracy: 0 },
      { k: 2, accuracy: 1 },
    ]);
  });

  it('returns zeros and no loss for an empty set', () => {
    const e = evaluateClassifier({
      labels: new Int32Array(0),
      probabilities: new Float32Array(0),
      classes: ['a', 'b'],
    });
    expect(e).toEqual({
      count: 0,
      accuracy: 0,
      topK: [
        { k: 1, accuracy: 0 },
        { k: 2, accuracy: 0 },
      ],
      perClass: [
        { className: 'a', precision: 0, recall: 0, f1: 0, support: 0 },
        { className: 'b', precision: 0, recall: 0, f1: 0, support: 0 },
      ],
      macro: { precision: 0, recall: 0, f1: 0 },
      weighted: { precision: 0, recall: 0, f1: 0 },
      confusionMatrix: [
        [0, 0],
        [0, 0],
      ],
    });
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });

  it('omits a NaN loss, so that the evaluation stays valid JSON', () => {
    const e = evaluateClassifier({
      labels: Int32Array.from([0]),
      probabilities: Float32Array.from([Number.NaN, 0.5]),
      classes: ['a', 'b'],
    });
    expect(e.loss).toBeUndefined();
    expect(e.count).toBe(1);
  });

  it('rejects inconsistent input with a field-level error', () => {
    const bad = (f: () => unknown, field: string) => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidSpecError);
        expect((err as InvalidSpecError).field).toBe(field);
        return;
      }
      throw new Error('expected an error');
    };
    bad(
      () => evaluateClassifier({ labels, probabilities: new Float32Array(5), classes }),
      'probabilities',
    );
    bad(
      () =>
        evaluateClassifier({
          labels: Int32Array.from([3]),
          probabilities: new Float32Array(3),
          classes,
        }),
      'labels',
    );
    bad(() => evaluateClassifier({ labels, probabilities, classes, topK: [4] }), 'topK');
    bad(() => evaluateClassifier({ labels, probabilities, classes, topK: [1.5] }), 'topK');
    bad(
      () =>
        evaluateClassifier({
          labels: new Int32Array(0),
          probabilities: new Float32Array(0),
          classes: [],
        }),
      'classes',
    );
  });
});
