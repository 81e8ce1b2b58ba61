import type { Request, Response } from 'express';
import { PassThrough } from 'node:stream';
import { identify, roleAtLeast } from '../auth/index.js';
import type { Db } from '../db/index.js';
import type { Logger } from '../logger.js';
import { ObjectSizeError, type ObjectStore } from '../storage/index.js';

/**
 * `POST /uploads` (editor): streams the request body into the object store under its content
 * address and answers `{ key, bytes, sha256 }`; give the key to `createDataset(archive: { key })`.
 * Bodies over MAX_UPLOAD_BYTES are refused with 413 and nothing is kept.
 */
export function uploadRoute(deps: {
  db: Db;
  store: ObjectStore;
  maxBytes: number;
  logger: Logger;
}) {
  return async (req: Request, res: Response): Promise<void> => {
    let auth;
    try {
      auth = await identify(deps.db, req.headers.authorization);
    } catch {
      auth = null;
    }
    if (!auth) {
      res.status(401).json({
        code: 'UNAUTHENTICATED',
        error: 'send a valid API key as `Authorization: Bearer <key>`',
      });
      return;
    }
    if (!roleAtLeast(auth.role, 'editor')) {
      res.status(403).json({ code: 'FORBIDDEN', error: 'uploads need the editor role' });
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > deps.maxBytes) {
      res.status(413).json({
        code: 'BAD_USER_INPUT',
        error: `upload of ${declared} bytes is over the limit of ${deps.maxBytes}`,
      });
      req.resume();
      return;
    }
    try {
      // Through a pass-through: the store destroys a body it refuses, and destroying the request
      // would reset the connection before the client reads the 413.
      const body = req.pipe(new PassThrough());
      const stored = await deps.store.putObject(body, { maxBytes: deps.maxBytes });
      res.status(201).json(stored);
    } catch (err) {
      if (err instanceof ObjectSizeError) {
        // Read (and drop) the rest of the body before answering: a client still sending would
        // otherwise see its connection reset instead of the 413. Bounded, then the socket goes.
        req.unpipe();
        await drain(req, 10_000);
        res
          .status(413)
          .set('connection', 'close')
          .json({
            code: 'BAD_USER_INPUT',
            error: `upload is over the limit of ${deps.maxBytes} bytes`,
          });
        return;
      }
      deps.logger.error('upload failed', { error: err });
      res.status(500).json({ code: 'INTERNAL_SERVER_ERROR', error: 'upload failed' });
    }
  };
}

/** Resolves once the request body has been read to its end, or after `ms`. */
function drain(req: Request, ms: number): Promise<void> {
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      req.destroy();
      resolve();
    }, ms);
    req.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    for (const event of ['error', 'close'])
      req.once(event, () => {
        clearTimeout(timer);
        resolve();
      });
    req.resume();
  });
}
