/**
 * The platform the browser tests drive: the API (`graft-api serve`, embedded PGlite + S3 and its
 * forked training worker) and the console (`next start`), as real processes on free ports, in a
 * temp data folder. Seeded over GraphQL with small real runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface GqlResult<T> {
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, what: string, child: ChildProcess, ms = 90_000) {
  const deadline = Date.now() + ms;
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  while (Date.now() < deadline) {
    if (exited !== null)
      throw new Error(`${what} exited with code ${exited} before answering ${url}`);
    try {
      const res = await fetch(url, { redirect: 'manual' });
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer ${url} within ${ms / 1000} s`);
}

function start(
  name: string,
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
) {
  const child = spawn(cmd, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: the API's forked worker goes down with it
  });
  const tail: string[] = [];
  const keep = (chunk: Buffer) => {
    tail.push(...chunk.toString().split('\n'));
    if (tail.length > 200) tail.splice(0, tail.length - 200);
    if (process.env.GRAFT_TEST_VERBOSE) process.stderr.write(`[${name}] ${chunk}`);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, tail };
}

function stop(child: ChildProcess) {
  if (child.exitCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}

/** `next start` of the built console on `port`, talking to the API at `apiUrl`. */
function startNext(port: number, apiUrl: string) {
  const nextBin = path.join(ROOT, 'node_modules/next/dist/bin/next');
  return start(
    'console',
    process.execPath,
    [nextBin, 'start', '-p', String(port), '-H', '127.0.0.1'],
    path.join(ROOT, 'apps/console'),
    { GRAFT_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
  );
}

/** A console of its own (e.g. pointed at an API that is not there), answering at `url`. */
export interface StandaloneConsole {
  url: string;
  close(): Promise<void>;
  logs(): string;
}

/** Starts another console process talking to `apiUrl` (which need not answer). */
export async function startConsole(apiUrl: string): Promise<StandaloneConsole> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const web = startNext(port, apiUrl);
  const logs = () => web.tail.join('\n');
  try {
    await waitFor(`${url}/sign-in`, 'the console', web.child);
  } catch (err) {
    stop(web.child);
    throw new Error(`${(err as Error).message}\n${logs()}`);
  }
  return {
    url,
    logs,
    async close() {
      stop(web.child);
      await new Promise((r) => setTimeout(r, 300));
    },
  };
}

export interface Platform {
  apiUrl: string;
  consoleUrl: string;
  dataDir: string;
  maintainerKey: string;
  close(): Promise<void>;
  /** The last lines each process printed (for failure messages). */
  logs(): string;
}

export async function startPlatform(): Promise<Platform> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'graft-browser-'));
  const [apiPort, consolePort] = [await freePort(), await freePort()];
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const consoleUrl = `http://127.0.0.1:${consolePort}`;
  const api = start(
    'api',
    process.execPath,
    [path.join(ROOT, 'apps/api/dist/cli.js'), 'serve'],
    ROOT,
    {
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      GRAFT_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      GRAFT_QUEUE_POLL_SECONDS: '1',
    },
  );
  const web = startNext(consolePort, apiUrl);
  const logs = () => `--- api ---\n${api.tail.join('\n')}\n--- console ---\n${web.tail.join('\n')}`;
  try {
    await waitFor(`${apiUrl}/readyz`, 'the API', api.child);
    await waitFor(`${consoleUrl}/sign-in`, 'the console', web.child);
  } catch (err) {
    stop(api.child);
    stop(web.child);
    throw new Error(`${(err as Error).message}\n${logs()}`);
  }
  const maintainerKey = (await readFile(path.join(dataDir, 'maintainer.key'), 'utf8')).trim();
  return {
    apiUrl,
    consoleUrl,
    dataDir,
    maintainerKey,
    logs,
    async close() {
      stop(web.child);
      stop(api.child);
      await new Promise((r) => setTimeout(r, 500));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** One GraphQL operation against the API with a key. */
export async function apiGql<T = Record<string, unknown>>(
  apiUrl: string,
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlResult<T>> {
  const res = await fetch(`${apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GqlResult<T>;
}

/** Like {@link apiGql}, but throws on errors and returns the data. */
export async function apiData<T = Record<string, unknown>>(
  apiUrl: string,
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const r = await apiGql<T>(apiUrl, key, query, variables);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL: ${JSON.stringify(r.errors)}`);
  return r.data;
}
