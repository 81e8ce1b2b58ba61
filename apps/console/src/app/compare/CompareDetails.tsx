'use client';

import Link from 'next/link';
import { useId, useMemo, useState } from 'react';
import { LayerStrip, type StripLayer } from '@/components/LayerStrip';
import type { LayerInfo } from '@graft/core/surgery';
import type { LayerState } from '@/components/LayerStripData';
import type { ComparePageQuery } from '@/gql/graphql';
import { duration, pct } from '@/lib/format';
import type { ComparedRunLabel } from './compareData';
import { paramText } from './paramText';

type Cmp = ComparePageQuery['compareRuns'];
type Parameter = Cmp['parameters'][number];
type ComparedLayer = Cmp['layers'][number];
type Epoch = Cmp['series'][number]['epochs'][number];

export interface RunMetrics {
  id: string;
  status: string;
  testAccuracy: number | null;
  bestValAccuracy: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  last: Epoch | null;
  epochs: number;
}

const PARAM_LABEL: Record<string, string> = {
  backbone: 'Backbone',
  dataset: 'Dataset',
  mode: 'Mode',
  inputShape: 'Input shape',
  cutAt: 'Cut at',
  freeze: 'Freeze (phase 2)',
  head: 'Head',
  learningRate: 'Learning rate (head)',
  fineTuneLearningRate: 'Learning rate (fine-tune)',
  epochs: 'Epochs (head)',
  fineTuneEpochs: 'Epochs (fine-tune)',
  optimizer: 'Optimizer',
  batchSize: 'Batch size',
  seed: 'Seed',
  augmentation: 'Augmentation',
  frozenParams: 'Frozen parameters',
  trainableParams: 'Trainable parameters',
  backends: 'Backends',
  bestValAccuracy: 'Best val accuracy',
  testAccuracy: 'Test accuracy',
};

function RunHeads({ runs }: { runs: readonly ComparedRunLabel[] }) {
  return (
    <>
      {runs.map((r) => (
        <th key={r.id} scope="col">
          <span className="cmp-swatch" style={{ background: r.color }} />
          {r.label}
        </th>
      ))}
    </>
  );
}

function Parameters({
  runs,
  parameters,
}: {
  runs: readonly ComparedRunLabel[];
  parameters: readonly Parameter[];
}) {
  const [onlyDiff, setOnlyDiff] = useState(false);
  const toggleId = useId();
  const differing = parameters.filter((p) => p.differs).length;
  const shown = onlyDiff ? parameters.filter((p) => p.differs) : parameters;
  return (
    <section aria-labelledby="cmp-params-h">
      <div className="cmp-section-head">
        <h2 id="cmp-params-h">Hyperparameters</h2>
        <span className="muted" data-testid="param-diff-count">
          {differing} of {parameters.length} differ
        </span>
        <label htmlFor={toggleId} className="cmp-toggle">
          <input
            id={toggleId}
            type="checkbox"
            checked={onlyDiff}
            onChange={(e) => setOnlyDiff(e.target.checked)}
            data-testid="diff-only"
          />
          Differences only
        </label>
      </div>
      <div className="cmp-scroll">
        <table data-testid="compare-params">
          <thead>
            <tr>
              <th scope="col">Parameter</th>
              <RunHeads runs={runs} />
            </tr>
          </thead>
          <tbody>
            {shown.map((p) => (
              <tr
                key={p.name}
                className={p.differs ? 'diff' : undefined}
                data-param={p.name}
                data-differs={p.differs ? 'true' : 'false'}
              >
                <th scope="row" className="cmp-rowhead">
                  {PARAM_LABEL[p.name] ?? p.name}
                  {p.differs ? <span className="cmp-sr"> (differs)</span> : null}
                </th>
                {p.values.map((v, i) => (
                  <td key={runs[i]?.id ?? i} className="mono" title={v}>
                    {paramText(p.name, v)}
                  </td>
                ))}
              </tr>
            ))}
            {shown.length === 0 ? (
              <tr>
                <td colSpan={runs.length + 1} className="muted">
                  Every hyperparameter is the same in these runs.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** A row of a run's resolved layer table (core's LayerInfo) as read from JSON: checked field by field. */
type ResolvedLayer = { [K in keyof LayerInfo]?: unknown };

/** Class, params and shape of each layer, from the runs' resolved layer tables. */
function layerInfo(surgeries: readonly unknown[]) {
  const info = new Map<string, Omit<StripLayer, 'state'>>();
  for (const s of surgeries) {
    const layers = (s as { layers?: unknown } | null)?.layers;
    if (!Array.isArray(layers)) continue;
    for (const l of layers as ResolvedLayer[]) {
      if (typeof l.name !== 'string' || info.has(l.name)) continue;
      info.set(l.name, {
        name: l.name,
        className: typeof l.className === 'string' ? l.className : '?',
        params: typeof l.params === 'number' ? l.params : null,
        outputShape: Array.isArray(l.outputShape) ? (l.outputShape as (number | null)[]) : [],
      });
    }
  }
  return info;
}

const STATES = new Set<string>(['frozen', 'trainable', 'head', 'absent']);
const asState = (s: string | undefined): LayerState =>
  s && STATES.has(s) ? (s as LayerState) : 'absent';

function Layers({
  runs,
  layers,
  surgeries,
}: {
  runs: readonly ComparedRunLabel[];
  layers: readonly ComparedLayer[];
  surgeries: readonly unknown[];
}) {
  const [all, setAll] = useState(false);
  const toggleId = useId();
  const info = useMemo(() => layerInfo(surgeries), [surgeries]);
  // One strip per run on the API's aligned layer list; a cell is marked when another run has
  // that layer in another state, so the marked cells are exactly the layers that differ.
  const strips = useMemo(
    () =>
      runs.map((_, i) => {
        const strip: StripLayer[] = layers.map((l) => ({
          ...(info.get(l.name) ?? { name: l.name, className: '?', params: null, outputShape: [] }),
          state: asState(l.states[i]),
        }));
        const compare: Record<string, string> = {};
        for (const l of layers) {
          const mine = l.states[i];
          compare[l.name] = l.states.find((s, j) => j !== i && s !== mine) ?? mine ?? 'absent';
        }
        const kept = strip.filter((l) => l.state === 'frozen' || l.state === 'trainable');
        return { strip, compare, cutAt: kept.at(-1)?.name ?? null };
      }),
    [runs, layers, info],
  );
  const differing = layers.filter((l) => l.differs);
  const shown = all ? layers : differing;
  return (
    <section aria-labelledby="cmp-layers-h">
      <div className="cmp-section-head">
        <h2 id="cmp-layers-h">Layers</h2>
        <span className="muted" data-testid="layer-diff-count">
          {differing.length === 0
            ? 'every layer is in the same state in every run'
            : `${differing.length} of ${layers.length} layers differ: ${differing.map((l) => l.name).join(', ')}`}
        </span>
      </div>
      {layers.length === 0 ? (
        <p className="muted">No layer table yet: it is recorded when a run has trained.</p>
      ) : (
        <>
          <div className="cmp-strips">
            {runs.map((r, i) => (
              <div key={r.id} className="cmp-strip" data-run={r.id}>
                <div className="cmp-strip-label">
                  <span className="cmp-swatch" style={{ background: r.color }} />
                  {r.label}
                </div>
                <LayerStrip
                  layers={strips[i]!.strip}
                  cutAt={strips[i]!.cutAt}
                  compareStates={strips[i]!.compare}
                  compareLabel="another run"
                  label={`Layers of ${r.label}`}
                  testId={`compare-strip-${i}`}
                />
              </div>
            ))}
          </div>
          <div className="cmp-section-head">
            <h3>Layer states by run</h3>
            <label htmlFor={toggleId} className="cmp-toggle">
              <input
                id={toggleId}
                type="checkbox"
                checked={all}
                onChange={(e) => setAll(e.target.checked)}
                data-testid="layers-all"
              />
              All layers ({layers.length})
            </label>
          </div>
          <div className="cmp-scroll cmp-layer-table">
            <table data-testid="compare-layers">
              <thead>
                <tr>
                  <th scope="col">Layer</th>
                  <RunHeads runs={runs} />
                </tr>
              </thead>
              <tbody>
                {shown.map((l) => (
                  <tr
                    key={l.name}
                    className={l.differs ? 'diff' : undefined}
                    data-layer={l.name}
                    data-differs={l.differs ? 'true' : 'false'}
                  >
                    <th scope="row" className="cmp-rowhead mono">
                      {l.name}
                    </th>
                    {l.states.map((s, i) => (
                      <td key={runs[i]?.id ?? i}>
                        <span className={`ls-tag ls-${asState(s)}`}>
                          {s === 'absent' ? 'cut away' : s === 'head' ? 'new head' : s}
                        </span>
                      </td>
                    ))}
                  </tr>
                ))}
                {shown.length === 0 ? (
                  <tr>
                    <td colSpan={runs.length + 1} className="muted">
                      No layer is frozen in one run and trainable in another.
                    </td>
                  </tr>
                ) : null}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

type MetricKey = 'testAccuracy' | 'bestValAccuracy' | 'valAccuracy' | 'valLoss' | 'loss';
const METRICS: { key: MetricKey; label: string; better: 'max' | 'min' }[] = [
  { key: 'testAccuracy', label: 'Test accuracy', better: 'max' },
  { key: 'bestValAccuracy', label: 'Best val accuracy', better: 'max' },
  { key: 'valAccuracy', label: 'Final val accuracy', better: 'max' },
  { key: 'valLoss', label: 'Final val loss', better: 'min' },
  { key: 'loss', label: 'Final train loss', better: 'min' },
];

function metricOf(m: RunMetrics, key: MetricKey): number | null {
  switch (key) {
    case 'testAccuracy':
      return m.testAccuracy;
    case 'bestValAccuracy':
      return m.bestValAccuracy;
    case 'valAccuracy':
      return m.last?.valAccuracy ?? null;
    case 'valLoss':
      return m.last?.valLoss ?? null;
    case 'loss':
      return m.last?.loss ?? null;
  }
}

function Metrics({
  runs,
  metrics,
  bestRunId,
}: {
  runs: readonly ComparedRunLabel[];
  metrics: readonly RunMetrics[];
  bestRunId: string | null;
}) {
  const best = useMemo(() => {
    const out: Partial<Record<MetricKey, number>> = {};
    for (const m of METRICS) {
      const xs = metrics.map((r) => metricOf(r, m.key)).filter((x): x is number => x !== null);
      if (xs.length) out[m.key] = m.better === 'max' ? Math.max(...xs) : Math.min(...xs);
    }
    return out;
  }, [metrics]);
  return (
    <section aria-labelledby="cmp-metrics-h">
      <div className="cmp-section-head">
        <h2 id="cmp-metrics-h">Final metrics</h2>
        <span className="muted">best of each column in bold green</span>
      </div>
      <div className="cmp-scroll">
        <table data-testid="compare-metrics">
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              {METRICS.map((m) => (
                <th key={m.key} scope="col" className="num">
                  {m.label}
                </th>
              ))}
              <th scope="col" className="num">
                Epochs
              </th>
              <th scope="col" className="num">
                Duration
              </th>
            </tr>
          </thead>
          <tbody>
            {metrics.map((m, i) => {
              const r = runs[i]!;
              const isBest = m.id === bestRunId;
              return (
                <tr key={m.id} data-run={m.id} data-best={isBest ? 'true' : undefined}>
                  <th scope="row" className={isBest ? 'cmp-rowhead best' : 'cmp-rowhead'}>
                    <span className="cmp-swatch" style={{ background: r.color }} />
                    <Link href={`/runs/${m.id}`}>{r.label}</Link>
                    {isBest ? (
                      <span className="badge cmp-best-badge" title="Best test accuracy">
                        best
                      </span>
                    ) : null}
                  </th>
                  <td>
                    <span className={`badge status-${m.status}`}>{m.status}</span>
                  </td>
                  {METRICS.map((k) => {
                    const v = metricOf(m, k.key);
                    const top = v !== null && best[k.key] === v && metrics.length > 1;
                    return (
                      <td
                        key={k.key}
                        className={top ? 'num best' : 'num'}
                        data-metric={k.key}
                        title={top ? 'best of the compared runs' : undefined}
                      >
                        {v === null ? '–' : k.key.endsWith('oss') ? v.toFixed(4) : pct(v, 2)}
                      </td>
                    );
                  })}
                  <td className="num">{m.epochs}</td>
                  <td className="num">{duration(m.startedAt, m.finishedAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Hyperparameters, layer states and final metrics of the compared runs, differences marked. */
export function CompareDetails({
  runs,
  bestRunId,
  parameters,
  layers,
  surgeries,
  metrics,
}: {
  runs: readonly ComparedRunLabel[];
  bestRunId: string | null;
  parameters: readonly Parameter[];
  layers: readonly ComparedLayer[];
  surgeries: readonly unknown[];
  metrics: readonly RunMetrics[];
}) {
  return (
    <>
      <Metrics runs={runs} metrics={metrics} bestRunId={bestRunId} />
      <Parameters runs={runs} parameters={parameters} />
      <Layers runs={runs} layers={layers} surgeries={surgeries} />
    </>
  );
}
