import * as tf from '@tensorflow/tfjs';
import { fusedBatchNormGradConfig } from './batchNormGrad.js';
import {
  conv2dBackpropFilterByConv,
  type Conv2DBackpropFilterAttrs,
} from './conv2dBackpropFilter.js';
import { conv2dBackpropInputByConv, type Conv2DBackpropInputAttrs } from './conv2dBackpropInput.js';
import {
  depthwiseBackpropFilterByOps,
  depthwiseBackpropInputByConv,
  type DepthwiseBackpropFilterAttrs,
  type DepthwiseBackpropInputAttrs,
} from './depthwiseBackprop.js';
import { maxPoolGradByTaps, type MaxPoolGradAttrs } from './maxPoolGrad.js';
import { batchMatMulTransposingFirst, type BatchMatMulAttrs } from './batchMatMul.js';

type Tensors = Record<string, tf.Tensor4D>;
/** Runs the kernel tfjs registered before Graft's (where it has one) on other inputs and attrs. */
type Original = (inputs: Record<string, tf.Tensor>, attrs: unknown) => tf.Tensor;

/** Graft's gradient kernels: what each computes with, and on which backends it replaces tfjs'. */
export const trainingKernels: readonly {
  kernelName: string;
  /** Backends it is registered on (where tfjs lacks the kernel or its kernel is much slower). */
  backends: readonly string[];
  run: (inputs: Tensors, attrs: unknown, original?: Original) => tf.Tensor;
}[] = [
  {
    kernelName: 'Conv2DBackpropFilter',
    backends: ['wasm', 'cpu'],
    run: (i, a) => conv2dBackpropFilterByConv(i.x!, i.dy!, a as Conv2DBackpropFilterAttrs),
  },
  {
    kernelName: 'Conv2DBackpropInput',
    // cpu's own loop is faster than a cpu convolution of the zero-inserted dy: kept there.
    backends: ['wasm'],
    run: (i, a) => conv2dBackpropInputByConv(i.dy!, i.filter!, a as Conv2DBackpropInputAttrs),
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropFilter',
    // One depthwise convolution: 2-4x faster than cpu's own loops too (see the kernels bench).
    backends: ['wasm', 'cpu'],
    run: (i, a) => depthwiseBackpropFilterByOps(i.x!, i.dy!, a as DepthwiseBackpropFilterAttrs),
  },
  {
    kernelName: 'DepthwiseConv2dNativeBackpropInput',
    // cpu's own loop is faster than a cpu depthwise convolution of the zero-inserted dy: kept there.
    backends: ['wasm'],
    run: (i, a) => depthwiseBackpropInputByConv(i.dy!, i.filter!, a as DepthwiseBackpropInputAttrs),
  },
  {
    kernelName: 'MaxPoolGrad',
    // tfjs' wasm kernel misroutes the gradient of windows whose values are all <= 0 (see
    // maxPoolGradByTaps); cpu's loop is right and kept.
    backends: ['wasm'],
    run: (i, a) => maxPoolGradByTaps(i.dy!, i.input!, i.output!, a as MaxPoolGradAttrs),
  },
  {
    kernelName: 'BatchMatMul',
    // wasm multiplies a transposed operand outside XNNPACK, 8-15x slower: every Dense/MatMul
    // gradient is such a product. Transposed first, then wasm's own kernel multiplies.
    backends: ['wasm'],
    run: (i, a, original) =>
      batchMatMulTransposingFirst(i.a!, i.b!, a as BatchMatMulAttrs, (x, y) =>
        original!({ a: x, b: y }, { ...(a as object), transposeA: false, transposeB: false }),
      ),
  },
];

const originals = new Map<string, tf.KernelConfig>();

/**
 * The kernel tfjs itself registered for `kernelName` on `backend` before Graft replaced it
 * (undefined where tfjs has none, e.g. depthwise gradients on wasm). For tests and benches.
 */
export function originalKernel(kernelName: string, backend: string): tf.KernelConfig | undefined {
  registerTrainingKernels();
  const ours = trainingKernels.some(
    (k) => k.kernelName === kernelName && k.backends.includes(backend),
  );
  return ours ? originals.get(`${kernelName}|${backend}`) : tf.getKernel(kernelName, backend);
}

let registered = false;
let originalBatchNormGrad: tf.GradConfig | undefined;

/** tfjs' own FusedBatchNorm gradient, which {@link registerTrainingKernels} replaces (for tests). */
export function originalFusedBatchNormGrad(): tf.GradConfig | undefined {
  registerTrainingKernels();
  return originalBatchNormGrad;
}

/**
 * Registers Graft's gradient kernels ({@link trainingKernels}): lowered to forward convolutions,
 * strided slices and matrix products, which wasm runs with XNNPACK, they fill the gradients the
 * wasm backend lacks, replace the cpu backend's naive loops (~9 M multiply-adds/s) and wasm's
 * faulty MaxPoolGrad. tfjs' originals stay reachable through {@link originalKernel}. Also
 * replaces tfjs' FusedBatchNorm gradient with {@link fusedBatchNormGradConfig} (same function, no
 * full-size Tile). Idempotent.
 */
export function registerTrainingKernels(): void {
  if (registered) return;
  registered = true;
  originalBatchNormGrad = tf.getGradient('FusedBatchNorm');
  tf.registerGradient(fusedBatchNormGradConfig);
  for (const k of trainingKernels) {
    for (const backendName of k.backends) {
      const original = tf.getKernel(k.kernelName, backendName);
      if (original) {
        originals.set(`${k.kernelName}|${backendName}`, original);
        tf.unregisterKernel(k.kernelName, backendName);
      }
      tf.registerKernel({
        kernelName: k.kernelName,
        backendName,
        kernelFunc: (args) =>
          k.run(
            args.inputs as Tensors,
            args.attrs,
            original &&
              ((inputs, attrs) =>
                original.kernelFunc({
                  ...args,
                  inputs: inputs as tf.NamedTensorInfoMap,
                  attrs: attrs as tf.NamedAttrMap,
                }) as tf.Tensor),
          ) as unknown as tf.TensorInfo,
        // The original's setup binds what its kernel function calls (wasm's C functions): it
        // must run when the backend starts, also when only Graft's kernel is registered.
        ...(original?.setupFunc ? { setupFunc: original.setupFunc } : {}),
        ...(original?.disposeFunc ? { disposeFunc: original.disposeFunc } : {}),
      });
    }
  }
}

/**
 * Runs `fn` with tfjs' own gradient kernels registered on `backend` instead of Graft's (where
 * tfjs has one) and with tfjs' own FusedBatchNorm gradient, then restores Graft's: the state
 * before Graft, for benches, and an independent reference for tests. Gradients are registered
 * per process, not per backend, so while `fn` runs every backend differentiates FusedBatchNorm
 * with tfjs' function; do not run other training concurrently.
 */
export async function withOriginalKernels<T>(backend: string, fn: () => Promise<T>): Promise<T> {
  registerTrainingKernels();
  const swapped = trainingKernels.filter(
    (k) => k.backends.includes(backend) && originals.has(`${k.kernelName}|${backend}`),
  );
  const ours = swapped.map((k) => tf.getKernel(k.kernelName, backend)!);
  // An original unregistered before its backend started never ran its setup (wasm kernels bind
  // their C function there); running it again is harmless.
  const instance = swapped.length ? tf.findBackend(backend) : null;
  for (const k of swapped) {
    const original = originals.get(`${k.kernelName}|${backend}`)!;
    tf.unregisterKernel(k.kernelName, backend);
    tf.registerKernel(original);
    if (instance) original.setupFunc?.(instance);
  }
  if (originalBatchNormGrad) tf.registerGradient(originalBatchNormGrad);
  try {
    return await fn();
  } finally {
    for (const [i, k] of swapped.entries()) {
      tf.unregisterKernel(k.kernelName, backend);
      tf.registerKernel(ours[i]!);
    }
    tf.registerGradient(fusedBatchNormGradConfig);
  }
}
