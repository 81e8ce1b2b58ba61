import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as Minio from 'minio';
import type { StorageConfig } from '../env.js';
import { startEmbeddedS3, type EmbeddedS3 } from './embeddedS3.js';

/** An object as stored: its content address and what it holds. */
export interface StoredObject {
  /** `sha256/<hex>`. */
  key: string;
  bytes: number;
  /** Lowercase hex sha256 of the content. */
  sha256: string;
}

/** What {@link ObjectStore.statObject} and {@link ObjectStore.list} report about an object. */
export interface ObjectInfo {
  key: string;
  bytes: number;
  lastModified: Date;
}

/** Options of {@link ObjectStore.putObject}. */
export interface PutObjectOptions {
  /** Expected size in bytes; a body of another size is rejected and nothing is stored. */
  size?: number;
  /** Largest accepted body; a bigger one is rejected and nothing is stored. */
  maxBytes?: number;
  /** Content-Type recorded with the object. Default `application/octet-stream`. */
  contentType?: string;
}

/**
 * Content-addressed object storage over the S3 protocol. Keys are derived from content, so a
 * stored object never changes and uploading the same bytes twice stores them once.
 */
export interface ObjectStore {
  /** The bucket objects live in. */
  readonly bucket: string;
  /** How another process (a worker) reaches the same S3 server and bucket. */
  readonly connection: S3Connection;
  /**
   * Stores `body` under `sha256/<hex of its content>`. Resolves only once the upload has
   * completed, so a key recorded afterwards always names a whole object.
   * @throws ObjectSizeError when the body is not `size` bytes or exceeds `maxBytes`.
   */
  putObject(body: Uint8Array | Readable, options?: PutObjectOptions): Promise<StoredObject>;
  /** Streams an object. @throws ObjectNotFoundError */
  getObject(key: string): Promise<Readable>;
  /** A URL that GETs the object without credentials until it expires. */
  presignedGetUrl(key: string, expirySeconds: number): Promise<string>;
  /** Size and date of an object, or `null` when there is none under `key`. */
  statObject(key: string): Promise<ObjectInfo | null>;
  /** Objects whose key starts with `prefix`, in key order. */
  list(prefix?: string): Promise<ObjectInfo[]>;
  /** Resolves when the bucket is reachable. */
  ping(): Promise<void>;
  /** Releases connections and stops the embedded server, if any. Idempotent. */
  close(): Promise<void>;
}

/** No object under the key. */
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no object under key '${key}'`);
    this.name = 'ObjectNotFoundError';
  }
}

/** A body that is not the announced size, or exceeds the limit. */
export class ObjectSizeError extends Error {
  constructor(
    message: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(message);
    this.name = 'ObjectSizeError';
  }
}

/** The content address of bytes whose sha256 is `sha256Hex`. */
export function contentKey(sha256Hex: string): string {
  return `sha256/${sha256Hex}`;
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'NotFound' || code === 'NoSuchKey';
}

/** Endpoint, credentials and bucket of an S3 server, as a worker process needs them. */
export interface S3Connection {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region: string;
}

/** Options of {@link createObjectStore}. */
export interface CreateObjectStoreOptions {
  /** Folder streamed uploads are spooled to while they are hashed. Default the OS temp folder. */
  tmpDir?: string;
}

/**
 * Connects to the configured S3 server — or starts the embedded one — and creates the bucket
 * if it is missing. Both modes then run the same `minio` client code.
 */
export async function createObjectStore(
  config: StorageConfig,
  options: CreateObjectStoreOptions = {},
): Promise<ObjectStore> {
  const embedded: EmbeddedS3 | undefined =
    config.kind === 'embedded'
      ? await startEmbeddedS3({ directory: config.directory, port: config.port })
      : undefined;
  try {
    const endpoint = embedded?.endpoint ?? (config as { endpoint: string }).endpoint;
    const credentials = embedded ?? (config as { accessKey: string; secretKey: string });
    const publicEndpoint = config.kind === 's3' ? config.publicEndpoint : undefined;

    // Our own agents, so that close() leaves no keep-alive socket behind.
    const agents: (http.Agent | https.Agent)[] = [];
    const clientFor = (url: string) => {
      const u = new URL(url);
      const useSSL = u.protocol === 'https:';
      const agent = useSSL
        ? new https.Agent({ keepAlive: true })
        : new http.Agent({ keepAlive: true });
      agents.push(agent);
      return new Minio.Client({
        endPoint: u.hostname,
        port: u.port ? Number(u.port) : useSSL ? 443 : 80,
        useSSL,
        accessKey: credentials.accessKey,
        secretKey: credentials.secretKey,
        // A fixed region: the client then never asks the server for the bucket's location,
        // and presigning needs no network.
        region: config.region,
        pathStyle: true,
        transportAgent: agent,
      });
    };
    const client = clientFor(endpoint);
    const presigner = publicEndpoint ? clientFor(publicEndpoint) : client;

    if (!(await client.bucketExists(config.bucket))) {
      try {
        await client.makeBucket(config.bucket, config.region);
      } catch (error) {
        // Another replica created it in the meantime.
        const code = (error as { code?: string }).code;
        if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
      }
    }

    return new MinioObjectStore(
      config.bucket,
      {
        endpoint,
        accessKey: credentials.accessKey,
        secretKey: credentials.secretKey,
        bucket: config.bucket,
        region: config.region,
      },
      client,
      presigner,
      options.tmpDir ?? tmpdir(),
      async () => {
        for (const agent of agents) agent.destroy();
        await embedded?.close();
      },
    );
  } catch (error) {
    await embedded?.close();
    throw error;
  }
}

class MinioObjectStore implements ObjectStore {
  private closed: Promise<void> | undefined;

  constructor(
    readonly bucket: string,
    readonly connection: S3Connection,
    private readonly client: Minio.Client,
    private readonly presigner: Minio.Client,
    private readonly tmpDir: string,
    private readonly release: () => Promise<void>,
  ) {}

  close(): Promise<void> {
    return (this.closed ??= this.release());
  }

  async putObject(
    body: Uint8Array | Readable,
    options: PutObjectOptions = {},
  ): Promise<StoredObject> {
    const metaData = { 'Content-Type': options.contentType ?? 'application/octet-stream' };
    if (!(body instanceof Readable)) {
      const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      checkSize(bytes.length, options, true);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      const key = contentKey(sha256);
      if (!(await this.exists(key, bytes.length))) {
        await this.client.putObject(this.bucket, key, bytes, bytes.length, metaData);
      }
      return { key, bytes: bytes.length, sha256 };
    }

    // The key depends on the content, which is known only at the end of the stream: spool
    // the stream to a file while hashing it, then upload the file under its address.
    const dir = await mkdtemp(path.join(this.tmpDir, 'graft-upload-'));
    try {
      const file = path.join(dir, randomUUID());
      const hash = createHash('sha256');
      let bytes = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          try {
            checkSize(bytes, options, false);
          } catch (error) {
            callback(error as Error);
            return;
          }
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      await pipeline(body, meter, createWriteStream(file));
      checkSize(bytes, options, true);
      const sha256 = hash.digest('hex');
      const key = contentKey(sha256);
      if (!(await this.exists(key, bytes))) {
        await this.client.putObject(this.bucket, key, createReadStream(file), bytes, metaData);
      }
      return { key, bytes, sha256 };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async getObject(key: string): Promise<Readable> {
    try {
      return await this.client.getObject(this.bucket, key);
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(key);
      throw error;
    }
  }

  presignedGetUrl(key: string, expirySeconds: number): Promise<string> {
    return this.presigner.presignedGetObject(this.bucket, key, expirySeconds);
  }

  async statObject(key: string): Promise<ObjectInfo | null> {
    try {
      const stat = await this.client.statObject(this.bucket, key);
      return { key, bytes: stat.size, lastModified: stat.lastModified };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async list(prefix = ''): Promise<ObjectInfo[]> {
    const objects: ObjectInfo[] = [];
    for await (const item of this.client.listObjectsV2(this.bucket, prefix, true)) {
      if (item.name === undefined) continue; // common prefixes; none when listing recursively
      objects.push({ key: item.name, bytes: item.size, lastModified: item.lastModified });
    }
    return objects;
  }

  async ping(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) {
      throw new Error(`bucket '${this.bucket}' does not exist`);
    }
  }

  /** Content-addressed: an object of the same key and size already holds these bytes. */
  private async exists(key: string, bytes: number): Promise<boolean> {
    const stat = await this.statObject(key);
    return stat !== null && stat.bytes === bytes;
  }
}

function checkSize(bytes: number, options: PutObjectOptions, complete: boolean): void {
  if (options.maxBytes !== undefined && bytes > options.maxBytes) {
    throw new ObjectSizeError(
      `upload exceeds the limit of ${options.maxBytes} bytes`,
      bytes,
      options.maxBytes,
    );
  }
  if (
    options.size !== undefined &&
    (bytes > options.size || (complete && bytes !== options.size))
  ) {
    throw new ObjectSizeError(
      `upload announced ${options.size} bytes but ${complete ? 'has' : 'exceeds that at'} ${bytes}`,
      bytes,
      options.size,
    );
  }
}

/** Reads a whole object into memory. @throws ObjectNotFoundError */
export async function readObject(store: ObjectStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.getObject(key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
