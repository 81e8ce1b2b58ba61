import { loadImageFolder, loadMnistDigits, type ImageSet } from '@graft/core';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import type { DatasetSource } from '../db/json.js';
import type { ObjectStore } from '../storage/index.js';

/** An uploaded archive that is not a readable tar / tar.gz. */
export class CorruptArchiveError extends Error {
  constructor(reason: string) {
    super(`the archive could not be read as .tar or .tar.gz: ${reason}`);
    this.name = 'CorruptArchiveError';
  }
}

/**
 * Extracts an uploaded .tar / .tar.gz (gzip is detected) from the object store into a new temp
 * folder and returns the folder holding the class sub-folders (an archive of one top folder is
 * entered). The caller removes `tempDir`.
 */
export async function extractArchive(
  store: ObjectStore,
  key: string,
): Promise<{ tempDir: string; root: string }> {
  const tempDir = await mkdtemp(path.join(tmpdir(), 'graft-dataset-'));
  try {
    await pipeline(await store.getObject(key), tar.x({ cwd: tempDir, strict: true }));
    let root = tempDir;
    for (;;) {
      const entries = (await readdir(root, { withFileTypes: true })).filter(
        (e) => !e.name.startsWith('.'),
      );
      const dirs = entries.filter((e) => e.isDirectory());
      if (dirs.length === 1 && entries.length === 1) root = path.join(root, dirs[0]!.name);
      else break;
    }
    return { tempDir, root };
  } catch (err) {
    await rm(tempDir, { recursive: true, force: true });
    throw new CorruptArchiveError((err as Error).message);
  }
}

/** Reads a dataset's images at `size` with `channels`, whatever its source. */
export async function materializeDataset(
  source: DatasetSource | { kind: 'folder'; path: string },
  options: { store: ObjectStore; size: [number, number]; channels: 1 | 3; skipCorrupt?: boolean },
): Promise<ImageSet> {
  if (source.kind === 'builtin') {
    if (source.name !== 'mnist-digits') throw new Error(`unknown builtin dataset '${source.name}'`);
    const o = (source.options ?? {}) as { digits?: number[]; limit?: number };
    return loadMnistDigits({ digits: o.digits, limit: o.limit });
  }
  const folderArgs = {
    size: options.size,
    channels: options.channels,
    skipCorrupt: options.skipCorrupt ?? false,
  };
  if (source.kind === 'folder') return loadImageFolder({ dir: source.path, ...folderArgs });
  const { tempDir, root } = await extractArchive(options.store, source.key);
  try {
    return await loadImageFolder({ dir: root, ...folderArgs });
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}
