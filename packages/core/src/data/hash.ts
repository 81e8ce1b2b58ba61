import { sha256Chunks } from '../util/hash.js';
import type { ImageSet } from './types.js';

/** Version tag hashed first, so that a change of this layout changes every hash. */
const HASH_VERSION = 'graft-dataset-content-v1';

/**
 * sha256 (hex) over a set's content: class names, image shape, pixels and labels, in image order.
 * The name and `sources` are not included, so the same images read from another path hash the
 * same; the order of images is, so a reordered set hashes differently. Labels are hashed as
 * little-endian int32, so the hash is the same on every platform.
 */
export function datasetContentHash(set: ImageSet): string {
  const [h, w, c] = set.imageShape;
  if (set.pixels.length !== set.count * h * w * c || set.labels.length !== set.count) {
    throw new Error(
      `inconsistent ImageSet '${set.name}': count ${set.count}, shape [${set.imageShape.join(', ')}], ` +
        `${set.pixels.length} pixel bytes, ${set.labels.length} labels`,
    );
  }
  const labelBytes = new Uint8Array(set.labels.length * 4);
  const view = new DataView(labelBytes.buffer);
  for (let i = 0; i < set.labels.length; i++) view.setInt32(i * 4, set.labels[i]!, true);
  return sha256Chunks([
    HASH_VERSION,
    String(set.classes.length),
    ...set.classes,
    `${h}x${w}x${c}`,
    String(set.count),
    set.pixels,
    labelBytes,
  ]);
}
