/** `graft-api worker` child processes for the end-to-end tests, with their JSON log lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI (`graft-api`); build first. */
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
export interface WorkerProcess {
  child: ChildProcess;
  /** JSON log lines parsed so far. */
  lines: Record<string, unknown>[];
  ready: Promise<void>;
}

export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [CLI, 'worker'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffered = '';
  let onReady: () => void = () => undefined;
  let onFail: (e: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });
  const read = (chunk: Buffer): void => {
    buffered += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        lines.push(parsed);
        if (parsed['msg'] === 'worker ready' || parsed['message'] === 'worker ready') onReady();
      } catch {
        // not a log line
      }
    }
  };
  child.stdout!.on('data', read);
  child.stderr!.on('data', read);
  child.once('exit', (code, signal) =>
    onFail(new Error(`worker exited (code ${code}, signal ${signal}) while starting`)),
  );
  return { child, lines, ready };
}

export async function stopWorker(worker: WorkerProcess | undefined): Promise<void> {
  const child = worker?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export const messageOf = (l: Record<string, unknown>) => l['msg'] ?? l['message'];
