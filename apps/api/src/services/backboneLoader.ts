import * as tf from '@tensorflow/tfjs';
import { loadBackbone, type Backbone } from '@graft/core';
import type { backbones } from '../db/schema.js';
import { readObject, type ObjectStore } from '../storage/index.js';

type BackboneRow = typeof backbones.$inferSelect;

/** A stored model.json: a tfjs LayersModel whose weights manifest lists object-store keys. */
interface StoredModelJson {
  modelTopology: tf.io.ModelArtifacts['modelTopology'];
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Backbones @graft/core ships load from its catalog, by name. */
export const isCatalogSource = (sourceUri: string): boolean =>
  sourceUri.startsWith('npm:') || sourceUri.startsWith('graft:');

/** A tfjs IOHandler reading a model stored by the registry (model.json + weight objects). */
export function storedModelHandler(store: ObjectStore, modelJsonKey: string): tf.io.IOHandler {
  return {
    load: async () => {
      const json = JSON.parse(
        (await readObject(store, modelJsonKey)).toString('utf8'),
      ) as StoredModelJson;
      const buffers: ArrayBuffer[] = [];
      for (const group of json.weightsManifest) {
        for (const key of group.paths) {
          const b = await readObject(store, key);
          buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
        }
      }
      return {
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
        weightData: tf.io.concatenateArrayBuffers(buffers),
      };
    },
  };
}

/** Stored backbones loaded lately, by row id and weights (a model is a few to ~100 MB). */
const recent = new Map<string, Promise<Backbone>>();
const RECENT_MAX = 4;

/**
 * The @graft/core Backbone of a registered backbone row, as the API validates specs against it
 * and workers train it. Catalog backbones (sources `npm:`, `graft:`) load from the catalog; every
 * other one from the copy stored at registration (`artifactKey`), so every replica and worker on
 * any machine sees the same weights, wherever they first came from: a server folder, a URL, an
 * upload, a model version. The weights' sha256 is checked against the registered one.
 */
export async function backboneFromRow(row: BackboneRow, store: ObjectStore): Promise<Backbone> {
  let backbone: Backbone;
  if (isCatalogSource(row.sourceUri)) {
    backbone = await loadBackbone({
      source: row.name,
      name: row.name,
      preprocessing: row.preprocessing,
      lastFeatureLayer: row.lastFeatureLayer,
    });
  } else {
    if (!row.artifactKey) {
      throw new Error(`backbone '${row.name}' has no stored model (artifact key missing)`);
    }
    const memoKey = `${row.id}|${row.weightsSha256}`;
    let loading = recent.get(memoKey);
    if (!loading) {
      loading = loadBackbone({
        ioHandler: storedModelHandler(store, row.artifactKey),
        name: row.name,
        preprocessing: row.preprocessing,
        lastFeatureLayer: row.lastFeatureLayer,
      }).then((b) => ({
        ...b,
        id: row.name,
        family: row.family,
        sourceUri: row.sourceUri,
        blockEnds: row.blockEnds.length > 0 ? row.blockEnds : b.blockEnds,
      }));
      loading.catch(() => recent.delete(memoKey));
      recent.set(memoKey, loading);
      while (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value!);
    }
    backbone = await loading;
  }
  if (backbone.fingerprint.weightsSha256 !== row.weightsSha256) {
    throw new Error(
      `backbone '${row.name}' weights changed since registration (sha256 ${backbone.fingerprint.weightsSha256}, registered ${row.weightsSha256})`,
    );
  }
  return backbone;
}
