/**
 * The body of a worker's heartbeat thread (see `heartbeat.ts`). It owns one database connection
 * and, while the main thread has a run, stamps that run's `heartbeat_at` every `intervalMs`. It
 * runs apart from the main thread so that a long synchronous stretch of training (a big batch on
 * the cpu backend, a model export) cannot make a live worker look dead; a killed process stops
 * beating with it.
 */
import pg from 'pg';
import { parentPort, workerData } from 'node:worker_threads';

interface HeartbeatData {
  connectionString: string;
  intervalMs: number;
}
/** Messages from the main thread: the run to beat for, or `null` between runs. */
type HeartbeatMessage = { runId: string | null } | { stop: true };

const { connectionString, intervalMs } = workerData as HeartbeatData;
const port = parentPort!;
let runId: string | null = null;
let client: pg.Client | undefined;
let beating: Promise<void> = Promise.resolve();

const connect = async (): Promise<pg.Client> => {
  if (client) return client;
  const c = new pg.Client({ connectionString, application_name: 'graft-heartbeat' });
  c.on('error', (error) => {
    port.postMessage({ error: error.message });
    if (client === c) client = undefined;
  });
  await c.connect();
  return (client = c);
};

const beat = (): void => {
  const id = runId;
  if (!id) return;
  beating = beating.then(async () => {
    try {
      const c = await connect();
      await c.query('update runs set heartbeat_at = now() where id = $1', [id]);
    } catch (error) {
      // A lost connection is replaced at the next beat.
      port.postMessage({ error: (error as Error).message });
      void client?.end().catch(() => undefined);
      client = undefined;
    }
  });
};
const timer = setInterval(beat, intervalMs);

port.on('message', (m: HeartbeatMessage) => {
  if ('stop' in m) {
    clearInterval(timer);
    void beating
      .then(() => client?.end())
      .catch(() => undefined)
      .finally(() => port.close());
    return;
  }
  runId = m.runId;
  beat();
});
