import { createHash } from 'node:crypto';

/** Hex sha256 of bytes or a string. */
export function sha256(data: Uint8Array | ArrayBuffer | string): string {
  const h = createHash('sha256');
  h.update(
    typeof data === 'string' ? data : data instanceof Uint8Array ? data : new Uint8Array(data),
  );
  return h.digest('hex');
}

/** sha256 over several chunks, each length-prefixed so that chunk boundaries matter. */
export function sha256Chunks(chunks: Iterable<Uint8Array | string>): string {
  const h = createHash('sha256');
  for (const c of chunks) {
    const bytes = typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(bytes.byteLength));
    h.update(len);
    h.update(bytes);
  }
  return h.digest('hex');
}
