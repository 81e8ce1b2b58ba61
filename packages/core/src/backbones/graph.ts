import type * as tf from '@tensorflow/tfjs';

type Layer = tf.layers.Layer;

/** The layers that feed `layer` (through its first inbound node). */
export function inboundLayersOf(layer: Layer): Layer[] {
  const node = layer.inboundNodes[0];
  return node ? (node.inboundLayers as Layer[]) : [];
}

/**
 * Positions (in `model.layers` order, which is topological) where the graph can be cut with a
 * single tensor crossing: every edge that spans the position starts at that layer.
 */
export function singleTensorCutPoints(model: tf.LayersModel): Set<number> {
  const pos = new Map(model.layers.map((l, i) => [l, i]));
  // furthest[i] = the furthest consumer of any layer at position <= i other than i itself.
  const n = model.layers.length;
  const reach = new Array<number>(n).fill(-1);
  model.layers.forEach((layer, dst) => {
    for (const src of inboundLayersOf(layer)) {
      const s = pos.get(src);
      if (s !== undefined) reach[s] = Math.max(reach[s]!, dst);
    }
  });
  const cuts = new Set<number>();
  let furthestBefore = -1;
  for (let i = 0; i < n; i++) {
    if (furthestBefore <= i) cuts.add(i);
    furthestBefore = Math.max(furthestBefore, reach[i]!);
  }
  return cuts;
}

const HEAD_CLASSES = new Set([
  'Dense',
  'Dropout',
  'Flatten',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Softmax',
  'Reshape',
]);
const STAGE_START = new Set([
  'Conv2D',
  'DepthwiseConv2D',
  'SeparableConv2D',
  'Flatten',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'Dense',
]);

/** For models without a declared feature layer: the last layer before the classifier top. */
export function guessLastFeatureLayer(model: tf.LayersModel): string {
  const layers = model.layers;
  let i = layers.length - 1;
  while (i > 0) {
    const cls = layers[i]!.getClassName();
    // An Activation belongs to the top only when it follows a top layer (Dense -> softmax).
    const headActivation = cls === 'Activation' && HEAD_CLASSES.has(layers[i - 1]!.getClassName());
    if (!HEAD_CLASSES.has(cls) && !headActivation) break;
    i--;
  }
  return layers[i]!.name;
}

/** For models without declared blocks: single-tensor cut points right before a new stage starts. */
export function guessBlockEnds(model: tf.LayersModel, lastFeatureLayer: string): string[] {
  const cuts = singleTensorCutPoints(model);
  const last = model.layers.findIndex((l) => l.name === lastFeatureLayer);
  const ends: string[] = [];
  for (let i = 1; i < last; i++) {
    const next = model.layers[i + 1];
    if (cuts.has(i) && next && STAGE_START.has(next.getClassName()))
      ends.push(model.layers[i]!.name);
  }
  ends.push(lastFeatureLayer);
  return ends;
}
