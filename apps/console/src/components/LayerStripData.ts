import type { FreezeSpec, HeadSpec, LayerInfo, SurgerySpec } from '@graft/core/surgery';
import { graphql } from '@/gql';
import type { LayerStripBackboneFragment } from '@/gql/graphql';

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

/**
 * What the strip needs of a backbone, spread into the queries that feed it (NewRunBackbone,
 * RunDetail) so that the type is generated from the schema.
 */
export const LayerStripBackbone = graphql(`
  fragment LayerStripBackbone on Backbone {
    lastFeatureLayer
    blockEnds
    layers {
      ...BackboneLayerRow
    }
  }
`);

export type BackboneLike = LayerStripBackboneFragment;

/**
 * The request part of a run's surgery JSON: the SurgerySpec the run was started with (core's
 * type; the API fills in the head's classes from the dataset, so they may be missing here).
 */
export type SurgeryRequest = Partial<Omit<SurgerySpec, 'head'>> & { head?: Partial<HeadSpec> };

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
 * Which kept backbone layers a freeze request freezes (the input layer is in neither set), for
 * the preview in the browser. It is @graft/core's `resolveFreeze` without its validation (the API
 * validates and answers with the reason on the field): core's lives beside tfjs, which a page
 * should not download. `LayerStripData.test.ts` holds the two to the same answer on core's real
 * backbones for every freeze kind, so they cannot drift apart unnoticed.
 */
export function resolveFreezePreview(
  backbone: { layers: readonly { name: string }[]; blockEnds: readonly string[] },
  cutAt: string,
  freeze: FreezeSpec | undefined,
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
      const ends = backbone.blockEnds.filter((e) => kept.includes(e));
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
    default: // a request read from JSON may name a kind this console does not know
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

/** A row of the resolved layer table a trained run records (core's LayerInfo), as JSON may have it. */
type ResolvedLayer = Pick<LayerInfo, 'name'> & Partial<Omit<LayerInfo, 'name'>>;

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
