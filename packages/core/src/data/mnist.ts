import { createRequire } from 'node:module';
import { InvalidSpecError } from '../errors.js';
import type { ImageSet } from './types.js';

/** Side of an MNIST digit image in pixels. */
export const MNIST_SIZE = 28;
const PIXELS_PER_IMAGE = MNIST_SIZE * MNIST_SIZE;

/** The part of the `mnist` package (CommonJS) that is used here: one entry per digit 0..9. */
interface MnistDigit {
  id: number;
  /** Number of samples of this digit. */
  length: number;
  /** `length * 784` floats in [0, 1], sample after sample, row-major. */
  raw: ArrayLike<number>;
}

let cached: MnistDigit[] | undefined;

function mnistDigits(): MnistDigit[] {
  if (!cached) {
    const mod = createRequire(import.meta.url)('mnist') as ArrayLike<MnistDigit>;
    const digits: MnistDigit[] = [];
    for (let d = 0; d < 10; d++) {
      const digit = mod[d];
      if (!digit || digit.raw.length !== digit.length * PIXELS_PER_IMAGE) {
        throw new Error(`the 'mnist' package does not have the expected data for digit ${d}`);
      }
      digits.push(digit);
    }
    cached = digits;
  }
  return cached;
}

/** Arguments of {@link loadMnistDigits}. */
export interface LoadMnistDigitsArgs {
  /**
   * Digits to load (each an integer 0..9, duplicates ignored). Classes are these digits as strings,
   * in ascending order, e.g. `[9, 5]` gives classes `['5', '9']`. Default: all ten, 0..9.
   */
  digits?: number[];
  /**
   * Maximum number of images. Images are ordered round-robin over the classes (first sample of each
   * digit, then the second of each, ...), so a limit keeps the classes balanced for as long as every
   * class has samples left. Default: no limit (all samples of the chosen digits; 10,000 for 0..9).
   */
  limit?: number;
}

/**
 * Loads the 10,000 labelled 28x28 MNIST digits shipped by the `mnist` package as an {@link ImageSet}
 * of shape [28, 28, 1], pixels `round(v * 255)`.
 *
 * The order is deterministic: round-robin over the chosen digits (ascending), sample by sample.
 * `sources[i]` is `mnist#<index>`, where `index` is the image's position in the package's whole
 * collection taken digit by digit (all 0s, then all 1s, ...), so it does not depend on the filter.
 */
export function loadMnistDigits(args: LoadMnistDigitsArgs = {}): ImageSet {
  const all = mnistDigits();
  const requested = args.digits ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  for (const d of requested) {
    if (!Number.isInteger(d) || d < 0 || d > 9) {
      throw new InvalidSpecError(
        `MNIST digits must be integers 0..9, got ${String(d)}`,
        'data.digits',
      );
    }
  }
  const digits = [...new Set(requested)].sort((a, b) => a - b);
  if (digits.length === 0) {
    throw new InvalidSpecError('at least one MNIST digit must be chosen', 'data.digits');
  }
  const { limit } = args;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new InvalidSpecError(
      `limit must be a non-negative integer, got ${String(limit)}`,
      'data.limit',
    );
  }

  // Offset of each digit's first sample in the package's digit-by-digit order.
  const offsets: number[] = [];
  let acc = 0;
  for (const digit of all) {
    offsets.push(acc);
    acc += digit.length;
  }

  const chosen = digits.map((d) => all[d]!);
  const available = chosen.reduce((n, d) => n + d.length, 0);
  const count = Math.min(available, limit ?? available);
  const maxLength = Math.max(...chosen.map((d) => d.length));

  const pixels = new Uint8Array(count * PIXELS_PER_IMAGE);
  const labels = new Int32Array(count);
  const sources: string[] = new Array<string>(count);
  let n = 0;
  outer: for (let sample = 0; sample < maxLength; sample++) {
    for (let label = 0; label < chosen.length; label++) {
      if (n >= count) break outer;
      const digit = chosen[label]!;
      if (sample >= digit.length) continue;
      const raw = digit.raw;
      const start = sample * PIXELS_PER_IMAGE;
      const out = n * PIXELS_PER_IMAGE;
      for (let p = 0; p < PIXELS_PER_IMAGE; p++) {
        const v = raw[start + p]!;
        pixels[out + p] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
      }
      labels[n] = label;
      sources[n] = `mnist#${offsets[digit.id]! + sample}`;
      n++;
    }
  }

  const isAll = digits.length === 10;
  const contiguous = digits.every((d, i) => i === 0 || d === digits[i - 1]! + 1);
  const filter = isAll
    ? ''
    : contiguous && digits.length > 1
      ? `[${digits[0]}-${digits[digits.length - 1]}]`
      : `[${digits.join(',')}]`;
  return {
    name: `mnist${filter}${limit !== undefined && count < available ? `:${count}` : ''}`,
    classes: digits.map(String),
    imageShape: [MNIST_SIZE, MNIST_SIZE, 1],
    pixels,
    labels,
    count,
    sources,
  };
}
