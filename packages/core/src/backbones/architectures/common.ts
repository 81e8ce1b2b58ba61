import * as tf from '@tensorflow/tfjs';
import { InvalidSpecError } from '../../errors.js';
import type { ArchitectureArgs } from './types.js';

/** ArchitectureArgs with every default applied and validated. */
export interface ResolvedArchitectureArgs {
  inputShape: [number, number, number];
  numClasses: number;
  includeTop: boolean;
  seed: number;
}

export interface ArchitectureDefaults {
  /** Display name used in error messages, e.g. `VGG16`. */
  name: string;
  inputShape: [number, number, number];
  numClasses: number;
  minInputSize: number;
}

/** Default seed of every builder. */
export const DEFAULT_SEED = 42;

/**
 * Applies the defaults and validates the args before anything is built (so that an error leaves
 * no half-built layers or weights behind). Throws an InvalidSpecError naming the field.
 */
export function resolveArgs(
  args: ArchitectureArgs | undefined,
  d: ArchitectureDefaults,
): ResolvedArchitectureArgs {
  const inputShape = args?.inputShape ?? d.inputShape;
  if (
    !Array.isArray(inputShape) ||
    inputShape.length !== 3 ||
    !inputShape.every((n) => Number.isInteger(n) && n > 0)
  ) {
    throw new InvalidSpecError(
      `${d.name}: inputShape must be [height, width, channels] of positive integers, got ${JSON.stringify(inputShape)}`,
      'inputShape',
    );
  }
  const [h, w] = inputShape;
  if (h < d.minInputSize || w < d.minInputSize) {
    throw new InvalidSpecError(
      `${d.name} needs an input of at least ${d.minInputSize}x${d.minInputSize} pixels ` +
        `(minimum input size ${d.minInputSize}), got ${h}x${w}`,
      'inputShape',
    );
  }
  const numClasses = args?.numClasses ?? d.numClasses;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new InvalidSpecError(
      `${d.name}: numClasses must be a positive integer, got ${numClasses}`,
      'numClasses',
    );
  }
  const seed = args?.seed ?? DEFAULT_SEED;
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidSpecError(`${d.name}: seed must be an integer, got ${seed}`, 'seed');
  }
  return { inputShape: [...inputShape], numClasses, includeTop: args?.includeTop ?? true, seed };
}

type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;

/**
 * Hands out one seed per layer: `seed + index`, index counting the seeded layers in construction
 * order. Construction order is fixed, so the same seed always builds the same weights.
 */
export class LayerSeeds {
  private index = 0;

  constructor(private readonly seed: number) {}

  /** The next layer's seed. */
  next(): number {
    return this.seed + this.index++;
  }

  /** Keras' default kernel initializer (glorot_uniform), seeded with the next layer's seed. */
  kernel(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.next() });
  }
}

/** Applies a layer to one symbolic tensor (or a list of them) and returns its one output. */
export function apply(
  layer: tf.layers.Layer,
  input: tf.SymbolicTensor | tf.SymbolicTensor[],
): tf.SymbolicTensor {
  const out = layer.apply(input);
  if (Array.isArray(out) || !(out instanceof tf.SymbolicTensor)) {
    throw new Error(`layer ${layer.name} did not produce one symbolic tensor`);
  }
  return out;
}

/** The image input layer, named `input`. */
export function imageInput(shape: [number, number, number]): tf.SymbolicTensor {
  return tf.input({ shape, name: 'input', dtype: 'float32' });
}
