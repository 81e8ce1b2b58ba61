import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempDir } from '../testing/tempDir.js';
import {
  createObjectStore,
  ObjectNotFoundError,
  ObjectSizeError,
  type ObjectStore,
} from './objectStore.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('object store over the embedded S3 server', () => {
  let store: ObjectStore;
  let dir: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    dir = await createTempDir();
    store = await createObjectStore({
      kind: 'embedded',
      directory: `${dir.path}/s3`,
      port: 0,
      bucket: 'graft-test',
      region: 'us-east-1',
    });
  });
  afterAll(async () => {
    await store?.close();
    await dir?.remove();
  });

  it('stores bytes under their content address and reads them back', async () => {
    const bytes = randomBytes(64 * 1024);
    const stored = await store.putObject(bytes);
    expect(stored).toEqual({
      key: `sha256/${sha256(bytes)}`,
      bytes: bytes.length,
      sha256: sha256(bytes),
    });
    expect(await buffer(await store.getObject(stored.key))).toEqual(bytes);
    expect(await store.statObject(stored.key)).toMatchObject({
      key: stored.key,
      bytes: bytes.length,
    });
    // Same content, same object.
    expect(await store.putObject(Buffer.from(bytes))).toEqual(stored);
  });

  it('streams a multi-part upload (12 MB) and hashes it on the way', async () => {
    const bytes = randomBytes(12 * 1024 * 1024);
    const chunks = Array.from({ length: 12 }, (_, i) =>
      bytes.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024),
    );
    const stored = await store.putObject(Readable.from(chunks), { size: bytes.length });
    expect(stored.sha256).toBe(sha256(bytes));
    expect(await store.statObject(stored.key)).toMatchObject({ bytes: bytes.length });
    expect(sha256(await buffer(await store.getObject(stored.key)))).toBe(stored.sha256);
  });

  it('serves a presigned GET that needs no credentials, until it expires', async () => {
    const bytes = Buffer.from('{"format":"layers-model"}');
    const stored = await store.putObject(bytes, { contentType: 'application/json' });
    const url = await store.presignedGetUrl(stored.key, 60);
    expect(url).toContain('X-Amz-Signature=');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);

    // s3rver checks expiry (not signatures: it serves anyone on loopback), MinIO checks both.
    const shortLived = await store.presignedGetUrl(stored.key, 1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await fetch(shortLived);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');
  });

  it('rejects bodies over the limit or of the wrong size, storing nothing', async () => {
    const before = await store.list('sha256/');
    const big = randomBytes(2048);
    await expect(store.putObject(big, { maxBytes: 1024 })).rejects.toBeInstanceOf(ObjectSizeError);
    await expect(
      store.putObject(Readable.from([big.subarray(0, 1000), big.subarray(1000)]), {
        maxBytes: 1024,
      }),
    ).rejects.toBeInstanceOf(ObjectSizeError);
    await expect(store.putObject(Readable.from([big]), { size: 4096 })).rejects.toBeInstanceOf(
      ObjectSizeError,
    );
    expect(await store.list('sha256/')).toEqual(before);
  });

  it('lists objects by prefix and reports missing keys', async () => {
    const listed = await store.list('sha256/');
    expect(listed.length).toBeGreaterThanOrEqual(3);
    expect(listed.every((o) => o.key.startsWith('sha256/') && o.bytes > 0)).toBe(true);
    expect(await store.statObject('sha256/missing')).toBeNull();
    await expect(store.getObject('sha256/missing')).rejects.toBeInstanceOf(ObjectNotFoundError);
    await expect(store.ping()).resolves.toBeUndefined();
  });
});
