import { InvalidSpecError } from '../errors.js';

/** Precision, recall and F1 of one class, with its support (number of true samples). */
export interface ClassMetrics {
  className: string;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** Precision, recall and F1 averaged over classes. */
export interface AveragedMetrics {
  precision: number;
  recall: number;
  f1: number;
}

/** Fraction of samples whose true class is among the `k` most probable predictions. */
export interface TopKAccuracy {
  k: number;
  accuracy: number;
}

/**
 * The evaluation of a classifier on one labelled set. Plain JSON (numbers, strings, arrays),
 * so it goes into a `LineageRecord` as is.
 *
 * Zero division gives 0, like scikit-learn's `zero_division=0`: the precision of a class that
 * is never predicted, the recall of a class with no samples, the F1 when precision + recall is
 * 0, and every rate of an empty set.
 */
export interface Evaluation {
  /** Number of samples evaluated. */
  count: number;
  /** Top-1 accuracy: argmax of the probabilities equals the label (first index wins ties). */
  accuracy: number;
  /** One entry per requested k, in the order requested. */
  topK: TopKAccuracy[];
  /** One entry per class, in the order of `classes`. */
  perClass: ClassMetrics[];
  /** Unweighted mean over all classes, including classes with no samples. */
  macro: AveragedMetrics;
  /** Mean over classes weighted by support. */
  weighted: AveragedMetrics;
  /** `confusionMatrix[t][p]`: samples of true class `t` predicted as `p`. */
  confusionMatrix: number[][];
  /**
   * Mean categorical cross-entropy `-log(p[label])`, with `p` clipped to `[1e-7, 1 - 1e-7]`
   * (the Keras epsilon) so that one confident mistake stays finite. Absent for an empty set,
   * and when a probability is NaN (so that the evaluation stays valid JSON).
   */
  loss?: number;
}

/** Arguments of {@link evaluateClassifier}. */
export interface EvaluateClassifierArgs {
  /** True class index of each sample, in `[0, classes.length)`. */
  labels: Int32Array;
  /** Predicted class probabilities, `labels.length x classes.length`, row-major. */
  probabilities: Float32Array;
  /** Class names; index `i` names class `i`. At least one. */
  classes: string[];
  /**
   * Values of k for top-k accuracy, each an integer in `[1, classes.length]`.
   * Default `[1, min(5, classes.length)]` (just `[1]` when there is one class).
   */
  topK?: number[];
}

/** Clipping of probabilities in the cross-entropy, the Keras `epsilon()`. */
export const LOSS_EPSILON = 1e-7;

/**
 * Accuracy, top-k accuracy, per-class precision/recall/F1, macro and weighted averages, the
 * confusion matrix and the cross-entropy of a classifier's predicted probabilities.
 * @throws InvalidSpecError when the sizes disagree, a label is out of range or a k is invalid.
 */
export function evaluateClassifier(args: EvaluateClassifierArgs): Evaluation {
  const { labels, probabilities, classes } = args;
  const k = classes.length;
  const n = labels.length;
  if (k < 1) throw new InvalidSpecError('evaluation needs at least one class', 'classes');
  if (probabilities.length !== n * k) {
    throw new InvalidSpecError(
      `probabilities has ${probabilities.length} values; expected labels.length x classes.length ` +
        `= ${n} x ${k} = ${n * k} (row-major, one row per sample)`,
      'probabilities',
    );
  }
  const ks = args.topK ?? (k === 1 ? [1] : [1, Math.min(5, k)]);
  for (const kk of ks) {
    if (!Number.isInteger(kk) || kk < 1 || kk > k) {
      throw new InvalidSpecError(`topK value ${kk} must be an integer in [1, ${k}]`, 'topK');
    }
  }

  const confusion: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  // rankCounts[r]: samples whose true class has rank r (0 = most probable).
  const rankCounts = new Array<number>(k).fill(0);
  let lossSum = 0;
  for (let i = 0; i < n; i++) {
    const t = labels[i]!;
    if (!Number.isInteger(t) || t < 0 || t >= k) {
      throw new InvalidSpecError(
        `label ${t} of sample ${i} is not a class index in [0, ${k})`,
        'labels',
      );
    }
    const row = i * k;
    const pTrue = probabilities[row + t]!;
    let best = 0;
    let bestP = probabilities[row]!;
    // Rank of the true class under a stable descending sort: classes strictly more probable,
    // plus equally probable ones with a lower index. Rank 0 agrees with the argmax below.
    let rank = 0;
    for (let c = 0; c < k; c++) {
      const p = probabilities[row + c]!;
      if (p > bestP) {
        bestP = p;
        best = c;
      }
      if (p > pTrue || (p === pTrue && c < t)) rank++;
    }
    confusion[t]![best]!++;
    rankCounts[rank]!++;
    const clipped = Math.min(Math.max(pTrue, LOSS_EPSILON), 1 - LOSS_EPSILON);
    lossSum -= Math.log(clipped);
  }

  let correct = 0;
  for (let c = 0; c < k; c++) correct += confusion[c]![c]!;

  const topK = ks.map((kk) => {
    let hits = 0;
    for (let r = 0; r < kk; r++) hits += rankCounts[r]!;
    return { k: kk, accuracy: divide(hits, n) };
  });

  const perClass: ClassMetrics[] = classes.map((className, c) => {
    const tp = confusion[c]![c]!;
    let support = 0;
    let predicted = 0;
    for (let j = 0; j < k; j++) {
      support += confusion[c]![j]!;
      predicted += confusion[j]![c]!;
    }
    const precision = divide(tp, predicted);
    const recall = divide(tp, support);
    const f1 = divide(2 * precision * recall, precision + recall);
    return { className, precision, recall, f1, support };
  });

  const macro = average(perClass, () => 1 / k);
  const weighted = average(perClass, (m) => divide(m.support, n));

  const evaluation: Evaluation = {
    count: n,
    accuracy: divide(correct, n),
    topK,
    perClass,
    macro,
    weighted,
    confusionMatrix: confusion,
  };
  if (n > 0 && Number.isFinite(lossSum)) evaluation.loss = lossSum / n;
  return evaluation;
}

/** `a / b`, or 0 when `b` is 0 (scikit-learn's `zero_division=0`). */
function divide(a: number, b: number): number {
  return b === 0 ? 0 : a / b;
}

function average(perClass: ClassMetrics[], weight: (m: ClassMetrics) => number): AveragedMetrics {
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  for (const m of perClass) {
    const w = weight(m);
    precision += w * m.precision;
    recall += w * m.recall;
    f1 += w * m.f1;
  }
  return { precision, recall, f1 };
}
