import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { Request, Response } from 'express';
import type { Db } from '../db/index.js';
import { artifacts } from '../db/schema.js';
import type { Logger } from '../logger.js';
import type { ObjectStore } from '../storage/index.js';

/**
 * Expiring download links for a run's model, e.g. `/artifacts/<token>/model.json`. The token is
 * an HMAC of the run id and an expiry time; each file redirects to a presigned S3 GET. Stock
 * `tf.loadLayersModel(url)` works on it: model.json names `weights.bin` relative to its URL,
 * which is the same token's next file.
 */
export function signDownload(secret: Buffer, runId: string, expiresAt: number): string {
  const payload = `${runId}.${expiresAt}`;
  const mac = createHmac('sha256', secret).update(payload).digest('base64url');
  return Buffer.from(`${payload}.${mac}`).toString('base64url');
}

/** The run id of a valid, unexpired token; null otherwise. */
export function verifyDownload(
  secret: Buffer,
  token: string,
  now = Date.now(),
): { runId: string; expiresAt: number } | null {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  const [runId, exp, mac] = decoded.split('.');
  if (!runId || !exp || !mac) return null;
  const expected = createHmac('sha256', secret).update(`${runId}.${exp}`).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const expiresAt = Number(exp);
  if (!(expiresAt > now)) return null;
  return { runId, expiresAt };
}

/**
 * The key that signs download links: `GRAFT_URL_SECRET` (set it, the same on every replica, in
 * production), else a random one kept in `<dataDir>/url.secret` (mode 0600).
 */
export async function loadDownloadSecret(args: {
  configured?: string;
  dataDir: string;
  logger: Logger;
}): Promise<Buffer> {
  if (args.configured) return Buffer.from(args.configured, 'utf8');
  const file = path.join(args.dataDir, 'url.secret');
  try {
    return Buffer.from(await readFile(file, 'utf8'), 'base64');
  } catch {
    const secret = randomBytes(32);
    await mkdir(args.dataDir, { recursive: true });
    await writeFile(file, secret.toString('base64'), { mode: 0o600, flag: 'wx' }).catch(
      () => undefined,
    );
    args.logger.info('created the download-link key', { file });
    return Buffer.from(await readFile(file, 'utf8'), 'base64');
  }
}

/** `GET /artifacts/:token/:name` — 302 to a presigned URL of the file, 404/410 otherwise. */
export function downloadRoute(deps: {
  db: Db;
  store: ObjectStore;
  secret: Buffer;
  ttlSeconds: number;
}) {
  return async (req: Request, res: Response): Promise<void> => {
    const token = String(req.params['token'] ?? '');
    const name = String(req.params['name'] ?? '');
    const valid = verifyDownload(deps.secret, token);
    if (!valid) {
      res
        .status(410)
        .json({ error: 'this download link is invalid or has expired; ask the API for a new one' });
      return;
    }
    const [file] = await deps.db
      .select()
      .from(artifacts)
      .where(and(eq(artifacts.runId, valid.runId), eq(artifacts.name, name)));
    if (!file) {
      res.status(404).json({ error: `run ${valid.runId} has no file '${name}'` });
      return;
    }
    const remaining = Math.max(1, Math.floor((valid.expiresAt - Date.now()) / 1000));
    res.redirect(
      302,
      await deps.store.presignedGetUrl(file.key, Math.min(remaining, deps.ttlSeconds)),
    );
  };
}
