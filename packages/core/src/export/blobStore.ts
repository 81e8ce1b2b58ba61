import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { GraftError } from '../errors.js';

/**
 * The blob storage core writes artifacts to. Keys are `/`-separated relative paths
 * (`models/abc/model.json`); the apps implement it over S3, core ships a directory store.
 */
export interface BlobStore {
  /** Stores `data` under `key`, replacing any previous blob. Readers never see a partial blob. */
  put(key: string, data: Uint8Array): Promise<void>;
  /** @throws BlobNotFoundError when there is no blob under `key`. */
  get(key: string): Promise<Uint8Array>;
  exists(key: string): Promise<boolean>;
}

/** A key that names no blob in the store. */
export class BlobNotFoundError extends GraftError {
  constructor(readonly key: string) {
    super('BLOB_NOT_FOUND', `no blob under key '${key}'`);
  }
}

/** A key that is not a clean relative path (empty, absolute, `..`, `\`, empty segments). */
export class InvalidBlobKeyError extends GraftError {
  constructor(key: string, reason: string) {
    super(
      'INVALID_BLOB_KEY',
      `invalid blob key '${key}': ${reason}; use a relative path of '/'-separated names, ` +
        `e.g. 'models/abc/model.json'`,
    );
  }
}

/**
 * Checks that `key` is a clean relative path, so that no key can escape a store's root.
 * @returns the key's segments.
 */
export function blobKeySegments(key: string): string[] {
  if (key.length === 0) throw new InvalidBlobKeyError(key, 'it is empty');
  if (key.includes('\\')) throw new InvalidBlobKeyError(key, 'it contains a backslash');
  if (key.includes('\0')) throw new InvalidBlobKeyError(key, 'it contains a NUL character');
  if (key.startsWith('/')) throw new InvalidBlobKeyError(key, 'it is absolute');
  const segments = key.split('/');
  for (const s of segments) {
    if (s === '') throw new InvalidBlobKeyError(key, 'it has an empty segment');
    if (s === '.' || s === '..') throw new InvalidBlobKeyError(key, `it has a '${s}' segment`);
  }
  return segments;
}

/** Arguments of the {@link DirectoryBlobStore} constructor. */
export interface DirectoryBlobStoreArgs {
  /** Directory that holds the blobs; created on the first `put` if missing. */
  root: string;
  /** `fsync` each blob before it becomes visible, so it survives a crash. Default `true`. */
  durable?: boolean;
}

/**
 * A {@link BlobStore} over a local directory: key `a/b/c` is the file `<root>/a/b/c`.
 * Writes go to a temporary file in the target folder and are renamed into place, so a reader
 * sees either the old blob or the whole new one.
 */
export class DirectoryBlobStore implements BlobStore {
  readonly root: string;
  private readonly durable: boolean;

  constructor(args: DirectoryBlobStoreArgs) {
    this.root = path.resolve(args.root);
    this.durable = args.durable ?? true;
  }

  /** Absolute file path of a key. */
  pathOf(key: string): string {
    return path.join(this.root, ...blobKeySegments(key));
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    // Same folder as the target: rename is atomic only within one file system.
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(data);
        if (this.durable) await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array> {
    try {
      const buf = await readFile(this.pathOf(key));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (err) {
      if (isNotFound(err)) throw new BlobNotFoundError(key);
      throw err;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  // ENOTDIR: a key whose parent is itself a blob (`a` exists as a file, asked for `a/b`).
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
