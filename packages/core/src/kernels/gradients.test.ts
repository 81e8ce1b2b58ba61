import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { originalFusedBatchNormGrad, originalKernel, registerTrainingKernels } from './register.js';

type Shape4 = [number, number, number, number];
type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;

beforeAll(async () => {
  registerTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
});

/** Runs a kernel function on the cpu backend (fresh cpu copies of the inputs); returns its values. */
async function onCpu(
  k: tf.KernelConfig,
  inputs: Record<string, tf.Tensor>,
  attrs: object,
): Promise<Float32Array> {
  const prev = tf.getBackend();
  const values = Object.fromEntries(
    Object.entries(inputs).map(([n, t]) => [n, { shape: t.shape, data: t.dataSync().slice() }]),
  );
  await tf.setBackend('cpu');
  const cpu = tf.backend();
  const copies = Object.fromEntries(
    Object.entries(values).map(([n, v]) => [n, tf.tensor(v.data, v.shape)]),
  );
  const out = k.kernelFunc({
    inputs: copies,
    attrs: attrs as tf.NamedAttrMap,
    backend: cpu,
  }) as tf.TensorInfo;
  const data = (cpu.readSync(out.dataId) as Float32Array).slice();
  cpu.disposeData(out.dataId);
  tf.dispose(Object.values(copies));
  await tf.setBackend(prev);
  return data;
}

/**
 * The forward (depthwise when `m` is set) convolution and its two gradients written from the
 * definition, with tfjs' own padding (`computeConv2DInfo`: TensorFlow's SAME puts the odd pixel
 * at the bottom/right) and dilations. Reference for what tfjs' cpu kernels do not cover (its
 * depthwise gradient loops ignore dilations).
 */
function referenceGrads(
  x: Float32Array,
  xs: Shape4,
  w: Float32Array,
  ws: Shape4,
  dy: Float32Array,
  s: [number, number],
  d: [number, number],
  pad: Pad,
  depthwise: boolean,
): { dx: Float32Array; dw: Float32Array } {
  const info = tf.backend_util.computeConv2DInfo(xs, ws, s, d, pad, undefined, depthwise);
  const [n, h, wd, ci] = xs;
  const [kh, kw, , k4] = ws;
  const co = depthwise ? ci * k4 : k4;
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(w.length);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < info.outHeight; i++)
      for (let j = 0; j < info.outWidth; j++)
        for (let p = 0; p < kh; p++)
          for (let q = 0; q < kw; q++) {
            const r = i * s[0] + p * d[0] - info.padInfo.top;
            const c = j * s[1] + q * d[1] - info.padInfo.left;
            if (r < 0 || r >= h || c < 0 || c >= wd) continue;
            const xo = ((b * h + r) * wd + c) * ci;
            const yo = ((b * info.outHeight + i) * info.outWidth + j) * co;
            for (let a = 0; a < ci; a++)
              for (let o = 0; o < (depthwise ? k4 : co); o++) {
                const wi = ((p * kw + q) * ci + a) * k4 + o;
                const g = dy[yo + (depthwise ? a * k4 + o : o)]!;
                dw[wi]! += x[xo + a]! * g;
                dx[xo + a]! += w[wi]! * g;
              }
          }
  return { dx, dw };
}

/** max |a - b| / max |b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

// float32 sums of up to a few thousand products: 1e-5 of the largest entry.
const TOL = 1e-5;

interface Case {
  x: Shape4;
  k: [number, number];
  /** Output channels (conv2d) or channel multiplier (depthwise). */
  out: number;
  s: [number, number];
  d?: [number, number];
  pad: Pad;
  /** The padding is asymmetric (more at the bottom/right, or explicit): checked below. */
  asymmetric?: true;
}
const grid: Case[] = [
  { x: [2, 7, 7, 3], k: [3, 3], out: 4, s: [1, 1], pad: 'same' },
  // Odd size at stride 2: SAME pads 1 on each side (symmetric; the output is 4x4).
  { x: [2, 7, 7, 3], k: [3, 3], out: 4, s: [2, 2], pad: 'same' },
  // Even size at stride 2: SAME pads 0 at the top/left and 1 at the bottom/right (TensorFlow's
  // asymmetric rule; Keras' MobileNetV2 pads this way by hand before its stride-2 depthwise).
  { x: [2, 8, 8, 3], k: [3, 3], out: 2, s: [2, 2], pad: 'same', asymmetric: true },
  { x: [1, 9, 6, 2], k: [5, 3], out: 3, s: [2, 2], pad: 'valid' }, // input rows no output reads
  { x: [3, 5, 5, 16], k: [1, 1], out: 8, s: [1, 1], pad: 'valid' },
  { x: [2, 6, 6, 8], k: [1, 1], out: 1, s: [2, 2], pad: 'same' },
  // Even kernel, unequal strides: rows pad 1 + 2, columns 0 + 1.
  { x: [1, 10, 9, 2], k: [4, 2], out: 3, s: [3, 2], pad: 'same', asymmetric: true },
  {
    x: [2, 9, 8, 3],
    k: [3, 3],
    out: 2,
    s: [1, 1],
    pad: [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
    asymmetric: true,
  },
  {
    x: [2, 8, 7, 3],
    k: [3, 3],
    out: 2,
    s: [2, 2],
    pad: [
      [0, 0],
      [2, 0],
      [1, 2],
      [0, 0],
    ],
    asymmetric: true,
  },
  { x: [2, 11, 11, 4], k: [3, 3], out: 1, s: [2, 2], pad: 'valid' },
];
const dilated: Case[] = [
  { x: [2, 9, 9, 3], k: [3, 3], out: 1, s: [1, 1], d: [2, 2], pad: 'same' },
  { x: [2, 9, 10, 3], k: [3, 2], out: 2, s: [1, 1], d: [2, 3], pad: 'valid' },
];
const label = (c: Case): string =>
  `x=${c.x.join('x')} k=${c.k.join('x')} out ${c.out} stride ${c.s.join(',')}` +
  `${c.d ? ` dilation ${c.d.join(',')}` : ''} ${typeof c.pad === 'string' ? c.pad : 'explicit'}`;

function inputs(c: Case, depthwise: boolean): { x: tf.Tensor4D; w: tf.Tensor4D; dy: tf.Tensor4D } {
  const ws: Shape4 = [...c.k, c.x[3], c.out];
  const info = tf.backend_util.computeConv2DInfo(
    c.x,
    ws,
    c.s,
    c.d ?? 1,
    c.pad,
    undefined,
    depthwise,
  );
  return {
    x: tf.randomNormal(c.x, 0, 1, 'float32', 1),
    w: tf.randomNormal(ws, 0, 1, 'float32', 2),
    dy: tf.randomNormal(
      [c.x[0], info.outHeight, info.outWidth, info.outChannels],
      0,
      1,
      'float32',
      3,
    ),
  };
}

describe('Graft gradient kernels on wasm vs the cpu backend', () => {
  it('the grid has the asymmetric paddings it claims', () => {
    for (const c of grid) {
      const info = tf.backend_util.computeConv2DInfo(c.x, [...c.k, c.x[3], c.out], c.s, 1, c.pad);
      const { top, bottom, left, right } = info.padInfo;
      expect(top !== bottom || left !== right, label(c)).toBe(c.asymmetric === true);
    }
  });
  for (const c of grid) {
    // Registered on wasm and on cpu (where it replaces tfjs' loop): both against tfjs' cpu kernel.
    for (const backend of ['wasm', 'cpu'])
      it(`Conv2DBackpropFilter on ${backend} ${label(c)}`, async () => {
        await tf.setBackend(backend);
        const { x, w, dy } = inputs(c, false);
        const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: w.shape };
        const ours = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs) as tf.Tensor;
        expect(ours.shape).toEqual(w.shape);
        const ref = await onCpu(originalKernel('Conv2DBackpropFilter', 'cpu')!, { x, dy }, attrs);
        expect(tf.getKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc).not.toBe(
          originalKernel('Conv2DBackpropFilter', 'cpu')!.kernelFunc,
        );
        expect(relErr(ours.dataSync(), ref)).toBeLessThan(TOL);
        tf.dispose([x, w, dy, ours]);
        await tf.setBackend('wasm');
      });
  }
  for (const c of grid) {
    it(`Conv2DBackpropInput ${label(c)}`, async () => {
      const { x, w, dy } = inputs(c, false);
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: c.x };
      const ours = tf
        .engine()
        .runKernel('Conv2DBackpropInput', { dy, filter: w }, attrs) as tf.Tensor;
      expect(ours.shape).toEqual(c.x);
      const ref = await onCpu(
        originalKernel('Conv2DBackpropInput', 'cpu')!,
        { dy, filter: w },
        attrs,
      );
      expect(relErr(ours.dataSync(), ref)).toBeLessThan(TOL);
      tf.dispose([x, w, dy, ours]);
    });
  }
  for (const c of grid) {
    // The filter gradient is registered on cpu too (see register.ts): checked there as well.
    for (const [name, backend] of [
      ['DepthwiseConv2dNativeBackpropFilter', 'wasm'],
      ['DepthwiseConv2dNativeBackpropFilter', 'cpu'],
      ['DepthwiseConv2dNativeBackpropInput', 'wasm'],
    ] as const) {
      it(`${name}${backend === 'cpu' ? ' on cpu' : ''} ${label(c)}`, async () => {
        await tf.setBackend(backend);
        const { x, w, dy } = inputs(c, true);
        const common = { strides: c.s, pad: c.pad, dilations: 1 };
        const filterGrad = name === 'DepthwiseConv2dNativeBackpropFilter';
        const ins: Record<string, tf.Tensor> = filterGrad ? { x, dy } : { dy, filter: w };
        const attrs = filterGrad
          ? { ...common, filterShape: w.shape }
          : { ...common, inputShape: c.x };
        const ours = tf.engine().runKernel(name, ins, attrs) as tf.Tensor;
        expect(ours.shape).toEqual(filterGrad ? w.shape : c.x);
        const ref = await onCpu(originalKernel(name, 'cpu')!, ins, attrs);
        expect(relErr(ours.dataSync(), ref)).toBeLessThan(TOL);
        tf.dispose([x, w, dy, ours]);
        await tf.setBackend('wasm');
      });
    }
  }
  for (const c of dilated) {
    it(`depthwise gradients with dilations vs the definition: ${label(c)}`, async () => {
      const { x, w, dy } = inputs(c, true);
      const common = { strides: c.s, pad: c.pad, dilations: c.d! };
      const dw = tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy },
          { ...common, filterShape: w.shape },
        ) as tf.Tensor;
      const dx = tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter: w },
          { ...common, inputShape: c.x },
        ) as tf.Tensor;
      const ref = referenceGrads(
        x.dataSync() as Float32Array,
        c.x,
        w.dataSync() as Float32Array,
        w.shape,
        dy.dataSync() as Float32Array,
        c.s,
        c.d!,
        c.pad,
        true,
      );
      expect(relErr(dw.dataSync(), ref.dw)).toBeLessThan(TOL);
      expect(relErr(dx.dataSync(), ref.dx)).toBeLessThan(TOL);
      tf.dispose([x, w, dy, dw, dx]);
    });
  }
  it('the plain-JS reference agrees with the cpu kernels (conv2d, both gradients)', async () => {
    const c = grid[1]!;
    const { x, w, dy } = inputs(c, false);
    const common = { strides: c.s, pad: c.pad, dataFormat: 'NHWC' };
    const ref = referenceGrads(
      x.dataSync() as Float32Array,
      c.x,
      w.dataSync() as Float32Array,
      w.shape,
      dy.dataSync() as Float32Array,
      c.s,
      [1, 1],
      c.pad,
      false,
    );
    const dx = await onCpu(
      originalKernel('Conv2DBackpropInput', 'cpu')!,
      { dy, filter: w },
      {
        ...common,
        inputShape: c.x,
      },
    );
    const dw = await onCpu(
      originalKernel('Conv2DBackpropFilter', 'cpu')!,
      { x, dy },
      {
        ...common,
        filterShape: w.shape,
      },
    );
    expect(relErr(dx, ref.dx)).toBeLessThan(TOL);
    expect(relErr(dw, ref.dw)).toBeLessThan(TOL);
    tf.dispose([x, w, dy]);
  });
  it('wasm has every gradient kernel tf.grad of these layers calls', () => {
    for (const k of [
      'Conv2DBackpropFilter',
      'Conv2DBackpropInput',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
    ])
      expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
  });
});

describe('pooling gradients on wasm vs the cpu backend', () => {
  // The catalog backbones' fine-tuning trains through these on wasm: VGG16 / LeNet-5 2x2 max
  // pools, ResNet50 / InceptionV3 3x3 stride-2 max pools, InceptionV3's 3x3 stride-1 SAME
  // average pools (border windows average fewer pixels); plus asymmetric SAME and a stride
  // larger than the window (input pixels no window reads).
  const pools: { x: Shape4; k: [number, number]; s: [number, number]; pad: 'same' | 'valid' }[] = [
    { x: [2, 8, 8, 3], k: [2, 2], s: [2, 2], pad: 'valid' },
    { x: [2, 9, 9, 3], k: [3, 3], s: [2, 2], pad: 'valid' },
    { x: [2, 8, 8, 3], k: [3, 3], s: [2, 2], pad: 'same' }, // pads 0 + 1
    { x: [2, 5, 5, 4], k: [3, 3], s: [1, 1], pad: 'same' },
    { x: [1, 10, 7, 2], k: [3, 2], s: [3, 2], pad: 'same' },
    { x: [1, 9, 9, 2], k: [2, 2], s: [3, 3], pad: 'valid' },
  ];
  const poolLabel = (c: (typeof pools)[number]): string =>
    `x=${c.x.join('x')} ${c.k.join('x')} stride ${c.s.join(',')} ${c.pad}`;
  // Normal values (negative windows), ReLU'd ones (all-zero windows, ties at 0) and small
  // integers (ties everywhere): the gradient must go to the first maximum of each window.
  const values = {
    normal: (s: Shape4) => tf.randomNormal(s, 0, 1, 'float32', 1),
    relu: (s: Shape4) => tf.relu(tf.randomNormal(s, -0.5, 1, 'float32', 1)),
    ties: (s: Shape4) => tf.floor(tf.randomUniform(s, 0, 3, 'float32', 1)),
  };
  for (const c of pools)
    for (const [kind, make] of Object.entries(values))
      it(`MaxPoolGrad ${poolLabel(c)}, ${kind} values`, async () => {
        const x = make(c.x) as tf.Tensor4D;
        const y = tf.maxPool(x, c.k, c.s, c.pad);
        const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 2);
        const attrs = { filterSize: c.k, strides: c.s, pad: c.pad };
        const ins = { dy, input: x, output: y };
        const ours = tf.engine().runKernel('MaxPoolGrad', ins, attrs) as tf.Tensor;
        expect(ours.shape).toEqual(c.x);
        const ref = await onCpu(originalKernel('MaxPoolGrad', 'cpu')!, ins, attrs);
        expect(relErr(ours.dataSync(), ref)).toBeLessThan(TOL);
        tf.dispose([x, y, dy, ours]);
      });
  it("tfjs' own wasm MaxPoolGrad misroutes windows whose values are all negative (why Graft replaces it)", async () => {
    const c = pools[0]!;
    const x = values.normal(c.x) as tf.Tensor4D;
    const y = tf.maxPool(x, c.k, c.s, c.pad);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 2);
    const attrs = { filterSize: c.k, strides: c.s, pad: c.pad };
    const ins = { dy, input: x, output: y };
    const k = originalKernel('MaxPoolGrad', 'wasm')!;
    // Unregistered before the backend started, so its setup (binding the wasm function) never ran.
    k.setupFunc?.(tf.backend());
    const theirs = k.kernelFunc({
      inputs: ins,
      attrs,
      backend: tf.backend(),
    }) as tf.TensorInfo;
    const wrong = tf.engine().makeTensorFromTensorInfo(theirs);
    const ref = await onCpu(originalKernel('MaxPoolGrad', 'cpu')!, ins, attrs);
    expect(relErr(wrong.dataSync(), ref)).toBeGreaterThan(0.1);
    tf.dispose([x, y, dy, wrong]);
  });
  for (const c of pools)
    it(`AvgPoolGrad (tfjs' own) ${poolLabel(c)}`, async () => {
      const x = values.normal(c.x) as tf.Tensor4D;
      const dy = tf.randomNormal(tf.avgPool(x, c.k, c.s, c.pad).shape, 0, 1, 'float32', 2);
      const attrs = { filterSize: c.k, strides: c.s, pad: c.pad };
      const ours = tf.engine().runKernel('AvgPoolGrad', { dy, input: x }, attrs) as tf.Tensor;
      const ref = await onCpu(originalKernel('AvgPoolGrad', 'cpu')!, { dy, input: x }, attrs);
      expect(relErr(ours.dataSync(), ref)).toBeLessThan(TOL);
      tf.dispose([x, dy, ours]);
    });
  it('pooling layers are trained through these kernels', () => {
    expect(tf.getKernel('MaxPoolGrad', 'wasm')!.kernelFunc).not.toBe(
      originalKernel('MaxPoolGrad', 'wasm')!.kernelFunc,
    );
    expect(tf.getKernel('AvgPoolGrad', 'wasm')).toBeDefined();
  });
});

describe("Graft's FusedBatchNorm gradient vs tfjs' own", () => {
  const cases: { x: number[]; stat: number[]; scale: boolean }[] = [
    { x: [2, 3, 4, 5], stat: [5], scale: true },
    { x: [2, 3, 4, 5], stat: [5], scale: false },
    { x: [8, 1, 1, 7], stat: [7], scale: true }, // tf.batchNorm hands the kernel 4-D x always
    { x: [2, 3, 4, 5], stat: [2, 3, 4, 5], scale: true },
  ];
  for (const backend of ['wasm', 'cpu'])
    for (const c of cases)
      it(`${backend}: x ${c.x.join('x')}, statistics ${c.stat.join('x')}${c.scale ? '' : ', no scale'}`, async () => {
        await tf.setBackend(backend);
        const ours = tf.getGradient('FusedBatchNorm')!;
        const theirs = originalFusedBatchNormGrad()!;
        expect(ours).not.toBe(theirs);
        const x = tf.randomNormal(c.x, 0, 2, 'float32', 1);
        const mean = tf.randomNormal(c.stat, 0, 1, 'float32', 2);
        const variance = tf.randomUniform(c.stat, 0.2, 2, 'float32', 3);
        const scale = c.scale ? tf.randomNormal(c.stat, 1, 0.5, 'float32', 4) : undefined;
        const dy = tf.randomNormal(c.x, 0, 1, 'float32', 5);
        const saved = scale ? [x, mean, variance, scale] : [x, mean, variance];
        const attrs = { varianceEpsilon: 1e-3 };
        const a = ours.gradFunc(dy, saved, attrs) as Record<string, () => tf.Tensor>;
        const b = theirs.gradFunc(dy, saved, attrs) as Record<string, () => tf.Tensor>;
        for (const input of ['x', 'mean', 'variance', 'scale', 'offset']) {
          const ga = a[input]!();
          const gb = b[input]!();
          expect(ga.shape, input).toEqual(gb.shape);
          expect(relErr(ga.dataSync(), gb.dataSync()), input).toBeLessThan(TOL);
          tf.dispose([ga, gb]);
        }
        tf.dispose([x, mean, variance, dy, ...(scale ? [scale] : [])]);
      });
});
