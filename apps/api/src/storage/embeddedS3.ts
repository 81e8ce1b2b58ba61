import { mkdir } from 'node:fs/promises';
import S3rver from 's3rver';

/** Arguments of {@link startEmbeddedS3}. */
export interface StartEmbeddedS3Args {
  /** Folder the buckets are kept in; created if missing. */
  directory: string;
  /** Loopback port; 0 picks a free one. */
  port: number;
}

/** An S3-compatible server running in this process, reachable on loopback only. */
export interface EmbeddedS3 {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  close(): Promise<void>;
}

/**
 * Starts `s3rver` (no MinIO binary is available from npm or Debian) so that embedded mode
 * speaks the same S3 protocol, through the same client, as production.
 */
export async function startEmbeddedS3(args: StartEmbeddedS3Args): Promise<EmbeddedS3> {
  await mkdir(args.directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: args.port,
    directory: args.directory,
    silent: true,
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    // s3rver's fixed credentials; it only listens on loopback.
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    close: () => server.close(),
  };
}
