/**
 * Compiles a tfjs LayersModel (functional or sequential, or the prefix of one up to named layers)
 * into an ONNX ModelProto (opset 13) that ONNX Runtime can run.
 *
 * Layout: the graph takes NHWC input like tfjs, transposes it once to NCHW (what ONNX convolutions
 * and ONNX Runtime's fast kernels use), and transposes 4-D outputs back to NHWC. Flatten and Dense on
 * 4-D tensors go back to NHWC first, so flattened features keep tfjs' element order.
 *
 * Keras `same` padding is reproduced exactly with explicit (possibly asymmetric) pads: TensorFlow
 * puts the odd pixel at the end (bottom/right), which ONNX's `SAME_UPPER` also does, but explicit
 * pads are unambiguous. BatchNormalization after a linear convolution (directly or through identity
 * layers: Dropout, a linear Activation) is folded into its weights when nothing else reads the
 * convolution's output; a ZeroPadding2D that only feeds a `valid` convolution becomes that
 * convolution's pads.
 */
import type * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { GraftError } from '../errors.js';

const { onnx } = onnxProto;

/** Opset the compiler emits (ONNX Runtime 1.x runs it; Triton's ORT backend too). */
export const ONNX_OPSET = 13;

/** A layer the compiler cannot translate: the model runs on another engine. */
export class UnsupportedLayerError extends GraftError {
  constructor(
    readonly layerName: string,
    readonly layerType: string,
    reason = 'no ONNX translation for this layer type',
  ) {
    super(
      'UNSUPPORTED_LAYER',
      `cannot compile layer '${layerName}' (${layerType}) to ONNX: ${reason}`,
    );
  }
}

/** Layer classes the compiler translates (configurations may still be refused, see the errors). */
export const SUPPORTED_LAYER_TYPES: readonly string[] = [
  'InputLayer',
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'Softmax',
  'Add',
  'Concatenate',
  'Multiply',
  'ZeroPadding2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Flatten',
  'Dense',
  'Dropout',
  'SpatialDropout2D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
  'Reshape',
];

/** Options of {@link compileToOnnx}. */
export interface CompileOptions {
  /**
   * Layers whose outputs become the graph outputs (in this order); default: the model's outputs.
   * Only the layers these depend on are compiled: a prefix of the model up to a named layer.
   */
  outputs?: string[];
  /** Graph name; default the model's name. */
  name?: string;
  /** Fold BatchNormalization into the preceding convolution (default true). */
  foldBatchNorm?: boolean;
  /** Key/value strings stored in the ModelProto's `metadata_props` (classes, preprocessing, ...). */
  metadata?: Record<string, string>;
}

/** The compiled graph and what its callers need to feed and read it. */
export interface CompiledOnnx {
  /** Serialised ModelProto. */
  bytes: Uint8Array;
  /** Name of the single NHWC float32 input, `[batch, h, w, c]` (batch is dynamic). */
  inputName: string;
  /** Per-image input shape [h, w, c]. */
  inputShape: number[];
  /** Graph outputs, in order (4-D ones are NHWC, as in tfjs). */
  outputNames: string[];
  /** Layers the outputs come from. */
  outputLayers: string[];
  /** Per-image output shapes, as tfjs gives them. */
  outputShapes: number[][];
  /** What the compiler did: nodes, folded BatchNorms and paddings, transposes. */
  stats: { nodes: number; foldedBatchNorms: number; foldedPaddings: number; transposes: number };
}

type Layout = 'nchw' | 'plain';

interface Value {
  name: string;
  /** tfjs shape including the batch dimension (null). */
  shape: (number | null)[];
  layout: Layout;
}

interface ConvRecord {
  node: Onnx.INodeProto;
  /** [cout, cin/group, kh, kw]. */
  weights: Float32Array;
  bias: Float32Array;
  cout: number;
  wName: string;
  bName: string;
  /** Output value is the raw convolution (no activation applied). */
  linear: boolean;
}

interface PadRecord {
  input: Value;
  /** [top, bottom, left, right]. */
  pads: [number, number, number, number];
}

type Layer = tf.layers.Layer;
type SymbolicTensor = tf.SymbolicTensor;

interface LayerNode {
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
}

/** The node of `layer` that belongs to `model` (a layer re-applied elsewhere has several). */
function nodeOf(model: tf.LayersModel, layer: Layer): LayerNode {
  const container = model as unknown as { containerNodes?: Set<string> };
  const nodes = layer.inboundNodes;
  let index = 0;
  if (container.containerNodes && nodes.length > 1) {
    const found = nodes.findIndex((_, i) => container.containerNodes!.has(`${layer.name}_ib-${i}`));
    if (found >= 0) index = found;
  }
  const node = nodes[index]!;
  return { inputs: node.inputTensors, outputs: node.outputTensors };
}

function cfg(layer: Layer): Record<string, unknown> {
  return layer.getConfig() as Record<string, unknown>;
}

function pair(v: unknown, fallback: number): [number, number] {
  if (Array.isArray(v)) return [Number(v[0]), Number(v[1] ?? v[0])];
  if (typeof v === 'number') return [v, v];
  return [fallback, fallback];
}

/** Pads (before, after) of TF `same` padding along one axis. */
export function samePads(
  size: number,
  kernel: number,
  stride: number,
  dilation = 1,
): [number, number] {
  const out = Math.ceil(size / stride);
  const effective = (kernel - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + effective - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

// The weight loops live in small functions of their own: V8 does not optimise a function as large
// as compileToOnnx, and inside it these loops took most of a compile (~70 ms of MobileNetV2's).

/** A TF kernel [kh, kw, cin, cout] as an ONNX one [cout, cin, kh, kw] (stores in output order). */
function hwioToOihw(
  k: Float32Array,
  kh: number,
  kw: number,
  cin: number,
  cout: number,
): Float32Array {
  const w = new Float32Array(cout * cin * kh * kw);
  for (let co = 0, o = 0; co < cout; co++)
    for (let ci = 0; ci < cin; ci++)
      for (let i = 0; i < kh; i++)
        for (let j = 0; j < kw; j++) w[o++] = k[((i * kw + j) * cin + ci) * cout + co]!;
  return w;
}

/** Folds an inference BatchNorm into the convolution before it: w' = w s, b' = (b - mean) s + beta. */
function foldBatchNorm(
  record: ConvRecord,
  bn: {
    gamma: Float32Array;
    beta: Float32Array;
    mean: Float32Array;
    variance: Float32Array;
    eps: number;
  },
): void {
  const { weights, bias, cout } = record;
  const per = weights.length / cout;
  for (let co = 0; co < cout; co++) {
    const s = bn.gamma[co]! / Math.sqrt(bn.variance[co]! + bn.eps);
    for (let i = co * per, end = i + per; i < end; i++) weights[i]! *= s;
    bias[co] = (bias[co]! - bn.mean[co]!) * s + bn.beta[co]!;
  }
}

class GraphBuilder {
  readonly nodes: Onnx.INodeProto[] = [];
  readonly initializers: Onnx.ITensorProto[] = [];
  readonly convs: ConvRecord[] = [];
  private counter = 0;
  transposes = 0;

  fresh(hint: string): string {
    return `${hint.replace(/[^A-Za-z0-9_]/g, '_')}__${this.counter++}`;
  }

  node(
    opType: string,
    inputs: string[],
    hint: string,
    attribute: Onnx.IAttributeProto[] = [],
    outputs = 1,
  ): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(hint));
    const n: Onnx.INodeProto = { opType, input: inputs, output: outs, name: outs[0], attribute };
    this.nodes.push(n);
    return outs;
  }

  floats(hint: string, dims: number[], data: Float32Array): string {
    const name = this.fresh(hint);
    this.initializers.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(
        data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
      ),
    });
    return name;
  }

  int64s(hint: string, values: number[]): string {
    const name = this.fresh(hint);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  scalar(hint: string, value: number): string {
    const name = this.fresh(hint);
    this.initializers.push({
      name,
      dims: [],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(Float32Array.of(value).buffer),
    });
    return name;
  }
}

const ints = (name: string, v: number[]): Onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INTS,
  ints: v,
});
const int = (name: string, v: number): Onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.INT,
  i: v,
});
const float = (name: string, v: number): Onnx.IAttributeProto => ({
  name,
  type: onnx.AttributeProto.AttributeType.FLOAT,
  f: v,
});

/** NHWC axis -> NCHW axis. */
const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1];

/**
 * Compiles `model` (or the part of it that `outputs` needs) to ONNX.
 * @throws UnsupportedLayerError naming the first layer (in topological order) it cannot translate.
 */
export function compileToOnnx(model: tf.LayersModel, options: CompileOptions = {}): CompiledOnnx {
  if (model.inputs.length !== 1) {
    throw new UnsupportedLayerError(model.name, 'Model', 'only single-input models are compiled');
  }
  const foldBN = options.foldBatchNorm ?? true;
  const byName = new Map(model.layers.map((l) => [l.name, l]));
  const outputLayers: Layer[] = options.outputs
    ? options.outputs.map((n) => {
        const l = byName.get(n);
        if (!l) throw new GraftError('UNKNOWN_LAYER', `no layer '${n}' in ${model.name}`);
        return l;
      })
    : (model.outputLayers as Layer[]);

  // Layers needed for the outputs, and how many times each tensor is consumed among them.
  const needed = new Set<Layer>();
  const stack = [...outputLayers];
  while (stack.length) {
    const l = stack.pop()!;
    if (needed.has(l)) continue;
    needed.add(l);
    for (const t of nodeOf(model, l).inputs) stack.push(t.sourceLayer as Layer);
  }
  const order = model.layers.filter((l) => needed.has(l));
  const consumers = new Map<number, number>();
  for (const l of order) {
    for (const t of nodeOf(model, l).inputs) consumers.set(t.id, (consumers.get(t.id) ?? 0) + 1);
  }
  const outputTensors = outputLayers.map((l) => nodeOf(model, l).outputs[0]!);
  const isOutput = new Set(outputTensors.map((t) => t.id));
  const single = (t: SymbolicTensor): boolean =>
    (consumers.get(t.id) ?? 0) === 1 && !isOutput.has(t.id);

  const g = new GraphBuilder();
  const values = new Map<number, Value>();
  /**
   * Whether the layer being compiled is the only reader of ONNX value `name`. Identity layers
   * (Dropout, a linear Activation, a folded BatchNorm) alias their input's value, so the value can
   * stand for several tfjs tensors: each alias but the first is read once by the layer that made
   * it, and any further read (a residual Add of the raw convolution output, say, or a graph
   * output) would see a convolution whose weights a BatchNorm was folded into.
   */
  const onlyReader = (name: string): boolean => {
    let aliases = 0;
    let reads = 0;
    for (const [id, v] of values) {
      if (v.name !== name) continue;
      if (isOutput.has(id)) return false;
      aliases++;
      reads += consumers.get(id) ?? 0;
    }
    // A reader not compiled yet (later in topological order) counts as a read too: refused.
    return reads - (aliases - 1) === 1;
  };
  const convOf = new Map<string, ConvRecord>();
  const padOf = new Map<string, PadRecord>();
  const transposed = new Map<string, Value>();
  let foldedBatchNorms = 0;
  let foldedPaddings = 0;

  const inputTensor = model.inputs[0]!;
  const inShape = inputTensor.shape;
  const INPUT = 'input';
  if (inShape.length === 4) {
    const [x] = g.node('Transpose', [INPUT], 'input_nchw', [ints('perm', [0, 3, 1, 2])]);
    g.transposes++;
    values.set(inputTensor.id, { name: x!, shape: inShape, layout: 'nchw' });
  } else {
    values.set(inputTensor.id, { name: INPUT, shape: inShape, layout: 'plain' });
  }

  const toLayout = (v: Value, layout: Layout): Value => {
    if (v.layout === layout || v.shape.length !== 4) return v;
    const key = `${v.name}->${layout}`;
    const cached = transposed.get(key);
    if (cached) return cached;
    const perm = layout === 'nchw' ? [0, 3, 1, 2] : [0, 2, 3, 1];
    const [y] = g.node('Transpose', [v.name], `${v.name}_${layout}`, [ints('perm', perm)]);
    g.transposes++;
    const out = { name: y!, shape: v.shape, layout };
    transposed.set(key, out);
    return out;
  };

  const activation = (
    layer: Layer,
    x: string,
    act: string,
    layout: Layout,
    rank: number,
  ): string => {
    const hint = `${layer.name}_${act}`;
    switch (act) {
      case 'linear':
        return x;
      case 'relu':
        return g.node('Relu', [x], hint)[0]!;
      case 'relu6':
        return g.node('Clip', [x, g.scalar('zero', 0), g.scalar('six', 6)], hint)[0]!;
      case 'sigmoid':
        return g.node('Sigmoid', [x], hint)[0]!;
      case 'tanh':
        return g.node('Tanh', [x], hint)[0]!;
      case 'elu':
        return g.node('Elu', [x], hint, [float('alpha', 1)])[0]!;
      case 'selu':
        return g.node('Selu', [x], hint, [
          float('alpha', 1.6732632423543772),
          float('gamma', 1.0507009873554805),
        ])[0]!;
      case 'softplus':
        return g.node('Softplus', [x], hint)[0]!;
      case 'softsign':
        return g.node('Softsign', [x], hint)[0]!;
      case 'swish': {
        const [s] = g.node('Sigmoid', [x], `${hint}_sig`);
        return g.node('Mul', [x, s!], hint)[0]!;
      }
      case 'softmax':
        return g.node('Softmax', [x], hint, [
          int('axis', layout === 'nchw' && rank === 4 ? 1 : rank - 1),
        ])[0]!;
      default:
        throw new UnsupportedLayerError(
          layer.name,
          layer.getClassName(),
          `activation '${act}' has no ONNX translation`,
        );
    }
  };

  /** Weights by the last part of their name (`kernel`, `bias`, `gamma`, `moving_mean`, ...). */
  const weightsOf = (layer: Layer): Map<string, Float32Array> => {
    const values = layer.getWeights();
    return new Map(
      layer.weights.map((w, i) => [
        w.originalName.split('/').pop()!,
        values[i]!.dataSync() as Float32Array,
      ]),
    );
  };
  const weight = (layer: Layer, ws: Map<string, Float32Array>, name: string): Float32Array => {
    const w = ws.get(name);
    if (!w) {
      throw new UnsupportedLayerError(
        layer.name,
        layer.getClassName(),
        `no weight '${name}' (has ${[...ws.keys()].join(', ')})`,
      );
    }
    return w;
  };

  const spatial = (layer: Layer, v: Value): [number, number] => {
    const [, h, w] =
      v.layout === 'nchw' ? [0, v.shape[1], v.shape[2]] : [0, v.shape[1], v.shape[2]];
    if (typeof h !== 'number' || typeof w !== 'number') {
      throw new UnsupportedLayerError(
        layer.name,
        layer.getClassName(),
        'the input height and width must be fixed (set the input shape)',
      );
    }
    return [h, w];
  };

  /** pads [top, left, bottom, right] for an op with TF padding mode. */
  const padsFor = (
    layer: Layer,
    v: Value,
    padding: string,
    kernel: [number, number],
    strides: [number, number],
    dilation: [number, number],
  ): number[] => {
    if (padding === 'valid') return [0, 0, 0, 0];
    if (padding !== 'same') {
      throw new UnsupportedLayerError(layer.name, layer.getClassName(), `padding '${padding}'`);
    }
    const [h, w] = spatial(layer, v);
    const [t, b] = samePads(h, kernel[0], strides[0], dilation[0]);
    const [l, r] = samePads(w, kernel[1], strides[1], dilation[1]);
    return [t, l, b, r];
  };

  const checkChannelsLast = (layer: Layer, c: Record<string, unknown>): void => {
    if (c.dataFormat !== undefined && c.dataFormat !== 'channelsLast') {
      throw new UnsupportedLayerError(
        layer.name,
        layer.getClassName(),
        `dataFormat '${String(c.dataFormat)}'`,
      );
    }
  };

  /** Emits a convolution in NCHW; returns its output value name (after activation). */
  const conv = (
    layer: Layer,
    input: Value,
    args: {
      weights: Float32Array;
      dims: [number, number, number, number];
      bias: Float32Array | undefined;
      kernel: [number, number];
      strides: [number, number];
      dilation: [number, number];
      padding: string;
      group: number;
      activation: string;
      hint: string;
    },
  ): { name: string; record: ConvRecord } => {
    let x = toLayout(input, 'nchw');
    let pads = padsFor(layer, x, args.padding, args.kernel, args.strides, args.dilation);
    const padded = padOf.get(x.name);
    if (padded && args.padding === 'valid') {
      // ZeroPadding2D feeding only this conv: its pads become the conv's.
      x = padded.input;
      const [t, b, l, r] = padded.pads;
      pads = [t, l, b, r];
      foldedPaddings++;
    }
    const cout = args.dims[0];
    const bias = args.bias ?? new Float32Array(cout);
    const wName = g.fresh(`${args.hint}_W`);
    const bName = g.fresh(`${args.hint}_B`);
    const [y] = g.node('Conv', [x.name, wName, bName], args.hint, [
      ints('kernel_shape', args.kernel),
      ints('strides', args.strides),
      ints('dilations', args.dilation),
      ints('pads', pads),
      int('group', args.group),
    ]);
    const record: ConvRecord = {
      node: g.nodes[g.nodes.length - 1]!,
      weights: args.weights,
      bias: Float32Array.from(bias),
      cout,
      wName,
      bName,
      linear: args.activation === 'linear',
    };
    record.node.input = [x.name, wName, bName];
    g.convs.push(record);
    (record as ConvRecord & { dims: number[] }).dims = args.dims;
    const out = activation(layer, y!, args.activation, 'nchw', 4);
    if (record.linear) convOf.set(out, record);
    return { name: out, record };
  };

  for (const layer of order) {
    const cls = layer.getClassName();
    const node = nodeOf(model, layer);
    if (cls === 'InputLayer') continue;
    const ins = node.inputs.map((t) => {
      const v = values.get(t.id);
      if (!v) throw new UnsupportedLayerError(layer.name, cls, 'its input was not compiled');
      return v;
    });
    const outT = node.outputs[0]!;
    if (node.outputs.length !== 1) {
      throw new UnsupportedLayerError(layer.name, cls, 'layers with several outputs');
    }
    const outShape = outT.shape;
    const c = cfg(layer);
    const x = ins[0]!;
    const set = (name: string, layout: Layout): void => {
      values.set(outT.id, { name, shape: outShape, layout });
    };

    switch (cls) {
      case 'Conv2D': {
        checkChannelsLast(layer, c);
        if (x.shape.length !== 4)
          throw new UnsupportedLayerError(layer.name, cls, 'input is not 4-D');
        const ws = weightsOf(layer);
        const kernel = weight(layer, ws, 'kernel');
        const bias = c.useBias === false ? undefined : weight(layer, ws, 'bias');
        const [kh, kw] = pair(c.kernelSize, 1);
        const cin = x.shape[3] as number;
        const cout = c.filters as number;
        const groups = (c.groups as number | undefined) ?? 1;
        if (groups !== 1) throw new UnsupportedLayerError(layer.name, cls, 'grouped Conv2D');
        // [kh, kw, cin, cout] -> [cout, cin, kh, kw]
        const w = hwioToOihw(kernel!, kh, kw, cin, cout);
        const { name } = conv(layer, x, {
          weights: w,
          dims: [cout, cin, kh, kw],
          bias,
          kernel: [kh, kw],
          strides: pair(c.strides, 1),
          dilation: pair(c.dilationRate, 1),
          padding: String(c.padding ?? 'valid'),
          group: 1,
          activation: String(c.activation ?? 'linear'),
          hint: layer.name,
        });
        set(name, 'nchw');
        break;
      }
      case 'DepthwiseConv2D':
      case 'SeparableConv2D': {
        checkChannelsLast(layer, c);
        if (x.shape.length !== 4)
          throw new UnsupportedLayerError(layer.name, cls, 'input is not 4-D');
        const ws = weightsOf(layer);
        const [kh, kw] = pair(c.kernelSize, 1);
        const cin = x.shape[3] as number;
        const dk = weight(layer, ws, 'depthwise_kernel'); // [kh, kw, cin, mult]
        // (SeparableConv2D's config omits depthMultiplier in tfjs: read it off the kernel.)
        const mult = dk.length / (kh * kw * cin);
        // [kh, kw, cin, mult] -> [cin * mult, 1, kh, kw]: the same loop as a Conv2D kernel's
        const dw = hwioToOihw(dk, kh, kw, 1, cin * mult);
        const common = {
          kernel: [kh, kw] as [number, number],
          strides: pair(c.strides, 1),
          dilation: pair(c.dilationRate, 1),
          padding: String(c.padding ?? 'valid'),
          group: cin,
        };
        if (cls === 'DepthwiseConv2D') {
          const { name } = conv(layer, x, {
            ...common,
            weights: dw,
            dims: [cin * mult, 1, kh, kw],
            bias: c.useBias === false ? undefined : weight(layer, ws, 'bias'),
            activation: String(c.activation ?? 'linear'),
            hint: layer.name,
          });
          set(name, 'nchw');
        } else {
          const pk = weight(layer, ws, 'pointwise_kernel'); // [1, 1, cin*mult, cout]
          const cmid = cin * mult;
          const cout = c.filters as number;
          const { name: mid } = conv(layer, x, {
            ...common,
            weights: dw,
            dims: [cmid, 1, kh, kw],
            bias: undefined,
            activation: 'linear',
            hint: `${layer.name}_depthwise`,
          });
          convOf.delete(mid); // internal value: never fold a BatchNorm into it
          const pw = hwioToOihw(pk, 1, 1, cmid, cout);
          const { name } = conv(
            layer,
            { name: mid, shape: outShape, layout: 'nchw' },
            {
              weights: pw,
              dims: [cout, cmid, 1, 1],
              bias: c.useBias === false ? undefined : weight(layer, ws, 'bias'),
              kernel: [1, 1],
              strides: [1, 1],
              dilation: [1, 1],
              padding: 'valid',
              group: 1,
              activation: String(c.activation ?? 'linear'),
              hint: `${layer.name}_pointwise`,
            },
          );
          set(name, 'nchw');
        }
        break;
      }
      case 'BatchNormalization': {
        const rank = x.shape.length;
        const axis = (c.axis as number | number[] | undefined) ?? -1;
        const ax = Array.isArray(axis) ? axis[0]! : axis;
        if ((ax + rank) % rank !== rank - 1) {
          throw new UnsupportedLayerError(
            layer.name,
            cls,
            `normalising axis ${ax} (only the last axis)`,
          );
        }
        const ws = weightsOf(layer);
        const channels = x.shape[rank - 1] as number;
        const gamma =
          c.scale === false ? new Float32Array(channels).fill(1) : weight(layer, ws, 'gamma');
        const beta = c.center === false ? new Float32Array(channels) : weight(layer, ws, 'beta');
        const mean = weight(layer, ws, 'moving_mean');
        const variance = weight(layer, ws, 'moving_variance');
        const eps = (c.epsilon as number | undefined) ?? 1e-3;
        const record = convOf.get(x.name);
        if (foldBN && record && record.linear && onlyReader(x.name)) {
          // y = (conv(x) + b - mean) * s + beta, s = gamma / sqrt(var + eps)
          foldBatchNorm(record, { gamma, beta, mean, variance, eps });
          convOf.delete(x.name);
          foldedBatchNorms++;
          values.set(outT.id, { name: x.name, shape: outShape, layout: x.layout });
          // A BatchNorm folded into a linear conv is again a linear conv output.
          convOf.set(x.name, record);
          break;
        }
        const xin = rank === 4 ? toLayout(x, 'nchw') : x;
        if (rank !== 4 && rank !== 2) {
          throw new UnsupportedLayerError(layer.name, cls, `${rank}-D input`);
        }
        const [y] = g.node(
          'BatchNormalization',
          [
            xin.name,
            g.floats(`${layer.name}_gamma`, [channels], gamma),
            g.floats(`${layer.name}_beta`, [channels], beta),
            g.floats(`${layer.name}_mean`, [channels], mean),
            g.floats(`${layer.name}_var`, [channels], variance),
          ],
          layer.name,
          [float('epsilon', eps)],
        );
        set(y!, xin.layout);
        break;
      }
      case 'Activation': {
        set(activation(layer, x.name, String(c.activation), x.layout, x.shape.length), x.layout);
        break;
      }
      case 'ReLU': {
        const max = c.maxValue as number | null | undefined;
        if (max === null || max === undefined)
          set(g.node('Relu', [x.name], layer.name)[0]!, x.layout);
        else
          set(
            g.node('Clip', [x.name, g.scalar('zero', 0), g.scalar('max', max)], layer.name)[0]!,
            x.layout,
          );
        break;
      }
      case 'LeakyReLU': {
        const alpha = (c.alpha as number | undefined) ?? 0.3;
        set(g.node('LeakyRelu', [x.name], layer.name, [float('alpha', alpha)])[0]!, x.layout);
        break;
      }
      case 'Softmax': {
        const rank = x.shape.length;
        const a = (c.axis as number | undefined) ?? -1;
        const nhwcAxis = (a + rank) % rank;
        const axis = x.layout === 'nchw' ? NHWC_TO_NCHW_AXIS[nhwcAxis]! : nhwcAxis;
        set(g.node('Softmax', [x.name], layer.name, [int('axis', axis)])[0]!, x.layout);
        break;
      }
      case 'Add':
      case 'Multiply': {
        const layout: Layout = ins.some((v) => v.layout === 'nchw') ? 'nchw' : 'plain';
        const vs = ins.map((v) => toLayout(v, layout));
        let acc = vs[0]!.name;
        for (const v of vs.slice(1)) {
          acc = g.node(cls === 'Add' ? 'Add' : 'Mul', [acc, v.name], layer.name)[0]!;
        }
        set(acc, layout);
        break;
      }
      case 'Concatenate': {
        const rank = outShape.length;
        const a = (c.axis as number | undefined) ?? -1;
        const nhwcAxis = (a + rank) % rank;
        const layout: Layout = rank === 4 ? 'nchw' : 'plain';
        const vs = ins.map((v) => toLayout(v, layout));
        const axis = layout === 'nchw' ? NHWC_TO_NCHW_AXIS[nhwcAxis]! : nhwcAxis;
        set(
          g.node(
            'Concat',
            vs.map((v) => v.name),
            layer.name,
            [int('axis', axis)],
          )[0]!,
          layout,
        );
        break;
      }
      case 'ZeroPadding2D': {
        checkChannelsLast(layer, c);
        const p = c.padding as number | number[] | number[][];
        let t: number, b: number, l: number, r: number;
        if (typeof p === 'number') [t, b, l, r] = [p, p, p, p];
        else if (Array.isArray(p) && Array.isArray(p[0])) {
          const pp = p as number[][];
          [t, b, l, r] = [pp[0]![0]!, pp[0]![1]!, pp[1]![0]!, pp[1]![1]!];
        } else {
          const pp = p as number[];
          [t, b, l, r] = [pp[0]!, pp[0]!, pp[1]!, pp[1]!];
        }
        const xin = toLayout(x, 'nchw');
        const [y] = g.node(
          'Pad',
          [xin.name, g.int64s(`${layer.name}_pads`, [0, 0, t, l, 0, 0, b, r])],
          layer.name,
          [
            {
              name: 'mode',
              type: onnx.AttributeProto.AttributeType.STRING,
              s: new TextEncoder().encode('constant'),
            },
          ],
        );
        if (single(outT)) padOf.set(y!, { input: xin, pads: [t, b, l, r] });
        set(y!, 'nchw');
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        checkChannelsLast(layer, c);
        const xin = toLayout(x, 'nchw');
        const kernel = pair(c.poolSize, 2);
        const strides = c.strides == null ? kernel : pair(c.strides, 1);
        const pads = padsFor(layer, xin, String(c.padding ?? 'valid'), kernel, strides, [1, 1]);
        const attrs = [ints('kernel_shape', kernel), ints('strides', strides), ints('pads', pads)];
        // TF's average pooling does not count padded pixels.
        if (cls === 'AveragePooling2D') attrs.push(int('count_include_pad', 0));
        const [y] = g.node(
          cls === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool',
          [xin.name],
          layer.name,
          attrs,
        );
        set(y!, 'nchw');
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D': {
        checkChannelsLast(layer, c);
        const xin = toLayout(x, 'nchw');
        const [pooled] = g.node(
          cls === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool',
          [xin.name],
          layer.name,
        );
        if (outShape.length === 4) set(pooled!, 'nchw');
        else set(g.node('Flatten', [pooled!], `${layer.name}_flat`, [int('axis', 1)])[0]!, 'plain');
        break;
      }
      case 'Flatten': {
        const xin = toLayout(x, 'plain'); // tfjs flattens NHWC
        set(g.node('Flatten', [xin.name], layer.name, [int('axis', 1)])[0]!, 'plain');
        break;
      }
      case 'Reshape': {
        const xin = toLayout(x, 'plain');
        const target = outShape.slice(1);
        if (target.some((d) => typeof d !== 'number')) {
          throw new UnsupportedLayerError(layer.name, cls, 'the target shape must be static');
        }
        const shape = g.int64s(`${layer.name}_shape`, [-1, ...(target as number[])]);
        set(g.node('Reshape', [xin.name, shape], layer.name)[0]!, 'plain');
        break;
      }
      case 'Dense': {
        const ws = weightsOf(layer);
        const kernel = weight(layer, ws, 'kernel');
        const units = c.units as number;
        const xin = toLayout(x, 'plain');
        const inDim = xin.shape[xin.shape.length - 1] as number;
        const wName = g.floats(`${layer.name}_W`, [inDim, units], kernel);
        const b = c.useBias === false ? new Float32Array(units) : weight(layer, ws, 'bias');
        const bName = g.floats(`${layer.name}_B`, [units], b);
        let y: string;
        if (xin.shape.length === 2) y = g.node('Gemm', [xin.name, wName, bName], layer.name)[0]!;
        else {
          const [m] = g.node('MatMul', [xin.name, wName], `${layer.name}_matmul`);
          y = g.node('Add', [m!, bName], layer.name)[0]!;
        }
        set(
          activation(layer, y, String(c.activation ?? 'linear'), 'plain', outShape.length),
          'plain',
        );
        break;
      }
      case 'Dropout':
      case 'SpatialDropout2D':
      case 'GaussianNoise':
      case 'GaussianDropout':
      case 'AlphaDropout':
        // Identity at inference.
        set(x.name, x.layout);
        values.set(outT.id, { ...x, shape: outShape });
        break;
      default:
        throw new UnsupportedLayerError(layer.name, cls);
    }
  }

  // Outputs: 4-D back to NHWC, each through an Identity so names are stable.
  const outputNames: string[] = [];
  const graphOutputs: Onnx.IValueInfoProto[] = [];
  outputTensors.forEach((t, i) => {
    const v = toLayout(values.get(t.id)!, 'plain');
    const name = `output_${i}`;
    g.nodes.push({ opType: 'Identity', input: [v.name], output: [name], name });
    outputNames.push(name);
    graphOutputs.push(valueInfo(name, t.shape));
  });

  // Conv weights (folded by now) become initializers.
  for (const r of g.convs) {
    const dims = (r as ConvRecord & { dims: number[] }).dims;
    g.initializers.push({
      name: r.wName,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(r.weights.buffer, r.weights.byteOffset, r.weights.byteLength),
    });
    g.initializers.push({
      name: r.bName,
      dims: [r.cout],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(r.bias.buffer, r.bias.byteOffset, r.bias.byteLength),
    });
  }

  const { nodes, initializers } = pruneDead(g.nodes, g.initializers, outputNames);
  const graph: Onnx.IGraphProto = {
    name: options.name ?? model.name,
    node: nodes,
    initializer: initializers,
    input: [valueInfo(INPUT, inShape)],
    output: graphOutputs,
  };
  const proto: Onnx.IModelProto = {
    irVersion: 7,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: '@graft/core',
    producerVersion: '1',
    graph,
    metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const bytes = onnx.ModelProto.encode(proto).finish();
  return {
    bytes,
    inputName: INPUT,
    inputShape: inShape.slice(1) as number[],
    outputNames,
    outputLayers: outputLayers.map((l) => l.name),
    outputShapes: outputTensors.map((t) => t.shape.slice(1) as number[]),
    stats: {
      nodes: nodes.length,
      foldedBatchNorms,
      foldedPaddings,
      transposes: nodes.filter((n) => n.opType === 'Transpose').length,
    },
  };
}

function valueInfo(name: string, shape: (number | null)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: {
          dim: shape.map((d, i) =>
            d === null || d === undefined
              ? { dimParam: i === 0 ? 'batch' : `d${i}` }
              : { dimValue: d },
          ),
        },
      },
    },
  };
}

/** Drops nodes (and initializers) that no output depends on (folded paddings, for one). */
function pruneDead(
  nodes: Onnx.INodeProto[],
  initializers: Onnx.ITensorProto[],
  outputs: string[],
): { nodes: Onnx.INodeProto[]; initializers: Onnx.ITensorProto[] } {
  const live = new Set(outputs);
  const kept: Onnx.INodeProto[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (!(n.output ?? []).some((o) => live.has(o))) continue;
    kept.push(n);
    for (const inp of n.input ?? []) live.add(inp);
  }
  kept.reverse();
  return { nodes: kept, initializers: initializers.filter((t) => live.has(t.name!)) };
}
