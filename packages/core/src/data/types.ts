/**
 * An in-memory set of labelled images. Pixels are kept as raw uint8 (HWC, row-major,
 * image after image) so that 10k images cost megabytes, not hundreds of megabytes;
 * a backbone's preprocessing (see `Preprocessing`) is applied when batches become tensors.
 */
export interface ImageSet {
  /** Human-readable dataset name, e.g. `mnist[5-9]` or the folder's base name. */
  name: string;
  /** Class names; `labels[i]` indexes into this array. */
  classes: string[];
  /** Per-image size: [height, width, channels]. */
  imageShape: [number, number, number];
  /** `count * h * w * c` bytes. */
  pixels: Uint8Array;
  /** One class index per image. */
  labels: Int32Array;
  /** Number of images. */
  count: number;
  /** Where each image came from (file path, or e.g. `mnist#123`), for error reports and lineage. */
  sources: string[];
}

/** A deterministic train/validation/test split of one ImageSet. */
export interface DatasetSplit {
  train: ImageSet;
  validation: ImageSet;
  test: ImageSet;
  /** Seed that produced the split. */
  seed: number;
  /** sha256 over the whole dataset's content (pixels, labels, class names), independent of the split. */
  contentHash: string;
}

/**
 * How raw uint8 pixels are mapped to the backbone's input: `x * scale + offset`.
 * nsfwjs' weights expect [0, 1] (scale 1/255, offset 0); Keras' MobileNetV2 `preprocess_input`
 * would be scale 2/255, offset -1. Part of a backbone's identity and of the lineage.
 */
export interface Preprocessing {
  scale: number;
  offset: number;
  /** Channels the backbone expects; grayscale images are repeated to 3 channels when 3. */
  channels: 1 | 3;
}
