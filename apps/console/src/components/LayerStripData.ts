/**
 * Data helpers of the layer strip (no React, no 'use client': callable from server components).
 * {@link stripFromSurgery} turns a run's `surgery` JSON (+ its backbone's layers) into the
 * strip's layers; {@link stripFromSpec} previews a not-yet-trained SurgerySpec on a backbone.
 */

/** What happened to one layer: kept frozen, kept trainable, added as the new head, or cut away. */
export type LayerState = 'frozen' | 'trainable' | 'head' | 'absent';

/** One cell of the strip. */
export interface StripLayer {
  name: string;
  className: string;
  /** Weights of the layer; null when not known yet (a head not built yet). */
  params: number | null;
  /** Output shape without the batch dimension (null for a free dimension). */
  outputShape: readonly (number | null)[];
  state: LayerState;
}

export const STATE_LABEL: Record<LayerState, string> = {
  frozen: 'frozen',
  trainable: 'trainable',
  head: 'new head',
  absent: 'cut away',
};

/** Frozen/trainable/head/cut-away layer counts and parameter sums. */
export function stripTotals(layers: readonly StripLayer[]) {
  const t = {
    frozen: { layers: 0, params: 0 },
    trainable: { layers: 0, params: 0 },
    head: { layers: 0, params: 0 },
    absent: { layers: 0, params: 0 },
  } satisfies Record<LayerState, { layers: number; params: number }>;
  for (const l of layers) {
    t[l.state].layers += 1;
    t[l.state].params += l.params ?? 0;
  }
  return t;
}

/** A backbone layer as the API's `BackboneLayer` has it. */
export interface BackboneLayerLike {
  name: string;
  className: string;
  params: number;
  outputShape: readonly (number | null)[];
}

/** What the helpers need of a backbone (a subset of the API's `Backbone`). */
export interface BackboneLike {
  layers: readonly BackboneLayerLike[];
  lastFeatureLayer: string;
  blockEnds?: readonly string[];
}

/** The freeze request of a SurgerySpec (see @graft/core FreezeSpec). */
export type FreezeRequest =
  | { kind: 'all' }
  | { kind: 'upTo'; layer: string }
  | { kind: 'allButLastBlocks'; blocks: number }
  | { kind: 'layers'; names: string[] }
  | { kind: 'pattern'; pattern: string };

/** The request part of a run's surgery JSON (a SurgerySpec). */
export interface SurgeryRequest {
  inputShape?: number[];
  cutAt?: string;
  freeze?: FreezeRequest;
  head?: {
    pooling?: string;
    dense?: { units: number; activation?: string; dropout?: number }[];
    dropout?: number;
    classes?: string[];
  };
}

/** The strip's input: its layers and the cut. */
export interface StripData {
  layers: StripLayer[];
  cutAt: string | null;
  /** True when the states come from the resolved layer table of a trained run, false for a preview. */
  resolved: boolean;
  request: SurgeryRequest;
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** The `request` (SurgerySpec) in a run's surgery JSON. */
export function surgeryRequest(surgery: unknown): SurgeryRequest {
  if (!isObj(surgery)) return {};
  return (isObj(surgery['request']) ? surgery['request'] : {}) as SurgeryRequest;
}

/**
 * Which kept backbone layers a freeze request freezes (mirrors @graft/core resolveFreeze; the
 * input layer is in neither set). Unknown layers are ignored here: the API validates.
 */
export function resolveFreezePreview(
  backbone: BackboneLike,
  cutAt: string,
  freeze: FreezeRequest | undefined,
): Set<string> {
  const names = backbone.layers.map((l) => l.name);
  const cutPos = names.indexOf(cutAt);
  const kept = names.slice(1, cutPos < 0 ? names.length : cutPos + 1);
  const f = freeze ?? { kind: 'all' };
  switch (f.kind) {
    case 'upTo': {
      const i = kept.indexOf(f.layer);
      return new Set(i < 0 ? [] : kept.slice(0, i + 1));
    }
    case 'allButLastBlocks': {
      const ends = (backbone.blockEnds ?? []).filter((e) => kept.includes(e));
      if (ends[ends.length - 1] !== cutAt) ends.push(cutAt);
      const n = Math.max(0, Math.floor(f.blocks));
      if (n >= ends.length) return new Set();
      const lastFrozen = ends[ends.length - 1 - n] ?? cutAt;
      return new Set(kept.slice(0, kept.indexOf(lastFrozen) + 1));
    }
    case 'layers':
      return new Set(f.names.filter((n) => kept.includes(n)));
    case 'pattern': {
      try {
        const re = new RegExp(f.pattern);
        return new Set(kept.filter((n) => re.test(n)));
      } catch {
        return new Set();
      }
    }
    case 'all':
    default:
      return new Set(kept);
  }
}

/**
 * A strip previewing a SurgerySpec on a backbone before training (New run form): kept layers
 * frozen or trainable per the freeze request, the rest cut away, and placeholder head cells.
 */
export function stripFromSpec(backbone: BackboneLike, request: SurgeryRequest): StripData {
  const cutAt = request.cutAt ?? backbone.lastFeatureLayer;
  const frozen = resolveFreezePreview(backbone, cutAt, request.freeze);
  const cutPos = backbone.layers.findIndex((l) => l.name === cutAt);
  const layers: StripLayer[] = backbone.layers.map((l, i) => ({
    name: l.name,
    className: l.className,
    params: l.params,
    outputShape: l.outputShape,
    state:
      cutPos >= 0 && i > cutPos ? 'absent' : i === 0 || frozen.has(l.name) ? 'frozen' : 'trainable',
  }));
  const classes = request.head?.classes?.length ?? null;
  (request.head?.dense ?? []).forEach((d, i) =>
    layers.push({
      name: `head_dense_${i + 1}`,
      className: 'Dense',
      params: null,
      outputShape: [d.units],
      state: 'head',
    }),
  );
  layers.push({
    name: 'head_predictions',
    className: 'Dense',
    params: null,
    outputShape: [classes],
    state: 'head',
  });
  return { layers, cutAt: cutPos >= 0 ? cutAt : null, resolved: false, request };
}

interface ResolvedLayer {
  name: string;
  className?: string;
  params?: number;
  outputShape?: (number | null)[];
  trainable?: boolean;
  origin?: string;
}

/**
 * Turns a run's `surgery` JSON — `{ request, layers?, frozenLayers? }`, where `layers` is the
 * resolved layer table a trained run records (`{ name, className, params, outputShape,
 * trainable, origin: 'backbone' | 'head' }`) — into the strip's layers. With the run's backbone
 * the layers after the cut are added as cut away; before training (no resolved table) the
 * request is previewed against the backbone ({@link stripFromSpec}).
 */
export function stripFromSurgery(surgery: unknown, backbone?: BackboneLike | null): StripData {
  const request = surgeryRequest(surgery);
  const resolved =
    isObj(surgery) && Array.isArray(surgery['layers'])
      ? (surgery['layers'] as unknown[]).filter(
          (l): l is ResolvedLayer => isObj(l) && typeof l['name'] === 'string',
        )
      : null;
  if (!resolved || resolved.length === 0) {
    return backbone
      ? stripFromSpec(backbone, request)
      : { layers: [], cutAt: request.cutAt ?? null, resolved: false, request };
  }
  const toStrip = (l: ResolvedLayer): StripLayer => ({
    name: l.name,
    className: l.className ?? '?',
    params: typeof l.params === 'number' ? l.params : null,
    outputShape: Array.isArray(l.outputShape) ? l.outputShape : [],
    state: l.origin === 'head' ? 'head' : l.trainable ? 'trainable' : 'frozen',
  });
  const kept = resolved.filter((l) => l.origin !== 'head').map(toStrip);
  const head = resolved.filter((l) => l.origin === 'head').map(toStrip);
  const cutAt = request.cutAt ?? kept[kept.length - 1]?.name ?? backbone?.lastFeatureLayer ?? null;
  const absent: StripLayer[] = [];
  if (backbone && cutAt) {
    const keptNames = new Set(kept.map((l) => l.name));
    const cutPos = backbone.layers.findIndex((l) => l.name === cutAt);
    if (cutPos >= 0)
      for (const l of backbone.layers.slice(cutPos + 1))
        if (!keptNames.has(l.name))
          absent.push({
            name: l.name,
            className: l.className,
            params: l.params,
            outputShape: l.outputShape,
            state: 'absent',
          });
  }
  return { layers: [...kept, ...absent, ...head], cutAt, resolved: true, request };
}

/** `{ layerName: state }` of a strip, to pass as another strip's `compareStates`. */
export function stripStates(layers: readonly StripLayer[]): Record<string, LayerState> {
  return Object.fromEntries(layers.map((l) => [l.name, l.state]));
}
