import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';

/** A caller's `x-request-id` is kept when it looks like an id; otherwise one is made. */
const ACCEPTABLE = /^[\w.:-]{1,128}$/;

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's id (also in the `x-request-id` response header and in log lines). */
    requestId?: string;
  }
}

/**
 * Gives every request an id, answers it in `x-request-id`, and logs one JSON line per request
 * (debug level; GraphQL operations that start work log at info with the same id, and the worker
 * logs the run under it, so one id follows a run from `startRun` to the worker).
 */
export function requestIds(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && ACCEPTABLE.test(given) ? given : randomUUID();
    req.requestId = id;
    res.setHeader('x-request-id', id);
    const started = performance.now();
    const path = req.path;
    res.on('finish', () =>
      logger.debug('http request', {
        requestId: id,
        method: req.method,
        path,
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 10) / 10,
      }),
    );
    next();
  };
}
