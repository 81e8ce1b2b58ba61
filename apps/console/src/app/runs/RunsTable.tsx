'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState } from 'react';
import { graphql } from '@/gql';
import type { RunOrder, RunStatus, RunsTableRowFragment } from '@/gql/graphql';
import { browserGql } from '@/lib/browserGql';
import { duration, lr, num, pct, when } from '@/lib/format';

/** The list columns of one run (nothing heavy: no epochs, surgery, evaluation, log). */
export const RunsTableRow = graphql(`
  fragment RunsTableRow on Run {
    id
    status
    mode
    backbone {
      id
      name
    }
    dataset {
      id
      name
    }
    frozenParams
    trainableParams
    headLr
    fineTuneLr
    bestValAccuracy
    testAccuracy
    createdAt
    startedAt
    finishedAt
    startedBy
    tags
  }
`);

/** Active runs, to update the status column live (ids only for the queue: it can be long). */
const LIVE = graphql(`
  query RunsTableLive {
    running: runs(first: 100, filter: { status: running }) {
      items {
        id
        status
        startedAt
      }
    }
    queued: runs(first: 500, filter: { status: queued }) {
      hasNextPage
      items {
        id
      }
    }
  }
`);

const MAX_COMPARE = 4;

/** 52096 → 52.1k, 2257984 → 2.26M (the exact number is in the cell's title). */
function compact(x: number | null | undefined): string {
  if (x === null || x === undefined) return '–';
  if (x < 1000) return String(x);
  if (x < 1e6) return `${Number((x / 1e3).toPrecision(3))}k`;
  return `${Number((x / 1e6).toPrecision(3))}M`;
}
const POLL_MS = 2000;
const ACTIVE: RunStatus[] = ['queued', 'running'];

export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className={`badge status-${status}`} data-testid="run-status">
      {status === 'running' ? <span className="runs-pulse" aria-hidden="true" /> : null}
      {status}
    </span>
  );
}

/** `1e-3` for feature extraction; `head 1e-3 · ft 1e-5` for fine-tuning. */
export function lrText(r: Pick<RunsTableRowFragment, 'headLr' | 'fineTuneLr'>) {
  return r.fineTuneLr === null || r.fineTuneLr === undefined
    ? lr(r.headLr)
    : `${lr(r.headLr)} · ${lr(r.fineTuneLr)}`;
}

/**
 * The runs table: live status for queued and running runs (polled every 2 s while any row is
 * active; a run that finished refreshes the page for its final metrics), and selection of up to
 * 4 runs to compare.
 */
export function RunsTable({
  runs,
  order,
  sortLinks,
}: {
  runs: readonly RunsTableRowFragment[];
  order: RunOrder;
  sortLinks: Record<RunOrder, string>;
}) {
  const router = useRouter();
  const [selected, setSelected] = useState<string[]>([]);
  const [live, setLive] = useState<
    Record<string, { status: RunStatus; startedAt?: string | null }>
  >({});
  const [, setTick] = useState(0);
  const refreshed = useRef<Set<string>>(new Set());

  const activeIds = useMemo(
    () =>
      runs
        .filter((r) => ACTIVE.includes(live[r.id]?.status ?? r.status))
        .map((r) => r.id)
        .join(','),
    [runs, live],
  );

  // New server data (after a refresh or navigation) wins over what polling saw.
  useEffect(() => setLive({}), [runs]);

  useEffect(() => {
    if (!activeIds) return;
    const ids = activeIds.split(',');
    let stopped = false;
    const poll = async () => {
      try {
        const d = await browserGql(LIVE, {});
        if (stopped) return;
        const running = new Map(d.running.items.map((r) => [r.id, r]));
        const queued = new Set(d.queued.items.map((r) => r.id));
        const next: Record<string, { status: RunStatus; startedAt?: string | null }> = {};
        let finished = false;
        for (const id of ids) {
          const r = running.get(id);
          if (r) next[id] = { status: 'running', startedAt: r.startedAt };
          else if (queued.has(id)) next[id] = { status: 'queued' };
          else if (!d.queued.hasNextPage && !refreshed.current.has(id)) {
            refreshed.current.add(id);
            finished = true;
          }
        }
        setLive((prev) => ({ ...prev, ...next }));
        if (finished) router.refresh();
      } catch {
        // keep the last known status; try again next tick
      }
    };
    const t = setInterval(() => {
      setTick((x) => x + 1); // running durations tick
      void poll();
    }, POLL_MS);
    void poll();
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [activeIds, router]);

  const toggle = (id: string) =>
    setSelected((s) =>
      s.includes(id) ? s.filter((x) => x !== id) : s.length >= MAX_COMPARE ? s : [...s, id],
    );
  const full = selected.length >= MAX_COMPARE;
  const sortTh = (o: RunOrder, label: string) => (
    <th
      className="num"
      aria-sort={order === o ? 'descending' : undefined}
      data-testid={`runs-th-${o}`}
    >
      <Link href={sortLinks[o]} className="runs-th-sort" title={`Sort by ${label}, best first`}>
        {label}
        {order === o ? ' ▾' : ''}
      </Link>
    </th>
  );

  return (
    <>
      <div className="runs-compare-bar" role="region" aria-label="Compare selected runs">
        {selected.length >= 2 ? (
          <Link
            href={`/compare?ids=${selected.join(',')}`}
            className="button primary"
            data-testid="runs-compare"
          >
            Compare {selected.length} runs
          </Link>
        ) : (
          <button type="button" className="primary" disabled data-testid="runs-compare">
            Compare
          </button>
        )}
        <span className="muted" aria-live="polite">
          {selected.length === 0
            ? 'Tick 2 to 4 runs to compare them.'
            : `${selected.length} of ${MAX_COMPARE} selected${full ? ' (maximum)' : ''}.`}
        </span>
        {selected.length ? (
          <button type="button" className="link" onClick={() => setSelected([])}>
            Clear selection
          </button>
        ) : null}
      </div>
      <div className="runs-table-wrap">
        <table className="runs-table" data-testid="runs-table">
          <thead>
            <tr>
              <th>
                <span className="ls-sr">Select</span>
              </th>
              <th>Status</th>
              <th>Run · tags</th>
              <th>Backbone</th>
              <th>Dataset</th>
              <th>Mode</th>
              <th className="num" title="Frozen parameters">
                Frozen
              </th>
              <th className="num" title="Trainable parameters">
                Trainable
              </th>
              <th className="num" title="Head learning rate · fine-tuning learning rate">
                Learning rate
              </th>
              {sortTh('bestValAccuracy', 'Best val')}
              {sortTh('testAccuracy', 'Test acc')}
              <th className="num">Duration</th>
              <th>Started by</th>
              <th aria-sort={order === 'createdAt' ? 'descending' : undefined}>
                <Link href={sortLinks.createdAt} className="runs-th-sort" title="Newest first">
                  Created{order === 'createdAt' ? ' ▾' : ''}
                </Link>
              </th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => {
              const status = live[r.id]?.status ?? r.status;
              const startedAt = live[r.id]?.startedAt ?? r.startedAt;
              const isSel = selected.includes(r.id);
              return (
                <tr
                  key={r.id}
                  data-testid="run-row"
                  data-run-id={r.id}
                  className={isSel ? 'runs-selected' : undefined}
                >
                  <td>
                    <input
                      type="checkbox"
                      checked={isSel}
                      disabled={!isSel && full}
                      onChange={() => toggle(r.id)}
                      aria-label={`Select run ${r.id.slice(0, 8)} to compare`}
                      data-testid="run-select"
                    />
                  </td>
                  <td>
                    <StatusBadge status={status} />
                  </td>
                  <td className="runs-id">
                    <Link href={`/runs/${r.id}`} className="mono" data-testid="run-link">
                      {r.id.slice(0, 8)}
                    </Link>
                    {r.tags.map((t) => (
                      <span key={t} className="badge runs-tag">
                        {t}
                      </span>
                    ))}
                  </td>
                  <td>{r.backbone.name}</td>
                  <td>{r.dataset.name}</td>
                  <td>{r.mode}</td>
                  <td className="num" title={num(r.frozenParams)}>
                    {compact(r.frozenParams)}
                  </td>
                  <td className="num" title={num(r.trainableParams)}>
                    {compact(r.trainableParams)}
                  </td>
                  <td className="num mono">{lrText(r)}</td>
                  <td className="num">{pct(r.bestValAccuracy)}</td>
                  <td className="num">{pct(r.testAccuracy)}</td>
                  <td className="num" suppressHydrationWarning>
                    {status === 'queued' ? '–' : duration(startedAt, r.finishedAt)}
                  </td>
                  <td>{r.startedBy ?? '–'}</td>
                  <td className="muted" title={r.createdAt}>
                    {when(r.createdAt).slice(5)}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
