/**
 * Shapes of the jsonb columns. Specs, lineage and evaluations are @graft/core's serialisable
 * types, stored as core produces them; only their shapes are imported, never core's runtime.
 */
import type { Preprocessing } from '@graft/core/data';
import type { Evaluation } from '@graft/core/evaluation';
import type { LineageBackends, LineageRecord, LineageSplitCounts } from '@graft/core/lineage';
import type { LayerInfo, SurgerySpec } from '@graft/core/surgery';
import type { TrainProgress, TrainSpec } from '@graft/core/training';

export type { Evaluation, LineageBackends, LineageRecord, Preprocessing, TrainSpec };

/** [height, width, channels]. */
export type InputShape = [number, number, number];

/** One row of a backbone's layer table, in topological order. */
export interface BackboneLayer {
  name: string;
  className: string;
  /** Output shape without the batch dimension (`null` for a free dimension). */
  outputShape: (number | null)[];
  params: number;
}

/** Images per split of a dataset. */
export type DatasetCounts = LineageSplitCounts;

/** Where a dataset's images come from. */
export type DatasetSource =
  | {
      kind: 'builtin';
      /** Builtin set shipped through @graft/core, e.g. `mnist-digits`. */
      name: string;
      /** Builtin-specific selection, e.g. `{ digits: [0, 1, 2] }`. */
      options?: Record<string, unknown>;
    }
  | {
      /** A folder on the API's own disk (embedded mode only), read again by each run. */
      kind: 'folder';
      path: string;
      size: [number, number];
      channels: 1 | 3;
    }
  | {
      kind: 'archive';
      /** Object-store key of the uploaded archive (`sha256/<hex>`). */
      key: string;
      bytes: number;
      sha256: string;
      filename?: string;
    };

/** The surgery a run asked for and, once validated against the backbone, what it resolved to. */
export interface RunSurgery {
  request: SurgerySpec;
  /** The resulting model's layer table, each layer with its frozen/trainable flag. */
  layers?: LayerInfo[];
  frozenLayers?: string[];
}

/** A worker's latest progress event for a run: core's TrainProgress plus when it was written (ISO). */
export type RunProgress = TrainProgress & { at: string };
