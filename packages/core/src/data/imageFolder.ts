import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { CorruptImagesError, GraftError, InvalidSpecError } from '../errors.js';
import type { ImageSet } from './types.js';

/** Extensions (lower case, no dot) read by default. */
export const DEFAULT_IMAGE_EXTENSIONS: readonly string[] = ['jpg', 'jpeg', 'png', 'webp'];

/** An image that could not be read or decoded. */
export interface SkippedImage {
  /** Path of the file (as built from `dir`). */
  path: string;
  /** The decoder's (or file system's) error message. */
  reason: string;
}

/** What {@link loadImageFolder} returns: the images, and those skipped with `skipCorrupt`. */
export type ImageFolderSet = ImageSet & {
  /** Images that could not be decoded and were left out (always empty unless `skipCorrupt`). */
  skipped: SkippedImage[];
};

/** Arguments of {@link loadImageFolder}. */
export interface LoadImageFolderArgs {
  /** Folder holding one sub-folder per class; the sub-folder's name is the class name. */
  dir: string;
  /** Size every image is resized to: [height, width] in pixels. */
  size: [number, number];
  /** Channels of the result: 3 (RGB; grayscale images are converted) or 1 (grayscale). Default 3. */
  channels?: 1 | 3;
  /**
   * How an image whose aspect ratio differs from `size` is resized. `fill` stretches the whole image
   * to the size, ignoring its aspect ratio (Keras' `image_dataset_from_directory` default);
   * `cover` keeps the aspect ratio and crops the centre (Keras' `crop_to_aspect_ratio: true`).
   * Default `fill`.
   */
  fit?: 'fill' | 'cover';
  /**
   * When false, any image that cannot be decoded makes the call throw a CorruptImagesError listing
   * every such image (all files are tried first). When true, those images are left out and listed
   * in `skipped`. Default false.
   */
  skipCorrupt?: boolean;
  /**
   * File extensions to read, case-insensitive, with or without the dot; other files (and hidden
   * files) are ignored. Default `['jpg', 'jpeg', 'png', 'webp']`.
   */
  extensions?: string[];
  /** Images decoded at the same time. Default: the number of CPUs, at most 8. */
  concurrency?: number;
  /** Called after each image is decoded (or fails), with the number done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/** Lists the image files under `dir` (recursively), sorted by path, hidden entries skipped. */
async function listImages(dir: string, extensions: Set<string>): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      for (const f of await listImages(full, extensions)) out.push(f);
    } else if (e.isFile() || e.isSymbolicLink()) {
      const ext = path.extname(e.name).slice(1).toLowerCase();
      if (extensions.has(ext)) out.push(full);
    }
  }
  return out;
}

/** Runs `fn` over `0..n-1` with at most `concurrency` calls pending. */
async function forEachConcurrent(
  n: number,
  concurrency: number,
  fn: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads a folder of images laid out like Keras' `image_dataset_from_directory`: `dir/<class>/<image>`
 * (images in nested folders of a class folder count for that class). Classes are the sub-folder
 * names sorted (by code unit); images are taken in sorted path order, so the same files always
 * give the same set (and the same content hash).
 *
 * Each image is decoded with sharp, auto-oriented from EXIF, its alpha channel removed (dropped, not
 * blended), resized to `size` (see `fit`; sharp's default lanczos3 kernel) and
 * converted to sRGB (channels 3) or grayscale (channels 1). Truncated or otherwise damaged images
 * count as corrupt (sharp's `failOn: 'warning'`).
 *
 * Throws GraftError `DATASET_NOT_FOUND` when `dir` is not a folder, InvalidSpecError when it has
 * fewer than 2 class folders or a class folder has no images, CorruptImagesError (see `skipCorrupt`).
 */
export async function loadImageFolder(args: LoadImageFolderArgs): Promise<ImageFolderSet> {
  const { dir, size, channels = 3, fit = 'fill', skipCorrupt = false, onProgress } = args;
  const [height, width] = size;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new InvalidSpecError(
      `size must be [height, width] in whole pixels, got [${size.join(', ')}]`,
      'data.size',
    );
  }
  if (channels !== 1 && channels !== 3) {
    throw new InvalidSpecError(`channels must be 1 or 3, got ${String(channels)}`, 'data.channels');
  }
  const extensions = new Set(
    (args.extensions ?? DEFAULT_IMAGE_EXTENSIONS).map((e) => e.replace(/^\./, '').toLowerCase()),
  );
  const concurrency = Math.max(
    1,
    Math.floor(args.concurrency ?? Math.min(8, availableParallelism())),
  );

  const isDir = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    throw new GraftError(
      'DATASET_NOT_FOUND',
      `image folder '${dir}' does not exist or is not a folder`,
      'data.dir',
    );
  }
  const classes = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (classes.length < 2) {
    throw new InvalidSpecError(
      `image folder '${dir}' must hold one sub-folder per class and at least 2 classes, ` +
        `found ${classes.length}${classes.length ? ` (${classes.join(', ')})` : ''}`,
      'data.dir',
    );
  }

  const files: string[] = [];
  const fileLabels: number[] = [];
  const empty: string[] = [];
  for (let label = 0; label < classes.length; label++) {
    const classDir = path.join(dir, classes[label]!);
    const images = await listImages(classDir, extensions);
    if (images.length === 0) empty.push(classDir);
    for (const f of images) {
      files.push(f);
      fileLabels.push(label);
    }
  }
  if (empty.length > 0) {
    throw new InvalidSpecError(
      `class folder(s) with no images (${[...extensions].join(', ')}): ${empty.join(', ')}`,
      'data.dir',
    );
  }

  const imageSize = height * width * channels;
  const total = files.length;
  const buffer = new Uint8Array(total * imageSize);
  const failures: (SkippedImage | undefined)[] = new Array<SkippedImage | undefined>(total);
  let done = 0;
  await forEachConcurrent(total, concurrency, async (i) => {
    const file = files[i]!;
    try {
      let pipeline = sharp(file, { failOn: 'warning', autoOrient: true })
        .removeAlpha()
        .resize({ width, height, fit, position: 'centre' });
      pipeline = channels === 1 ? pipeline.toColourspace('b-w') : pipeline.toColourspace('srgb');
      const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
      if (
        info.width !== width ||
        info.height !== height ||
        info.channels !== channels ||
        data.length !== imageSize
      ) {
        throw new Error(
          `decoded to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x${channels}`,
        );
      }
      buffer.set(data, i * imageSize);
    } catch (err) {
      failures[i] = { path: file, reason: errorMessage(err) };
    }
    done++;
    onProgress?.(done, total);
  });

  const skipped = failures.filter((f): f is SkippedImage => f !== undefined);
  if (skipped.length > 0 && !skipCorrupt) {
    throw new CorruptImagesError(skipped.map((s) => s.path));
  }
  const count = total - skipped.length;
  if (count === 0) {
    throw new InvalidSpecError(`no image in '${dir}' could be decoded`, 'data.dir');
  }
  let pixels = buffer;
  const labels = new Int32Array(count);
  let sources: string[] = [];
  if (skipped.length === 0) {
    labels.set(fileLabels);
    sources = files;
  } else {
    pixels = new Uint8Array(count * imageSize);
    let n = 0;
    for (let i = 0; i < total; i++) {
      if (failures[i]) continue;
      pixels.set(buffer.subarray(i * imageSize, (i + 1) * imageSize), n * imageSize);
      labels[n] = fileLabels[i]!;
      sources.push(files[i]!);
      n++;
    }
  }

  return {
    name: path.basename(path.resolve(dir)),
    classes,
    imageShape: [height, width, channels],
    pixels,
    labels,
    count,
    sources,
    skipped,
  };
}
