import * as path from 'node:path';
import { z } from 'zod';

/** How much a log line must matter to be written. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where rows live: a Postgres server, or PGlite (Postgres compiled to WASM) in a local folder. */
export type DatabaseConfig =
  | {
      kind: 'postgres';
      /** `postgres://user:password@host:port/database`. */
      url: string;
      /** Connections of the API's pool (pg-boss keeps its own). */
      poolMax: number;
    }
  | {
      kind: 'pglite';
      /** Absolute path of PGlite's data folder, created if missing. */
      dataDir: string;
      /** Loopback port PGlite is served on over the Postgres wire protocol; 0 picks a free one. */
      socketPort: number;
      poolMax: number;
    };

/** Where artifacts live: any S3 server (MinIO in production), or an S3 server run in process. */
export type StorageConfig =
  | {
      kind: 's3';
      /** `http(s)://host:port` of the S3 API. */
      endpoint: string;
      /** Endpoint written into presigned URLs when clients reach S3 by another address. */
      publicEndpoint: string | undefined;
      accessKey: string;
      secretKey: string;
      bucket: string;
      region: string;
    }
  | {
      kind: 'embedded';
      /** Absolute path of the folder the embedded S3 server keeps its buckets in. */
      directory: string;
      /** Loopback port of the embedded S3 server; 0 picks a free one. */
      port: number;
      bucket: string;
      region: string;
    };

/** pg-boss settings of the `train-run` queue. */
export interface QueueConfig {
  /** Retries after the first attempt of a training job fails or its worker dies. */
  retryLimit: number;
  /** Seconds before the first retry; doubled for each further retry. */
  retryDelaySeconds: number;
  /**
   * Seconds a job may stay active at most (pg-boss then retries it): a bound on a run's length.
   * A dead worker is noticed much sooner, by its missing heartbeat (`stallSeconds`).
   */
  expireInSeconds: number;
  /** How often an idle worker polls for jobs. */
  pollingIntervalSeconds: number;
  /**
   * A running run whose worker wrote no heartbeat for this many seconds is taken to have lost
   * its worker: its job is failed, so pg-boss retries it on another worker.
   */
  stallSeconds: number;
}

// --- auth & limits (query limits of every GraphQL operation) ---
/** Bounds on GraphQL operations, checked before they run (see `src/limits/`). */
export interface QueryLimitsConfig {
  /** Deepest accepted field nesting (`GRAFT_MAX_QUERY_DEPTH`, default 12). */
  maxDepth: number;
  /** Largest accepted estimated cost (`GRAFT_MAX_QUERY_COST`, default 5000). */
  maxCost: number;
  /** Items a list without a literal `first` is assumed to hold (`GRAFT_QUERY_DEFAULT_LIST_SIZE`, default 50). */
  defaultListSize: number;
}
// --- end auth & limits ---

/** The API's whole configuration, parsed once from the environment by {@link loadConfig}. */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  /** Interface the HTTP server binds. */
  host: string;
  /** HTTP port; 0 picks a free one. */
  port: number;
  /** Absolute path of the folder embedded mode keeps its state in (`db/`, `s3/`, keys). */
  dataDir: string;
  logLevel: LogLevel;
  /** Largest accepted upload (datasets, backbones), in bytes. */
  maxUploadBytes: number;
  /** Lifetime of presigned artifact download URLs, in seconds. */
  presignedUrlTtlSeconds: number;
  /** Key of download links (`GRAFT_URL_SECRET`); when unset, one is kept in `dataDir`. */
  urlSecret?: string;
  database: DatabaseConfig;
  storage: StorageConfig;
  queue: QueueConfig;
  /** Depth and cost limits of GraphQL operations. */
  queryLimits: QueryLimitsConfig;
  /**
   * URL prefixes `registerBackbone` may load a model from (`GRAFT_BACKBONE_URL_PREFIXES`, comma
   * separated; `*` for any). Default: any in embedded mode, none with DATABASE_URL (uploads only).
   */
  backboneUrlPrefixes: string[] | 'any';
}

/** The environment could not be parsed; the message lists every offending variable. */
export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65_535);
const positiveInt = z.coerce.number().int().positive();
const httpUrl = z.url({ protocol: /^https?$/ });

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port.default(4000),
  GRAFT_DATA_DIR: z.string().min(1).default('.graft'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  MAX_UPLOAD_BYTES: positiveInt.default(512 * 1024 * 1024),
  GRAFT_PRESIGNED_URL_TTL_SECONDS: positiveInt.max(7 * 24 * 3600).default(15 * 60),
  /** Key of download links; the same on every API replica. Default: kept in GRAFT_DATA_DIR. */
  GRAFT_URL_SECRET: z.string().min(16).optional(),

  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  GRAFT_DB_POOL_MAX: positiveInt.default(10),
  GRAFT_PGLITE_PORT: port.default(0),

  S3_ENDPOINT: httpUrl.optional(),
  S3_PUBLIC_ENDPOINT: httpUrl.optional(),
  S3_ACCESS_KEY: z.string().min(1).optional(),
  S3_SECRET_KEY: z.string().min(1).optional(),
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
    .default('graft'),
  S3_REGION: z.string().min(1).default('us-east-1'),
  GRAFT_S3_PORT: port.default(0),

  GRAFT_JOB_RETRY_LIMIT: z.coerce.number().int().min(0).default(2),
  GRAFT_JOB_RETRY_DELAY_SECONDS: z.coerce.number().int().min(0).default(30),
  // pg-boss 10 requires expiry below 24 h.
  GRAFT_JOB_EXPIRE_SECONDS: positiveInt.max(24 * 3600 - 1).default(4 * 3600),
  GRAFT_QUEUE_POLL_SECONDS: z.coerce.number().min(0.5).default(2),
  // A running run whose worker wrote no heartbeat for this long is failed and retried elsewhere.
  GRAFT_RUN_STALL_SECONDS: z.coerce.number().min(2).default(120),
  // URL prefixes registerBackbone may fetch a model from; `*` for any.
  GRAFT_BACKBONE_URL_PREFIXES: z.string().optional(),

  // --- auth & limits ---
  GRAFT_MAX_QUERY_DEPTH: positiveInt.default(12),
  GRAFT_MAX_QUERY_COST: positiveInt.default(5000),
  GRAFT_QUERY_DEFAULT_LIST_SIZE: positiveInt.default(50),
  // --- end auth & limits ---
});

/** Rules across variables; checked apart so that they are reported with the per-variable ones. */
function crossVariableIssues(env: Record<string, string | undefined>): string[] {
  const issues: string[] = [];
  if (env['S3_ENDPOINT']) {
    for (const key of ['S3_ACCESS_KEY', 'S3_SECRET_KEY']) {
      if (!env[key]) issues.push(`${key}: is required when S3_ENDPOINT is set`);
    }
  } else if (env['S3_PUBLIC_ENDPOINT']) {
    issues.push(
      'S3_PUBLIC_ENDPOINT: needs S3_ENDPOINT (the embedded S3 server is only reachable on loopback)',
    );
  }
  return issues;
}

/**
 * Parses the configuration from environment variables. The only reader of `process.env`:
 * everything else receives the returned object.
 *
 * Without `DATABASE_URL` the database is PGlite in `<GRAFT_DATA_DIR>/db`; without `S3_ENDPOINT`
 * artifacts go to an S3 server run in process, storing in `<GRAFT_DATA_DIR>/s3`.
 * Empty variables count as unset.
 *
 * @param env variables to read; default `process.env`.
 * @param cwd folder a relative `GRAFT_DATA_DIR` is resolved against; default the working directory.
 * @throws ConfigError listing every invalid variable.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): AppConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const parsed = envSchema.safeParse(present);
  const issues = [
    ...(parsed.error?.issues ?? []).map(
      (issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`,
    ),
    ...crossVariableIssues(present),
  ];
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.GRAFT_DATA_DIR);

  const database: DatabaseConfig = e.DATABASE_URL
    ? { kind: 'postgres', url: e.DATABASE_URL, poolMax: e.GRAFT_DB_POOL_MAX }
    : {
        kind: 'pglite',
        dataDir: path.join(dataDir, 'db'),
        socketPort: e.GRAFT_PGLITE_PORT,
        poolMax: e.GRAFT_DB_POOL_MAX,
      };

  const storage: StorageConfig =
    e.S3_ENDPOINT && e.S3_ACCESS_KEY && e.S3_SECRET_KEY
      ? {
          kind: 's3',
          endpoint: e.S3_ENDPOINT,
          publicEndpoint: e.S3_PUBLIC_ENDPOINT,
          accessKey: e.S3_ACCESS_KEY,
          secretKey: e.S3_SECRET_KEY,
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
        }
      : {
          kind: 'embedded',
          directory: path.join(dataDir, 's3'),
          port: e.GRAFT_S3_PORT,
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
        };

  return {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    dataDir,
    logLevel: e.LOG_LEVEL,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    presignedUrlTtlSeconds: e.GRAFT_PRESIGNED_URL_TTL_SECONDS,
    ...(e.GRAFT_URL_SECRET ? { urlSecret: e.GRAFT_URL_SECRET } : {}),
    database,
    storage,
    queue: {
      retryLimit: e.GRAFT_JOB_RETRY_LIMIT,
      retryDelaySeconds: e.GRAFT_JOB_RETRY_DELAY_SECONDS,
      expireInSeconds: e.GRAFT_JOB_EXPIRE_SECONDS,
      pollingIntervalSeconds: e.GRAFT_QUEUE_POLL_SECONDS,
      stallSeconds: e.GRAFT_RUN_STALL_SECONDS,
    },
    backboneUrlPrefixes:
      e.GRAFT_BACKBONE_URL_PREFIXES === undefined
        ? database.kind === 'pglite'
          ? 'any'
          : []
        : e.GRAFT_BACKBONE_URL_PREFIXES.trim() === '*'
          ? 'any'
          : e.GRAFT_BACKBONE_URL_PREFIXES.split(',')
              .map((p) => p.trim())
              .filter(Boolean),
    queryLimits: {
      maxDepth: e.GRAFT_MAX_QUERY_DEPTH,
      maxCost: e.GRAFT_MAX_QUERY_COST,
      defaultListSize: e.GRAFT_QUERY_DEFAULT_LIST_SIZE,
    },
  };
}
