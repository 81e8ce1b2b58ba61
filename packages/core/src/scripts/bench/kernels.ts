/**
 * Gradient kernels: Graft's (src/kernels, registered by `registerTrainingKernels`) against the
 * kernels tfjs itself registered (the cpu backend's, and wasm's where it has one), on shapes of
 * the fine-tuning workloads (MobileNetV2's top blocks at 160x160, a 3x3 convolution of a
 * ResNet/VGG block). Each figure is the best of a few calls after a warm-up call.
 */
import * as tf from '@tensorflow/tfjs';
import { useBackend, type BackendName } from '../../backend.js';
import { originalKernel, trainingKernels } from '../../kernels/register.js';
import { emit, log, round } from './report.js';

interface KernelCase {
  kernel: string;
  label: string;
  /** Input shapes by input name. */
  inputs: Record<string, number[]>;
  attrs: Record<string, unknown>;
  /** Multiply-adds of the gradient (for the rates). */
  macs: number;
}

function convCase(
  kernel: 'Conv2DBackpropFilter' | 'Conv2DBackpropInput',
  label: string,
  x: [number, number, number, number],
  k: number,
  co: number,
  stride: number,
  pad: 'same' | 'valid',
): KernelCase {
  const filterShape = [k, k, x[3], co] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(x, filterShape, stride, 1, pad);
  const dy = [x[0], info.outHeight, info.outWidth, co];
  const macs = x[0] * info.outHeight * info.outWidth * k * k * x[3] * co;
  const common = { strides: stride, pad, dataFormat: 'NHWC' };
  return kernel === 'Conv2DBackpropFilter'
    ? { kernel, label, inputs: { x, dy }, attrs: { ...common, filterShape }, macs }
    : {
        kernel,
        label,
        inputs: { dy, filter: filterShape },
        attrs: { ...common, inputShape: x },
        macs,
      };
}

function depthwiseCase(
  kernel: 'DepthwiseConv2dNativeBackpropFilter' | 'DepthwiseConv2dNativeBackpropInput',
  label: string,
  x: [number, number, number, number],
  k: number,
  stride: number,
  pad: 'same' | 'valid',
): KernelCase {
  const filterShape = [k, k, x[3], 1] as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(x, filterShape, stride, 1, pad, undefined, true);
  const dy = [x[0], info.outHeight, info.outWidth, x[3]];
  const macs = x[0] * info.outHeight * info.outWidth * k * k * x[3];
  const common = { strides: stride, pad, dilations: 1 };
  return kernel === 'DepthwiseConv2dNativeBackpropFilter'
    ? { kernel, label, inputs: { x, dy }, attrs: { ...common, filterShape }, macs }
    : {
        kernel,
        label,
        inputs: { dy, filter: filterShape },
        attrs: { ...common, inputShape: x },
        macs,
      };
}

/** The shapes benched: MobileNetV2 at 160x160 (top blocks at 5x5, block 13's stride-2 depthwise) and a 3x3 conv. */
export function kernelCases(quick: boolean): KernelCase[] {
  const b = quick ? 8 : 32;
  return [
    convCase(
      'Conv2DBackpropFilter',
      'mbv2 block_16_project 1x1 960->320',
      [b, 5, 5, 960],
      1,
      320,
      1,
      'same',
    ),
    convCase('Conv2DBackpropFilter', '3x3 conv 128->128', [8, 14, 14, 128], 3, 128, 1, 'same'),
    convCase(
      'Conv2DBackpropFilter',
      '3x3 conv 64->128 stride 2',
      [8, 15, 15, 64],
      3,
      128,
      2,
      'same',
    ),
    convCase(
      'Conv2DBackpropInput',
      'mbv2 block_16_project 1x1 960->320',
      [b, 5, 5, 960],
      1,
      320,
      1,
      'same',
    ),
    convCase('Conv2DBackpropInput', '3x3 conv 128->128', [8, 14, 14, 128], 3, 128, 1, 'same'),
    convCase(
      'Conv2DBackpropInput',
      '3x3 conv 64->128 stride 2',
      [8, 15, 15, 64],
      3,
      128,
      2,
      'same',
    ),
    depthwiseCase(
      'DepthwiseConv2dNativeBackpropFilter',
      'mbv2 block_16_depthwise 3x3 960',
      [b, 5, 5, 960],
      3,
      1,
      'same',
    ),
    depthwiseCase(
      'DepthwiseConv2dNativeBackpropFilter',
      'mbv2 block_13_depthwise 3x3 576 stride 2',
      [b, 10, 10, 576],
      3,
      2,
      'same',
    ),
    depthwiseCase(
      'DepthwiseConv2dNativeBackpropInput',
      'mbv2 block_16_depthwise 3x3 960',
      [b, 5, 5, 960],
      3,
      1,
      'same',
    ),
    depthwiseCase(
      'DepthwiseConv2dNativeBackpropInput',
      'mbv2 block_13_depthwise 3x3 576 stride 2',
      [b, 10, 10, 576],
      3,
      2,
      'same',
    ),
  ];
}

/** Best of `repeats` timed calls (ms) of `f` on the active backend, after one untimed call. */
function timeKernel(f: () => tf.TensorInfo, repeats: number): number {
  const backend = tf.backend();
  const once = (): number => {
    const t0 = performance.now();
    const out = f();
    backend.readSync(out.dataId); // forces the work to finish
    const ms = performance.now() - t0;
    if (out instanceof tf.Tensor) out.dispose();
    else backend.disposeData(out.dataId);
    return ms;
  };
  once();
  let best = Infinity;
  for (let r = 0; r < repeats; r++) best = Math.min(best, once());
  return best;
}

/** Times one tfjs-registered kernel function on `backend` (undefined where tfjs has none). */
function timeOriginal(
  c: KernelCase,
  backend: BackendName,
  tensors: Record<string, tf.Tensor>,
  repeats: number,
): number | undefined {
  const k = originalKernel(c.kernel, backend);
  if (!k) return undefined;
  const be = tf.backend();
  // The wasm backend binds its C++ functions when it starts; a kernel unregistered before that missed it.
  k.setupFunc?.(be);
  return timeKernel(
    () =>
      k.kernelFunc({
        inputs: tensors,
        attrs: c.attrs as tf.NamedAttrMap,
        backend: be,
      }) as tf.TensorInfo,
    repeats,
  );
}

/** Times Graft's implementation of the kernel on the active backend (registered there or not). */
function timeOurs(c: KernelCase, tensors: Record<string, tf.Tensor>, repeats: number): number {
  const k = trainingKernels.find((t) => t.kernelName === c.kernel)!;
  return timeKernel(() => k.run(tensors as Record<string, tf.Tensor4D>, c.attrs), repeats);
}

export async function benchKernels(opts: { quick: boolean }): Promise<void> {
  for (const c of kernelCases(opts.quick)) {
    const ms: Record<string, number | undefined> = {};
    for (const backend of ['wasm', 'cpu'] as const) {
      await useBackend(backend);
      const tensors: Record<string, tf.Tensor> = {};
      let seed = 1;
      for (const [name, shape] of Object.entries(c.inputs))
        tensors[name] = tf.randomNormal(shape, 0, 1, 'float32', seed++);
      // The cpu originals run at a few M multiply-adds/s: one timed call is plenty there.
      const slow = backend === 'cpu' ? 1 : 3;
      ms[`ours_${backend}`] = timeOurs(c, tensors, 3);
      ms[`original_${backend}`] = timeOriginal(c, backend, tensors, slow);
      tf.dispose(Object.values(tensors));
    }
    const registeredOn = trainingKernels.find((t) => t.kernelName === c.kernel)!.backends;
    const rec = {
      kernel: c.kernel,
      /** Backends where Graft's kernel replaces tfjs' (elsewhere tfjs' is faster, or the only one). */
      registeredOn,
      shape: c.label,
      inputs: c.inputs,
      mmacs: round(c.macs / 1e6, 1),
      oursWasmMs: round(ms.ours_wasm!, 2),
      oursCpuMs: round(ms.ours_cpu!, 2),
      originalCpuMs: round(ms.original_cpu!, 2),
      originalWasmMs: ms.original_wasm === undefined ? null : round(ms.original_wasm, 2),
      speedupWasmVsOriginalCpu: round(ms.original_cpu! / ms.ours_wasm!, 1),
      speedupCpuVsOriginalCpu: round(ms.original_cpu! / ms.ours_cpu!, 1),
      speedupWasmVsOriginalWasm:
        ms.original_wasm === undefined ? null : round(ms.original_wasm / ms.ours_wasm!, 2),
    };
    log(
      `${c.kernel} ${c.label}: ours wasm ${rec.oursWasmMs} ms, ours cpu ${rec.oursCpuMs} ms, ` +
        `original cpu ${rec.originalCpuMs} ms${rec.originalWasmMs === null ? '' : `, original wasm ${rec.originalWasmMs} ms`}`,
    );
    emit('kernel', rec);
  }
}
