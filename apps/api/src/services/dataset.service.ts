import {
  CorruptImagesError,
  datasetContentHash,
  GraftError,
  loadImageFolder,
  loadMnistDigits,
  splitDataset,
  type ImageSet,
} from '@graft/core';
import { asc, eq } from 'drizzle-orm';
import type { GraphQLContext } from '../context.js';
import type { DatasetCounts, DatasetSource } from '../db/json.js';
import { datasets } from '../db/schema.js';
import { CorruptArchiveError, materializeDataset } from '../datasets/materialize.js';
import { BadUserInputError, ConflictError, NotFoundError } from '../errors/index.js';
import { assertUuid } from './ids.js';

export type DatasetRow = typeof datasets.$inferSelect;

/** Counts stored with a dataset: images per class at creation (splits are made per run). */
export type StoredDatasetCounts = DatasetCounts & {
  total: number;
  perClass: { className: string; count: number }[];
};

type Deps = Pick<GraphQLContext, 'db' | 'logger' | 'config' | 'store'>;

/** Arguments of {@link createDataset}; exactly one of `builtin` and `folder`. */
export interface CreateDatasetArgs {
  name: string;
  builtin?: {
    /** MNIST digits to take, each 0..9, at least 2 different ones. */
    mnistDigits: number[];
    /** Most images, balanced round-robin over the digits. Default: all samples of the digits. */
    limit?: number | null;
  } | null;
  /** An uploaded .tar / .tar.gz (`POST /uploads`) with one sub-folder of images per class. */
  archive?: { key: string; filename?: string | null } | null;
  folder?: {
    /** Server-side folder with one sub-folder per class. */
    path: string;
    /** [height, width] images are resized to. Default [224, 224]. */
    size?: number[] | null;
    /** 1 or 3. Default 3. */
    channels?: number | null;
  } | null;
}

function bad(path: string, message: string): BadUserInputError {
  return new BadUserInputError(message, [{ path, message }]);
}

/**
 * Images per class, in total, and in each part of the split. Runs split with `splitDataset`'s
 * default fractions, stratified: the seed decides which images go where, the class counts
 * decide how many, so these counts hold for every run.
 */
function countsOf(set: ImageSet): StoredDatasetCounts {
  const perClass = set.classes.map((className) => ({ className, count: 0 }));
  for (const label of set.labels) perClass[label]!.count++;
  const split = splitDataset({ set, seed: 0 });
  return {
    train: split.train.count,
    validation: split.validation.count,
    test: split.test.count,
    total: set.count,
    perClass,
  };
}

async function loadMnist(builtin: NonNullable<CreateDatasetArgs['builtin']>) {
  const digits = [...new Set(builtin.mnistDigits)];
  const unknown = digits.filter((d) => !Number.isInteger(d) || d < 0 || d > 9);
  if (unknown.length > 0) {
    throw bad('builtin.mnistDigits', `unknown MNIST digits ${unknown.join(', ')}: digits are 0..9`);
  }
  if (digits.length < 2) {
    throw bad(
      'builtin.mnistDigits',
      `a dataset needs at least 2 classes, got ${digits.length} (${digits.join(', ') || 'none'})`,
    );
  }
  const limit = builtin.limit ?? undefined;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < digits.length)) {
    throw bad(
      'builtin.limit',
      `limit must be an integer ≥ the number of digits (${digits.length})`,
    );
  }
  const set = loadMnistDigits({ digits, ...(limit !== undefined ? { limit } : {}) });
  const source: DatasetSource = {
    kind: 'builtin',
    name: 'mnist-digits',
    options: { digits: [...digits].sort((a, b) => a - b), ...(limit ? { limit } : {}) },
  };
  return { set, source };
}

/**
 * Checks an uploaded archive: it must extract, hold at least 2 class folders, and every image must
 * decode (each corrupt one is reported by its path in the archive). Images are read small here
 * (for counts); runs read them at their input size.
 */
async function loadArchive(deps: Deps, archive: NonNullable<CreateDatasetArgs['archive']>) {
  const info = await deps.store.statObject(archive.key);
  if (!info) throw new NotFoundError('upload', archive.key);
  let set: ImageSet;
  try {
    set = await materializeDataset(
      {
        kind: 'archive',
        key: archive.key,
        bytes: info.bytes,
        sha256: archive.key.replace(/^sha256\//, ''),
      },
      { store: deps.store, size: [32, 32], channels: 3 },
    );
  } catch (error) {
    if (error instanceof CorruptArchiveError) throw bad('archive.key', error.message);
    if (error instanceof CorruptImagesError) {
      const inArchive = (p: string): string => p.replace(/^.*graft-dataset-[^/]+\//, '');
      throw new BadUserInputError(
        `${error.paths.length} image(s) in the archive could not be decoded: ${error.paths.map(inArchive).join(', ')}`,
        error.paths.map((p) => ({
          path: 'archive.key',
          message: `corrupt image: ${inArchive(p)}`,
        })),
      );
    }
    if (error instanceof GraftError) throw bad('archive.key', error.message);
    throw error;
  }
  const source: DatasetSource = {
    kind: 'archive',
    key: archive.key,
    bytes: info.bytes,
    sha256: archive.key.replace(/^sha256\//, ''),
    ...(archive.filename ? { filename: archive.filename } : {}),
  };
  return { set, source };
}

async function loadFolder(folder: NonNullable<CreateDatasetArgs['folder']>) {
  const size = folder.size ?? [224, 224];
  const channels = folder.channels ?? 3;
  if (size.length !== 2 || size.some((s) => !Number.isInteger(s) || s < 1 || s > 4096)) {
    throw bad('folder.size', 'size is [height, width] in whole pixels, 1..4096');
  }
  if (channels !== 1 && channels !== 3) throw bad('folder.channels', 'channels must be 1 or 3');
  let set: ImageSet;
  try {
    set = await loadImageFolder({ dir: folder.path, size: [size[0]!, size[1]!], channels });
  } catch (error) {
    if (error instanceof CorruptImagesError) {
      throw new BadUserInputError(
        error.message,
        error.paths.map((path) => ({ path: 'folder.path', message: `corrupt image: ${path}` })),
      );
    }
    if (error instanceof GraftError) throw bad('folder.path', error.message);
    throw error;
  }
  const source: DatasetSource = {
    kind: 'folder',
    path: folder.path,
    size: [size[0]!, size[1]!],
    channels,
  };
  return { set, source };
}

/**
 * Registers a dataset: reads its images once (MNIST digits shipped with core, or a server-side
 * image folder) to record classes, counts and the content hash; the images are not copied.
 * @throws BadUserInputError for fewer than 2 classes, unknown digits, corrupt images;
 * ConflictError for a taken name.
 */
export async function createDataset(deps: Deps, args: CreateDatasetArgs): Promise<DatasetRow> {
  const name = args.name.trim();
  if (name.length === 0 || name.length > 200) throw bad('name', 'name must be 1-200 characters');
  if ([args.builtin, args.folder, args.archive].filter(Boolean).length !== 1) {
    throw bad('builtin', 'give exactly one source: builtin, archive or folder');
  }
  // A folder is read from the API's own disk: only where API and user share the machine.
  if (args.folder && deps.config.database.kind !== 'pglite') {
    throw bad('folder', 'folder datasets are only available in embedded mode (no DATABASE_URL)');
  }
  // The table has no unique constraint on name (an index only): checked here.
  const [taken] = await deps.db
    .select({ id: datasets.id })
    .from(datasets)
    .where(eq(datasets.name, name));
  if (taken) throw new ConflictError(`a dataset named '${name}' already exists`);

  const { set, source } = args.builtin
    ? await loadMnist(args.builtin)
    : args.archive
      ? await loadArchive(deps, args.archive)
      : await loadFolder(args.folder!);
  const [row] = await deps.db
    .insert(datasets)
    .values({
      name,
      classes: set.classes,
      counts: countsOf(set),
      // An archive is identified by its bytes; other sources by their decoded images.
      contentHash: source.kind === 'archive' ? source.sha256 : datasetContentHash(set),
      source,
    })
    .returning();
  return row!;
}

/** Every dataset, oldest first. */
export function listDatasets(deps: Deps): Promise<DatasetRow[]> {
  return deps.db.select().from(datasets).orderBy(asc(datasets.createdAt), asc(datasets.name));
}

/** One dataset. @throws NotFoundError for an unknown (or malformed) id. */
export async function getDataset(deps: Deps, id: string): Promise<DatasetRow> {
  assertUuid('dataset', id);
  const [row] = await deps.db.select().from(datasets).where(eq(datasets.id, id));
  if (!row) throw new NotFoundError('dataset', id);
  return row;
}

/** Total, per-class and per-split counts (splits null for rows registered before they were counted). */
export function datasetCounts(row: Pick<DatasetRow, 'counts'>): {
  total: number;
  perClass: { className: string; count: number }[];
  train: number | null;
  validation: number | null;
  test: number | null;
} {
  const counts = row.counts as Partial<StoredDatasetCounts> & DatasetCounts;
  const total = counts.total ?? counts.train + counts.validation + counts.test;
  const known = counts.train + counts.validation + counts.test === total && total > 0;
  return {
    total,
    perClass: counts.perClass ?? [],
    train: known ? counts.train : null,
    validation: known ? counts.validation : null,
    test: known ? counts.test : null,
  };
}
