import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobNotFoundError, DirectoryBlobStore, InvalidBlobKeyError } from './index.js';

describe('DirectoryBlobStore', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'graft-blobs-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('puts, gets and replaces blobs under nested keys, creating folders', async () => {
    const store = new DirectoryBlobStore({ root: path.join(root, 'not-yet') });
    expect(await store.exists('a/b/c.bin')).toBe(false);
    await store.put('a/b/c.bin', Uint8Array.from([1, 2, 3]));
    expect(await store.exists('a/b/c.bin')).toBe(true);
    expect(Array.from(await store.get('a/b/c.bin'))).toEqual([1, 2, 3]);
    expect(await readFile(path.join(root, 'not-yet', 'a', 'b', 'c.bin'))).toEqual(
      Buffer.from([1, 2, 3]),
    );
    await store.put('a/b/c.bin', Uint8Array.from([9]));
    expect(Array.from(await store.get('a/b/c.bin'))).toEqual([9]);
    // A folder is not a blob.
    expect(await store.exists('a/b')).toBe(false);
  });

  it('leaves no temporary files behind, even with concurrent writers', async () => {
    const store = new DirectoryBlobStore({ root });
    const blobs = Array.from({ length: 8 }, (_, i) => new Uint8Array(10_000).fill(i));
    await Promise.all(blobs.map((b) => store.put('x/same.bin', b)));
    expect(await readdir(path.join(root, 'x'))).toEqual(['same.bin']);
    const got = await store.get('x/same.bin');
    // Whole blob from exactly one writer, never a mix.
    expect(got.length).toBe(10_000);
    expect(got.every((v) => v === got[0])).toBe(true);
  });

  it('throws BlobNotFoundError for missing keys', async () => {
    const store = new DirectoryBlobStore({ root });
    await expect(store.get('missing.bin')).rejects.toBeInstanceOf(BlobNotFoundError);
    await writeFile(path.join(root, 'file'), 'x');
    // A key below an existing blob.
    await expect(store.get('file/below')).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await store.exists('file/below')).toBe(false);
  });

  it('rejects keys that could leave the root', async () => {
    const store = new DirectoryBlobStore({ root });
    for (const key of ['', '/abs', '../up', 'a/../../up', 'a//b', 'a/./b', 'a\\b', 'a/']) {
      await expect(store.put(key, new Uint8Array(1)), key).rejects.toBeInstanceOf(
        InvalidBlobKeyError,
      );
      await expect(store.get(key), key).rejects.toBeInstanceOf(InvalidBlobKeyError);
    }
  });
});
