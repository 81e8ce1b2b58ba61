import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Outputs of the frozen prefix for a list of images: one block per boundary tensor. */
export interface Features {
  count: number;
  blocks: { shape: number[]; data: Float32Array }[];
}

/** Where frozen-prefix outputs are kept between runs. Keys are sha256 hex strings. */
export interface FeatureCache {
  get(key: string): Promise<Features | undefined>;
  set(key: string, features: Features): Promise<void>;
  /** Where compiled ONNX graphs of frozen prefixes are kept on disk, next to the features; none: memory only. */
  readonly graphDir?: string;
}

/** Keeps features in memory, evicting the least recently used above `maxBytes` (default 1 GiB). */
export class MemoryFeatureCache implements FeatureCache {
  private readonly entries = new Map<string, Features>();
  constructor(private readonly maxBytes = 1 << 30) {}

  async get(key: string): Promise<Features | undefined> {
    const f = this.entries.get(key);
    if (f) {
      this.entries.delete(key);
      this.entries.set(key, f);
    }
    return f;
  }

  async set(key: string, features: Features): Promise<void> {
    this.entries.set(key, features);
    let bytes = 0;
    for (const f of this.entries.values()) bytes += featureBytes(f);
    for (const [k, f] of this.entries) {
      if (bytes <= this.maxBytes || this.entries.size === 1) break;
      this.entries.delete(k);
      bytes -= featureBytes(f);
    }
  }
}

/** Keeps features as files (`<key>.json` header + `<key>.bin` float32 data) under a directory. */
export class DirectoryFeatureCache implements FeatureCache {
  readonly graphDir: string;
  constructor(private readonly dir: string) {
    this.graphDir = join(dir, 'onnx');
  }

  async get(key: string): Promise<Features | undefined> {
    try {
      const header = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as {
        count: number;
        shapes: number[][];
      };
      const bin = await readFile(join(this.dir, `${key}.bin`));
      const all = new Float32Array(bin.buffer, bin.byteOffset, bin.byteLength / 4);
      let offset = 0;
      const blocks = header.shapes.map((shape) => {
        const n = header.count * shape.reduce((a, b) => a * b, 1);
        const data = all.slice(offset, offset + n);
        offset += n;
        return { shape, data };
      });
      if (offset !== all.length) return undefined; // truncated or foreign file: recompute
      return { count: header.count, blocks };
    } catch {
      return undefined;
    }
  }

  async set(key: string, features: Features): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `${key}.${process.pid}.tmp`);
    const parts = features.blocks.map((b) =>
      Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
    );
    await writeFile(tmp, Buffer.concat(parts));
    await rename(tmp, join(this.dir, `${key}.bin`));
    // The header is written last: a reader that finds it finds complete data.
    await writeFile(
      join(this.dir, `${key}.json`),
      JSON.stringify({ count: features.count, shapes: features.blocks.map((b) => b.shape) }),
    );
  }
}

export function featureBytes(f: Features): number {
  return f.blocks.reduce((s, b) => s + b.data.byteLength, 0);
}
