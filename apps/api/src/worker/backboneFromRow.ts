import { loadBackbone, type Backbone } from '@graft/core';
import type { backbones } from '../db/schema.js';

/**
 * The @graft/core Backbone of a registered backbone row: catalog backbones (sources `npm:` and
 * `graft:`) load from the catalog by name, others from their source URI. Used by the API to
 * validate specs and by workers to train, so both see the same layers.
 */
export async function backboneFromRow(row: typeof backbones.$inferSelect): Promise<Backbone> {
  const fromCatalog = row.sourceUri.startsWith('npm:') || row.sourceUri.startsWith('graft:');
  const backbone = await loadBackbone({
    source: fromCatalog ? row.name : row.sourceUri,
    name: row.name,
    preprocessing: row.preprocessing,
    lastFeatureLayer: row.lastFeatureLayer,
  });
  if (backbone.fingerprint.weightsSha256 !== row.weightsSha256) {
    throw new Error(
      `backbone '${row.name}' weights changed since registration (sha256 ${backbone.fingerprint.weightsSha256}, registered ${row.weightsSha256})`,
    );
  }
  return backbone;
}
