'use client';

import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useLiveEpochs, useLiveStatus, type Epoch } from './RunLive';

const PHASE_LABEL: Record<string, string> = {
  head: 'Phase 1 · head (backbone frozen)',
  'fine-tune': 'Phase 2 · fine-tune',
};

const COLORS = { train: '#2456d6', val: '#f08c2e' };

function Chart({ data, metric }: { data: readonly Epoch[]; metric: 'loss' | 'accuracy' }) {
  const trainKey = metric === 'loss' ? 'loss' : 'accuracy';
  const valKey = metric === 'loss' ? 'valLoss' : 'valAccuracy';
  const fmt = (v: unknown) =>
    typeof v === 'number' ? (metric === 'loss' ? v.toFixed(4) : `${(v * 100).toFixed(1)}%`) : '–';
  return (
    <figure className="rd-chart" data-testid={`run-curve-${metric}`}>
      <figcaption>{metric === 'loss' ? 'Loss' : 'Accuracy'}</figcaption>
      <ResponsiveContainer width="100%" height={200}>
        <LineChart data={data as Epoch[]} margin={{ top: 6, right: 12, bottom: 2, left: 0 }}>
          <CartesianGrid stroke="#eef0f3" />
          <XAxis dataKey="epoch" tick={{ fontSize: 11 }} allowDecimals={false} />
          <YAxis
            tick={{ fontSize: 11 }}
            width={52}
            domain={metric === 'accuracy' ? [0, 1] : ['auto', 'auto']}
            tickFormatter={(v: number) =>
              metric === 'accuracy'
                ? `${Math.round(v * 100)}%`
                : Number(v.toPrecision(3)).toString()
            }
          />
          <Tooltip formatter={fmt} labelFormatter={(l) => `epoch ${String(l)}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line
            type="monotone"
            dataKey={trainKey}
            name="train"
            stroke={COLORS.train}
            dot={{ r: 2 }}
            isAnimationActive={false}
            connectNulls
          />
          <Line
            type="monotone"
            dataKey={valKey}
            name="validation"
            stroke={COLORS.val}
            strokeDasharray="4 2"
            dot={{ r: 2 }}
            isAnimationActive={false}
            connectNulls
          />
        </LineChart>
      </ResponsiveContainer>
    </figure>
  );
}

/** Loss and accuracy per phase (train and validation), updated live while the run trains. */
export function RunCurves() {
  const epochs = useLiveEpochs();
  const status = useLiveStatus();
  const phases: string[] = [];
  for (const e of epochs) if (!phases.includes(e.phase)) phases.push(e.phase);
  if (epochs.length === 0) {
    return (
      <div className="empty" data-testid="run-curves-empty">
        {status === 'queued' || status === 'running'
          ? 'The curves appear here when the first epoch ends.'
          : 'This run recorded no epochs.'}
      </div>
    );
  }
  return (
    // data-epochs: how many epoch points the curves hold (grows live while the run trains).
    <div data-testid="run-curves" data-epochs={epochs.length}>
      {phases.map((phase) => {
        const data = epochs.filter((e) => e.phase === phase).sort((a, b) => a.epoch - b.epoch);
        return (
          <section key={phase} className="rd-phase" aria-label={`Curves of phase ${phase}`}>
            <h3>
              {PHASE_LABEL[phase] ?? phase}{' '}
              <span className="muted">
                · {data.length} epoch{data.length === 1 ? '' : 's'} ·{' '}
                {data.reduce((s, e) => s + e.seconds, 0).toFixed(1)} s
              </span>
            </h3>
            <div className="rd-charts">
              <Chart data={data} metric="loss" />
              <Chart data={data} metric="accuracy" />
            </div>
          </section>
        );
      })}
    </div>
  );
}
