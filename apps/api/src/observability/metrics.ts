import { count, sql, sum } from 'drizzle-orm';
import type { NextFunction, Request, Response } from 'express';
import client from 'prom-client';
import type { Db } from '../db/index.js';
import { artifacts, runs } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { TrainQueue } from '../queue/index.js';
import { TRAIN_RUN_QUEUE } from '../queue/index.js';

/** Routes the latency histogram labels by (anything else is `other`, to bound cardinality). */
const ROUTES = ['/graphql', '/uploads', '/artifacts', '/healthz', '/readyz', '/metrics'];

function routeOf(path: string): string {
  return ROUTES.find((r) => path === r || path.startsWith(`${r}/`)) ?? 'other';
}

/** The API's Prometheus metrics, in a registry of their own (one per server). */
export interface ApiMetrics {
  registry: client.Registry;
  /** Express middleware timing every request into the latency histogram. */
  httpTimer(req: Request, res: Response, next: NextFunction): void;
}

/**
 * HTTP latency histogram, queue depth, runs by status, training images/s (summed over running
 * runs, from their progress rows) and artifact bytes, plus Node's process metrics. The gauges
 * read the database when scraped, so every API replica reports the same cluster-wide figures.
 */
export function createMetrics(deps: { db: Db; queue: TrainQueue; logger: Logger }): ApiMetrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'graft_' });
  const latency = new client.Histogram({
    name: 'graft_http_request_duration_seconds',
    help: 'HTTP request latency by route, method and status code',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  // One scrape reads the database once for all gauges.
  let pending: Promise<void> | undefined;
  const snapshot = {
    queued: 0,
    byStatus: new Map<string, number>(),
    imagesPerSec: 0,
    artifactBytes: 0,
  };
  const refresh = () =>
    (pending ??= (async () => {
      try {
        const [queueSize, statusRows, [speed], [bytes]] = await Promise.all([
          deps.queue.boss.getQueueSize(TRAIN_RUN_QUEUE),
          deps.db.select({ status: runs.status, n: count() }).from(runs).groupBy(runs.status),
          deps.db
            .select({
              total: sql<number | null>`sum((${runs.progress}->>'imagesPerSec')::float8)`,
            })
            .from(runs)
            .where(sql`${runs.status} = 'running'`),
          deps.db.select({ total: sum(artifacts.bytes) }).from(artifacts),
        ]);
        snapshot.queued = queueSize;
        snapshot.byStatus = new Map(statusRows.map((r) => [r.status, Number(r.n)]));
        snapshot.imagesPerSec = Number(speed?.total ?? 0);
        snapshot.artifactBytes = Number(bytes?.total ?? 0);
      } catch (error) {
        deps.logger.warn('metrics collection failed', { error });
      } finally {
        pending = undefined;
      }
    })());
  new client.Gauge({
    name: 'graft_queue_depth',
    help: 'Training jobs waiting in the queue (pg-boss train-run, created or retry)',
    registers: [registry],
    async collect() {
      await refresh();
      this.set(snapshot.queued);
    },
  });
  new client.Gauge({
    name: 'graft_runs',
    help: 'Runs by status',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      await refresh();
      for (const status of ['queued', 'running', 'succeeded', 'failed', 'cancelled'])
        this.set({ status }, snapshot.byStatus.get(status) ?? 0);
    },
  });
  new client.Gauge({
    name: 'graft_training_images_per_second',
    help: 'Training throughput summed over running runs (their latest progress)',
    registers: [registry],
    async collect() {
      await refresh();
      this.set(snapshot.imagesPerSec);
    },
  });
  new client.Gauge({
    name: 'graft_artifact_bytes',
    help: 'Bytes of run artifacts recorded in the object store',
    registers: [registry],
    async collect() {
      await refresh();
      this.set(snapshot.artifactBytes);
    },
  });
  return {
    registry,
    httpTimer(req, res, next) {
      const end = latency.startTimer();
      // Read now: mounted routers rewrite req.path while they handle the request.
      const route = routeOf(req.path);
      res.on('finish', () => end({ route, method: req.method, status: String(res.statusCode) }));
      next();
    },
  };
}
