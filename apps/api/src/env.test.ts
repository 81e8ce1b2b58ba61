import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './env.js';

describe('loadConfig', () => {
  it('defaults to embedded mode under ./.graft on port 4000', () => {
    const config = loadConfig({}, '/srv/graft');
    expect(config).toMatchObject({
      port: 4000,
      host: '127.0.0.1',
      dataDir: '/srv/graft/.graft',
      logLevel: 'info',
      database: { kind: 'pglite', dataDir: '/srv/graft/.graft/db', socketPort: 0 },
      storage: { kind: 'embedded', directory: '/srv/graft/.graft/s3', bucket: 'graft' },
      queue: { retryLimit: 2, expireInSeconds: 4 * 3600 },
    });
  });

  it('uses Postgres and S3 when configured, and treats empty variables as unset', () => {
    const config = loadConfig(
      {
        PORT: '8080',
        GRAFT_DATA_DIR: '/var/lib/graft',
        DATABASE_URL: 'postgres://graft:secret@db:5432/graft',
        S3_ENDPOINT: 'http://minio:9000',
        S3_ACCESS_KEY: 'minio',
        S3_SECRET_KEY: 'minio-secret',
        S3_BUCKET: 'models',
        LOG_LEVEL: '',
        MAX_UPLOAD_BYTES: '1048576',
      },
      '/',
    );
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('info');
    expect(config.maxUploadBytes).toBe(1_048_576);
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgres://graft:secret@db:5432/graft',
      poolMax: 10,
    });
    expect(config.storage).toMatchObject({
      kind: 's3',
      endpoint: 'http://minio:9000',
      bucket: 'models',
      accessKey: 'minio',
    });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it('lists every invalid variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', S3_ENDPOINT: 'http://minio:9000', DATABASE_URL: 'mysql://x/y' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { issues } = error as ConfigError;
    expect(issues.some((i) => i.startsWith('PORT:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('DATABASE_URL:'))).toBe(true);
    expect(issues).toContain('S3_ACCESS_KEY: is required when S3_ENDPOINT is set');
    expect(issues).toContain('S3_SECRET_KEY: is required when S3_ENDPOINT is set');
  });
});
