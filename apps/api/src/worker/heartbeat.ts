import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.js';

/** The compiled thread entry (tests run from src/, the thread always runs compiled code). */
function threadEntry(): string {
  const url = new URL('./heartbeatThread.js', import.meta.url);
  return fileURLToPath(
    import.meta.url.endsWith('.ts') ? new URL(url.href.replace('/src/', '/dist/')) : url,
  );
}

/** A worker process's heartbeat: one thread, one connection, for the process's life. */
export interface Heartbeat {
  /** Beats for `runId` from now on (at once, then every interval); `null` stops beating. */
  set(runId: string | null): void;
  /** Ends the thread and its connection. */
  stop(): Promise<void>;
}

/**
 * Starts the heartbeat thread of a worker process. The stall reaper of every worker takes a
 * running run without a heartbeat for `stallSeconds` to have lost its worker; beating from a
 * thread of its own keeps that true of dead workers only, not of busy ones.
 */
export function startHeartbeat(args: {
  connectionString: string;
  intervalMs: number;
  logger: Logger;
}): Heartbeat {
  const thread = new Worker(threadEntry(), {
    workerData: { connectionString: args.connectionString, intervalMs: args.intervalMs },
  });
  // The thread must not keep a stopping process alive.
  thread.unref();
  thread.on('message', (m: { error?: string }) => {
    if (m.error) args.logger.warn('heartbeat write failed', { error: m.error });
  });
  thread.on('error', (error) => args.logger.error('heartbeat thread failed', { error }));
  let stopped: Promise<void> | undefined;
  return {
    set: (runId) => thread.postMessage({ runId }),
    stop: () =>
      (stopped ??= new Promise<void>((resolve) => {
        thread.once('exit', () => resolve());
        thread.postMessage({ stop: true });
        setTimeout(() => void thread.terminate(), 5_000).unref();
      })),
  };
}
