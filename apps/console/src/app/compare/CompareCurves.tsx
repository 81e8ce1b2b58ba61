'use client';

import { useMemo, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { ComparePageQuery } from '@/gql/graphql';
import type { ComparedRunLabel } from './compareData';

type Epoch = ComparePageQuery['compareRuns']['series'][number]['epochs'][number];

/** One x position: the epoch counted across phases (1..n), and each run's metrics at it. */
type Row = Record<string, number | null>;

/**
 * Rows keyed by step (epochs of every phase one after another) with `t{i}`/`v{i}` columns per
 * run and metric, plus each run's phase boundaries (the step after which a new phase starts).
 */
function useRows(series: readonly (readonly Epoch[])[]) {
  return useMemo(() => {
    const steps = Math.max(0, ...series.map((s) => s.length));
    const loss: Row[] = [];
    const acc: Row[] = [];
    for (let x = 0; x < steps; x++) {
      const l: Row = { step: x + 1 };
      const a: Row = { step: x + 1 };
      series.forEach((s, i) => {
        const e = s[x];
        if (!e) return;
        l[`t${i}`] = e.loss;
        l[`v${i}`] = e.valLoss ?? null;
        a[`t${i}`] = e.accuracy ?? null;
        a[`v${i}`] = e.valAccuracy ?? null;
      });
      loss.push(l);
      acc.push(a);
    }
    const boundaries = series.map((s) => {
      const out: { step: number; phase: string }[] = [];
      for (let x = 1; x < s.length; x++)
        if (s[x]!.phase !== s[x - 1]!.phase) out.push({ step: x + 0.5, phase: s[x]!.phase });
      return out;
    });
    return { loss, acc, steps, boundaries };
  }, [series]);
}

/** Rows without zero or negative losses (a log axis cannot place them). */
function positive(rows: Row[]): Row[] {
  return rows.map((r) => {
    const out: Row = {};
    for (const [k, v] of Object.entries(r))
      out[k] = k !== 'step' && v !== null && v <= 0 ? null : v;
    return out;
  });
}

function Chart({
  title,
  metric,
  rows,
  steps,
  runs,
  boundaries,
  log = false,
  onLog,
}: {
  title: string;
  metric: 'loss' | 'accuracy';
  rows: Row[];
  steps: number;
  runs: readonly ComparedRunLabel[];
  boundaries: { step: number; phase: string }[][];
  /** Log scale on the y axis (loss). */
  log?: boolean;
  onLog?: (log: boolean) => void;
}) {
  const fmt = (v: unknown) =>
    typeof v === 'number' ? (metric === 'loss' ? v.toFixed(4) : `${(v * 100).toFixed(1)}%`) : '–';
  return (
    <figure className="cmp-chart" data-testid={`compare-curve-${metric}`}>
      <figcaption>
        {title}
        {onLog ? (
          <label className="cmp-log">
            <input type="checkbox" checked={log} onChange={(e) => onLog(e.target.checked)} /> log
            scale
          </label>
        ) : null}
      </figcaption>
      <ResponsiveContainer width="100%" height={240}>
        <LineChart data={rows} margin={{ top: 6, right: 14, bottom: 2, left: 0 }}>
          <CartesianGrid stroke="#eef0f3" />
          <XAxis
            dataKey="step"
            type="number"
            domain={[1, Math.max(1, steps)]}
            allowDecimals={false}
            tick={{ fontSize: 11 }}
          />
          <YAxis
            tick={{ fontSize: 11 }}
            width={52}
            scale={log ? 'log' : 'auto'}
            domain={metric === 'accuracy' ? [0, 1] : log ? ['auto', 'auto'] : [0, 'auto']}
            allowDataOverflow={log}
            tickFormatter={(v: number) =>
              metric === 'accuracy'
                ? `${Math.round(v * 100)}%`
                : log
                  ? v.toPrecision(1)
                  : v.toFixed(2)
            }
          />
          <Tooltip
            formatter={fmt}
            labelFormatter={(l) => `epoch ${String(l)} (all phases)`}
            isAnimationActive={false}
            contentStyle={{ fontSize: 12 }}
          />
          {boundaries.flatMap((bs, i) =>
            bs.map((b) => (
              <ReferenceLine
                key={`${i}-${b.step}`}
                x={b.step}
                stroke={runs[i]?.color}
                strokeDasharray="2 3"
                ifOverflow="extendDomain"
                label={
                  i === 0
                    ? { value: b.phase, position: 'insideTopRight', fontSize: 10, fill: '#5b6572' }
                    : undefined
                }
              />
            )),
          )}
          {runs.flatMap((r, i) => [
            <Line
              key={`t${i}`}
              type="linear"
              dataKey={`t${i}`}
              name={`${r.label} train`}
              stroke={r.color}
              strokeWidth={1.5}
              dot={false}
              activeDot={false}
              isAnimationActive={false}
              connectNulls
            />,
            <Line
              key={`v${i}`}
              type="linear"
              dataKey={`v${i}`}
              name={`${r.label} val`}
              stroke={r.color}
              strokeWidth={1.5}
              strokeDasharray="5 3"
              dot={false}
              activeDot={false}
              isAnimationActive={false}
              connectNulls
            />,
          ])}
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Loss and accuracy of every compared run overlaid: train solid, validation dashed. */
export function CompareCurves({
  runs,
  series,
}: {
  runs: readonly ComparedRunLabel[];
  series: readonly (readonly Epoch[])[];
}) {
  const { loss, acc, steps, boundaries } = useRows(series);
  const [log, setLog] = useState(false);
  if (steps === 0)
    return (
      <div className="empty" data-testid="compare-curves">
        None of these runs has finished an epoch yet: curves appear once they train.
      </div>
    );
  return (
    <div data-testid="compare-curves">
      <div className="cmp-legend" aria-hidden="true">
        {runs.map((r) => (
          <span key={r.id}>
            <i className="cmp-line" style={{ borderColor: r.color }} />
            {r.label}
          </span>
        ))}
        <span className="muted">
          <i className="cmp-line" /> train <i className="cmp-line cmp-dashed" /> validation · dotted
          verticals: phase boundaries
        </span>
      </div>
      <div className="grid2">
        <Chart
          title="Loss"
          metric="loss"
          rows={log ? positive(loss) : loss}
          log={log}
          onLog={setLog}
          steps={steps}
          runs={runs}
          boundaries={boundaries}
        />
        <Chart
          title="Accuracy"
          metric="accuracy"
          rows={acc}
          steps={steps}
          runs={runs}
          boundaries={boundaries}
        />
      </div>
    </div>
  );
}
