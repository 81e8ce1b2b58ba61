/**
 * Preprocessing inside the ONNX graph: a compiled prefix rewritten to take the dataset's raw
 * uint8 pixels (`[batch, h, w, c]`, as an ImageSet stores them) and do what `imagesToTensor` does
 * with tfjs — grayscale <-> RGB, bilinear resize with half-pixel centres, `x * scale + offset` —
 * on ONNX Runtime's threads. The batch is handed over without a copy, and the resize runs on
 * every core instead of on the main thread between two batches.
 */
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import type { Preprocessing } from '../data/types.js';
import { LUMA } from '../data/tensors.js';
import type { CompiledOnnx } from './compile.js';

const { onnx } = onnxProto;

/** What the pixels are and what the prefix wants. */
export interface PixelInput {
  /** Per-image shape of the raw pixels: [h, w, c], c 1 or 3. */
  imageShape: [number, number, number];
  preprocessing: Preprocessing;
}

/** A compiled prefix that takes raw pixels. */
export interface PixelGraph {
  bytes: Uint8Array;
  /** The uint8 NHWC input. */
  inputName: string;
}

export const PIXEL_INPUT = 'pixels';

/**
 * Rewrites `compiled` (whose float NHWC input feeds one NHWC->NCHW Transpose, as compileToOnnx
 * emits it) to take uint8 pixels of `imageShape`. The ops are the tfjs path's, in an order that
 * does the least work: luma (RGB -> 1 channel) before the resize, the resize before the affine
 * map and before repeating a grey channel to 3 (both commute with a bilinear resize: its weights
 * sum to 1).
 * @throws when the graph's input is not read by exactly that Transpose.
 */
export function withPixelInput(compiled: CompiledOnnx, p: PixelInput): PixelGraph {
  const [h, w, c] = p.imageShape;
  if (compiled.inputShape.length !== 3) throw new Error('the graph input is not an NHWC image');
  const [outH, outW, outC] = compiled.inputShape as [number, number, number];
  const { scale, offset, channels } = p.preprocessing;
  if (c !== 1 && c !== 3) throw new Error(`pixels with ${c} channels: only 1 and 3 are supported`);
  if (channels !== outC) {
    throw new Error(`preprocessing gives ${channels} channels, the graph takes ${outC}`);
  }
  const model = onnx.ModelProto.decode(compiled.bytes);
  // Decoded messages have every repeated field (as arrays, possibly empty).
  const graph = model.graph as Onnx.GraphProto;
  const graphNodes = graph.node as Onnx.NodeProto[];
  const readers = graphNodes.filter((nd) => nd.input.includes(compiled.inputName));
  const entry = readers[0];
  const perm = (entry?.attribute as Onnx.AttributeProto[] | undefined)
    ?.find((a) => a.name === 'perm')
    ?.ints.map(Number);
  if (
    readers.length !== 1 ||
    entry!.opType !== 'Transpose' ||
    perm?.join(',') !== '0,3,1,2' ||
    graph.output.some((o) => o.name === compiled.inputName || o.name === entry!.output[0])
  ) {
    throw new Error('the graph input is not read by a single NHWC -> NCHW Transpose');
  }

  const nodes: Onnx.INodeProto[] = [];
  const inits: Onnx.ITensorProto[] = [];
  let n = 0;
  const node = (opType: string, inputs: string[], attribute: Onnx.IAttributeProto[] = []) => {
    const out = `pixels_${opType.toLowerCase()}__${n++}`;
    nodes.push({ opType, input: inputs, output: [out], name: out, attribute });
    return out;
  };
  const floats = (dims: number[], values: number[]) => {
    const name = `pixels_const__${n++}`;
    inits.push({
      name,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(Float32Array.from(values).buffer),
    });
    return name;
  };
  const int64s = (values: number[]) => {
    const name = `pixels_const__${n++}`;
    inits.push({
      name,
      dims: [values.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
    });
    return name;
  };
  const intAttr = (name: string, i: number): Onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.INT,
    i,
  });
  const strAttr = (name: string, s: string): Onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.STRING,
    s: new TextEncoder().encode(s),
  });

  let x = node('Cast', [PIXEL_INPUT], [intAttr('to', onnx.TensorProto.DataType.FLOAT)]);
  x = node(
    'Transpose',
    [x],
    [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 3, 1, 2] }],
  );
  let ch = c;
  if (c === 3 && outC === 1) {
    x = node(
      'Conv',
      [x, floats([1, 3, 1, 1], [...LUMA])],
      [{ name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 1] }],
    );
    ch = 1;
  }
  if (h !== outH || w !== outW) {
    // Output sizes, not scales: floor(28 * (16 / 28)) can come out as 15 in float arithmetic.
    const shape = node('Shape', [x]);
    const batchAndChannels = node('Slice', [shape, int64s([0]), int64s([2])]);
    const sizes = node('Concat', [batchAndChannels, int64s([outH, outW])], [intAttr('axis', 0)]);
    // tfjs resizeBilinear(alignCorners false, halfPixelCenters true) = ONNX linear, half_pixel.
    x = node(
      'Resize',
      [x, '', '', sizes],
      [strAttr('mode', 'linear'), strAttr('coordinate_transformation_mode', 'half_pixel')],
    );
  }
  if (scale !== 1) x = node('Mul', [x, floats([], [scale])]);
  if (offset !== 0) x = node('Add', [x, floats([], [offset])]);
  if (ch === 1 && outC === 3) x = node('Concat', [x, x, x], [intAttr('axis', 1)]);

  // The prefix's entry Transpose is replaced: its readers read the preprocessed NCHW batch.
  const entryOut = entry!.output[0]!;
  for (const nd of graphNodes) nd.input = nd.input.map((i) => (i === entryOut ? x : i));
  graph.node = [...nodes, ...graphNodes.filter((nd) => nd !== entry)];
  graph.initializer.push(...inits.map((t) => onnx.TensorProto.create(t)));
  graph.input = [
    onnx.ValueInfoProto.create({
      name: PIXEL_INPUT,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.UINT8,
          shape: {
            dim: [{ dimParam: 'batch' }, { dimValue: h }, { dimValue: w }, { dimValue: c }],
          },
        },
      },
    }),
  ];
  return { bytes: onnx.ModelProto.encode(model).finish(), inputName: PIXEL_INPUT };
}
