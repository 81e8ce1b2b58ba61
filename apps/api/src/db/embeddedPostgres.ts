import { mkdir, open, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** Arguments of {@link startEmbeddedPostgres}. */
export interface StartEmbeddedPostgresArgs {
  /** PGlite's data folder; created (with its parents) if missing. */
  dataDir: string;
  /** Loopback port to serve on; 0 picks a free one. */
  port: number;
  /**
   * Wire-protocol connections accepted at once (the API's pool, pg-boss's pool, workers).
   * PGlite runs one query at a time whatever this is. Default 64.
   */
  maxConnections?: number;
}

/** A PGlite database served over the Postgres wire protocol on loopback. */
export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, for node-postgres and pg-boss alike. */
  connectionString: string;
  /** Stops serving, closes PGlite (flushing it to disk) and frees the data folder. */
  close(): Promise<void>;
}

/** Another live process holds the data folder. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the embedded database in ${dataDir} is in use by process ${pid}; stop that process ` +
        `or point GRAFT_DATA_DIR at another folder`,
    );
    this.name = 'DataDirInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite has no postmaster.pid: two processes opening one data folder would corrupt it.
 * A lock file next to the folder, holding the owner's pid, turns that into a clear error.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const pid = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DataDirInUseError(dataDir, pid);
      }
      if (pid === process.pid) throw new DataDirInUseError(dataDir, pid);
      // Left behind by a process that died: take it over.
      await rm(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock ${lockPath}`);
}

/**
 * Opens (or initialises) PGlite in `dataDir` and serves it with `@electric-sql/pglite-socket`.
 *
 * Every client — the API's drizzle pool, pg-boss, worker processes — must go through the
 * socket. The socket server keeps a client's open transaction exclusive (other connections'
 * statements wait until it ends), but PGlite's in-process API does not take part in that:
 * an in-process query issued during a socket client's transaction runs inside it (and is
 * rolled back with it), and vice versa. So the PGlite instance is not exposed.
 */
export async function startEmbeddedPostgres(
  args: StartEmbeddedPostgresArgs,
): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(args.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  const unlock = await lockDataDir(dataDir);
  let pglite: PGlite | undefined;
  try {
    pglite = await PGlite.create({ dataDir });
    const server = new PGLiteSocketServer({
      db: pglite,
      host: '127.0.0.1',
      port: args.port,
      maxConnections: args.maxConnections ?? 64,
    });
    await server.start();
    const db = pglite;
    return {
      connectionString: `postgres://postgres@${server.getServerConn()}/postgres`,
      close: async () => {
        try {
          await server.stop();
          await db.close();
        } finally {
          await unlock();
        }
      },
    };
  } catch (error) {
    await pglite?.close().catch(() => undefined);
    await unlock();
    throw error;
  }
}
