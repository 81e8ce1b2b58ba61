/**
 * Compiled ONNX graphs, kept by backbone fingerprint + cut + input shape (the caller's key), in
 * memory and optionally on disk (`<key>.onnx` + `<key>.json`), so a second run does not recompile.
 * Layers that cannot be compiled are remembered too (in memory), so a fallback is decided once.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Chunks } from '../util/hash.js';
import { UnsupportedLayerError, type CompiledOnnx } from './compile.js';

/** Bumped whenever the compiler's output changes: old graphs on disk are then ignored. */
export const ONNX_COMPILER_VERSION = 1;

export type GraphCacheHit = 'memory' | 'disk' | 'miss';

type Entry = { compiled: CompiledOnnx } | { error: UnsupportedLayerError };

export class CompiledGraphCache {
  private readonly memory = new Map<string, Entry>();
  /** Most graphs kept in memory (least recently used go first); they can be ~100 MB each. */
  constructor(
    readonly dir?: string,
    private readonly maxEntries = 8,
  ) {}

  /** Cache key of a compiled prefix. */
  static key(parts: {
    topologySha256: string;
    weightsSha256: string;
    cut: unknown;
    inputShape: number[];
  }): string {
    return sha256Chunks([
      `onnx-compiler-${ONNX_COMPILER_VERSION}`,
      parts.topologySha256,
      parts.weightsSha256,
      JSON.stringify(parts.cut),
      parts.inputShape.join('x'),
    ]);
  }

  /**
   * The compiled graph under `key`, compiling it with `compile` when neither memory nor disk has it.
   * @throws UnsupportedLayerError (also remembered) when `compile` throws it.
   */
  async getOrCompile(
    key: string,
    compile: () => CompiledOnnx,
  ): Promise<{ compiled: CompiledOnnx; hit: GraphCacheHit }> {
    const m = this.memory.get(key);
    if (m) {
      this.memory.delete(key);
      this.memory.set(key, m);
      if ('error' in m) throw m.error;
      return { compiled: m.compiled, hit: 'memory' };
    }
    const fromDisk = await this.readDisk(key);
    if (fromDisk) {
      this.remember(key, { compiled: fromDisk });
      return { compiled: fromDisk, hit: 'disk' };
    }
    let compiled: CompiledOnnx;
    try {
      compiled = compile();
    } catch (err) {
      if (err instanceof UnsupportedLayerError) this.remember(key, { error: err });
      throw err;
    }
    this.remember(key, { compiled });
    await this.writeDisk(key, compiled);
    return { compiled, hit: 'miss' };
  }

  private remember(key: string, e: Entry): void {
    this.memory.set(key, e);
    while (this.memory.size > this.maxEntries) {
      this.memory.delete(this.memory.keys().next().value!);
    }
  }

  private async readDisk(key: string): Promise<CompiledOnnx | undefined> {
    if (!this.dir) return undefined;
    try {
      const meta = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as Omit<
        CompiledOnnx,
        'bytes'
      > & { byteLength: number };
      const bytes = await readFile(join(this.dir, `${key}.onnx`));
      if (bytes.byteLength !== meta.byteLength) return undefined; // truncated: recompile
      const { byteLength: _n, ...rest } = meta;
      return { ...rest, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
    } catch {
      return undefined;
    }
  }

  private async writeDisk(key: string, c: CompiledOnnx): Promise<void> {
    if (!this.dir) return;
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `${key}.${process.pid}.tmp`);
    await writeFile(tmp, c.bytes);
    await rename(tmp, join(this.dir, `${key}.onnx`));
    const { bytes, ...meta } = c;
    // Written last: a reader that finds the header finds the whole graph.
    await writeFile(
      join(this.dir, `${key}.json`),
      JSON.stringify({ ...meta, byteLength: bytes.byteLength }),
    );
  }
}

const byDir = new Map<string, CompiledGraphCache>();
const inMemory = new CompiledGraphCache();

/** The process-wide graph cache for a directory (or the memory-only one). */
export function compiledGraphCache(dir?: string): CompiledGraphCache {
  if (!dir) return inMemory;
  let c = byDir.get(dir);
  if (!c) {
    c = new CompiledGraphCache(dir);
    byDir.set(dir, c);
  }
  return c;
}
