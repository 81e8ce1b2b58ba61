'use client';

import { useRouter } from 'next/navigation';
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { graphql } from '@/gql';
import type { RunDetailEpochFragment, RunStatus } from '@/gql/graphql';
import { browserGql } from '@/lib/browserGql';
import { num } from '@/lib/format';
import type { RunProgressEvent } from '@/lib/runProgress';

/** One epoch row of the curves. */
export const RunDetailEpoch = graphql(`
  fragment RunDetailEpoch on RunEpoch {
    phase
    epoch
    loss
    accuracy
    valLoss
    valAccuracy
    seconds
  }
`);

const RUN_LIVE = graphql(`
  query RunDetailLive($id: ID!) {
    run(id: $id) {
      id
      status
      epochs {
        ...RunDetailEpoch
      }
    }
  }
`);

export type Progress = RunProgressEvent;
export type Epoch = RunDetailEpochFragment;

const TERMINAL: RunStatus[] = ['succeeded', 'failed', 'cancelled'];

interface LiveState {
  status: RunStatus;
  epochs: readonly Epoch[];
  progress: Progress | null;
  /** 'sse' while streaming, 'poll' after the stream failed, 'idle' when the run is over. */
  channel: 'sse' | 'poll' | 'idle';
}

const Ctx = createContext<LiveState | null>(null);

function useLive(): LiveState {
  const v = useContext(Ctx);
  if (!v) throw new Error('RunLive components must be inside <RunLiveProvider>');
  return v;
}

/**
 * Keeps a run's status, epochs and progress live: while the run is queued or running it listens
 * to `/api/progress/[id]` (SSE), re-fetches the epochs whenever an epoch ends, and refreshes the
 * page when the run ends (evaluation, artifacts, lineage). If the stream fails it polls every 2 s.
 */
export function RunLiveProvider({
  runId,
  status: initialStatus,
  epochs: initialEpochs,
  children,
}: {
  runId: string;
  status: RunStatus;
  epochs: readonly Epoch[];
  children: ReactNode;
}) {
  const router = useRouter();
  const [status, setStatus] = useState<RunStatus>(initialStatus);
  const [epochs, setEpochs] = useState<readonly Epoch[]>(initialEpochs);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [channel, setChannel] = useState<LiveState['channel']>(
    TERMINAL.includes(initialStatus) ? 'idle' : 'sse',
  );
  const lastEpochKey = useRef('');

  // Fresh server data (router.refresh) wins.
  useEffect(() => {
    setStatus(initialStatus);
    setEpochs(initialEpochs);
  }, [initialStatus, initialEpochs]);

  const active = !TERMINAL.includes(initialStatus);
  useEffect(() => {
    if (!active) return;
    let closed = false;
    let pollTimer: ReturnType<typeof setInterval> | undefined;
    const refetch = async () => {
      try {
        const { run } = await browserGql(RUN_LIVE, { id: runId });
        if (closed) return null;
        // The API records the epoch table when the run ends; until then keep the epochs
        // gathered from the progress events.
        setEpochs((prev) => (run.epochs.length >= prev.length ? run.epochs : prev));
        setStatus(run.status);
        return run.status;
      } catch {
        return null;
      }
    };
    const finish = () => {
      if (closed) return;
      closed = true;
      es?.close();
      if (pollTimer) clearInterval(pollTimer);
      setChannel('idle');
      void refetch().then(() => router.refresh());
    };
    const startPolling = () => {
      setChannel('poll');
      pollTimer = setInterval(() => {
        void refetch().then((s) => {
          if (s && TERMINAL.includes(s)) finish();
        });
      }, 2000);
    };
    let es: EventSource | null = null;
    try {
      es = new EventSource(`/api/progress/${runId}`);
    } catch {
      startPolling();
    }
    es?.addEventListener('progress', (ev) => {
      const p = JSON.parse((ev as MessageEvent<string>).data) as Progress;
      setProgress(p);
      setStatus(p.status);
      const key = `${p.phase ?? ''}:${p.epoch ?? ''}`;
      // The event that closes an epoch carries its validation metrics: fetch the epoch table.
      if (p.valLoss !== null && p.valLoss !== undefined && key !== lastEpochKey.current) {
        lastEpochKey.current = key;
        if (p.phase && p.epoch && p.loss !== null && p.loss !== undefined) {
          const point: Epoch = {
            phase: p.phase,
            epoch: p.epoch,
            loss: p.loss,
            accuracy: p.accuracy ?? null,
            valLoss: p.valLoss,
            valAccuracy: p.valAccuracy ?? null,
            seconds: 0,
          };
          setEpochs((prev) => [
            ...prev.filter((e) => !(e.phase === point.phase && e.epoch === point.epoch)),
            point,
          ]);
        }
        void refetch();
      }
      if (TERMINAL.includes(p.status)) finish();
    });
    es?.addEventListener('end', () => finish());
    es?.addEventListener('error', (ev) => {
      // A server-sent `event: error` carries data; a connection error does not.
      const data = (ev as MessageEvent<string | undefined>).data;
      if (closed) return;
      if (data || es?.readyState === EventSource.CLOSED) {
        es?.close();
        startPolling();
      }
    });
    return () => {
      closed = true;
      es?.close();
      if (pollTimer) clearInterval(pollTimer);
    };
  }, [active, runId, router]);

  return <Ctx.Provider value={{ status, epochs, progress, channel }}>{children}</Ctx.Provider>;
}

export function LiveStatusBadge() {
  const { status, channel } = useLive();
  return (
    <span
      className={`badge status-${status}`}
      data-testid="run-status"
      title={channel === 'sse' ? 'live' : channel === 'poll' ? 'live (polling)' : undefined}
    >
      {status === 'running' ? <span className="runs-pulse" aria-hidden="true" /> : null}
      {status}
    </span>
  );
}

const secs = (s: number | null | undefined): string => {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  const r = Math.max(0, Math.round(s));
  return r < 60 ? `${r}s` : `${Math.floor(r / 60)}m ${String(r % 60).padStart(2, '0')}s`;
};

/** Stage, phase, epoch/epochs, batch/batches, images/s and ETA while the run is active. */
export function RunProgressBar() {
  const { status, progress: p, channel, epochs } = useLive();
  if (TERMINAL.includes(status)) return null;
  if (status === 'queued' || !p) {
    const last = epochs[epochs.length - 1];
    return (
      <div className="panel rd-progress" data-testid="run-progress" role="status">
        <span className="muted">
          {status === 'queued'
            ? 'Queued — waiting for a worker…'
            : channel === 'poll'
              ? `Running${last ? ` — ${last.phase} epoch ${last.epoch} done` : ''} (live progress unavailable; checking every 2 s)…`
              : 'Running — waiting for the first progress event…'}
        </span>
      </div>
    );
  }
  const epochFrac =
    p.epochs && p.epoch
      ? (p.epoch - 1 + (p.batches && p.batch ? p.batch / p.batches : 0)) / p.epochs
      : null;
  const value = epochFrac === null ? undefined : Math.min(1, Math.max(0, epochFrac));
  return (
    <div className="panel rd-progress" data-testid="run-progress" role="status">
      <div className="rd-progress-line">
        <strong>{p.stage ?? 'running'}</strong>
        {p.phase ? <span data-testid="run-progress-phase">phase {p.phase}</span> : null}
        {p.epoch ? (
          <span data-testid="run-progress-epoch">
            epoch {p.epoch}
            {p.epochs ? `/${p.epochs}` : ''}
          </span>
        ) : null}
        {p.batch ? (
          <span>
            batch {p.batch}
            {p.batches ? `/${p.batches}` : ''}
          </span>
        ) : null}
        {p.loss !== null && p.loss !== undefined ? <span>loss {p.loss.toFixed(4)}</span> : null}
        {p.accuracy !== null && p.accuracy !== undefined ? (
          <span>acc {(p.accuracy * 100).toFixed(1)}%</span>
        ) : null}
        {p.imagesPerSec ? <span>{num(Math.round(p.imagesPerSec))} images/s</span> : null}
        <span>ETA {secs(p.etaSeconds)}</span>
      </div>
      <progress
        max={1}
        value={value}
        aria-label={`Phase ${p.phase ?? ''} progress`}
        className="rd-progressbar"
      />
    </div>
  );
}

/** The epochs as the live context has them (for the curves). */
export function useLiveEpochs(): readonly Epoch[] {
  return useLive().epochs;
}

export function useLiveStatus(): RunStatus {
  return useLive().status;
}
