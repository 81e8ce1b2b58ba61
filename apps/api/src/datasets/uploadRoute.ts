import type { Request, Response } from 'express';
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
      const stored = await deps.store.putObject(req, { maxBytes: deps.maxBytes });
      res.status(201).json(stored);
    } catch (err) {
      if (err instanceof ObjectSizeError) {
        res.status(413).json({
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
