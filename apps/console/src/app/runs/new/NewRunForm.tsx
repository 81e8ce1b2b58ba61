'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { graphql } from '@/gql';
import type { NewRunBackboneQuery, NewRunChoicesQuery } from '@/gql/graphql';
import { shapeText } from '@/components/BackboneLayerTable';
import { browserGql } from '@/lib/browserGql';
import { num } from '@/lib/format';
import { ApiError } from '@/lib/graphqlClient';
import { LayerStrip } from '@/components/LayerStrip';
import { stripFromSpec } from '@/components/LayerStripData';
import { buildSpecs, DEFAULTS, type FreezeKind, type Mode, type RunForm } from './spec';

const BACKBONE = graphql(`
  query NewRunBackbone($id: ID!) {
    backbone(id: $id) {
      id
      name
      inputShape
      ...LayerStripBackbone
    }
  }
`);

const START = graphql(`
  mutation NewRunStart($input: StartRunInput!) {
    startRun(input: $input) {
      id
    }
  }
`);

type Backbone = NewRunBackboneQuery['backbone'];

/** API field paths that have an input here (ids: `nr-` + path with dots as dashes). */
const FIELD_PATHS = [
  'backboneId',
  'datasetId',
  'train.mode',
  'surgery.inputShape',
  'surgery.cutAt',
  'surgery.freeze',
  'surgery.head.pooling',
  'surgery.head.dense.0.units',
  'surgery.head.dropout',
  'train.learningRate',
  'train.epochs',
  'train.fineTune.learningRate',
  'train.fineTune.epochs',
  'train.batchSize',
  'train.seed',
  'train.earlyStopping.patience',
  'tags',
] as const;
/** Paths the API may name that belong to another input. */
const ALIASES: Record<string, string> = {
  'surgery.head.classes': 'datasetId',
  'surgery.head': 'surgery.head.dense.0.units',
  'train.earlyStopping': 'train.earlyStopping.patience',
};
/** The field each form value shows its errors on. */
const PATH_OF: Record<keyof RunForm, string> = {
  backboneId: 'backboneId',
  datasetId: 'datasetId',
  mode: 'train.mode',
  inputHeight: 'surgery.inputShape',
  inputWidth: 'surgery.inputShape',
  cutAt: 'surgery.cutAt',
  freezeKind: 'surgery.freeze',
  freezeUpTo: 'surgery.freeze',
  freezeBlocks: 'surgery.freeze',
  freezeLayers: 'surgery.freeze',
  pooling: 'surgery.head.pooling',
  denseUnits: 'surgery.head.dense.0.units',
  headDropout: 'surgery.head.dropout',
  learningRate: 'train.learningRate',
  epochs: 'train.epochs',
  fineTuneLearningRate: 'train.fineTune.learningRate',
  fineTuneEpochs: 'train.fineTune.epochs',
  allowHighLearningRate: 'train.fineTune.learningRate',
  batchSize: 'train.batchSize',
  seed: 'train.seed',
  earlyStopping: 'train.earlyStopping.patience',
  tags: 'tags',
};
const fieldOf = (path: string): string | null =>
  ALIASES[path] ?? ((FIELD_PATHS as readonly string[]).includes(path) ? path : null);
const idOf = (path: string) => `nr-${path.replace(/\./g, '-')}`;

/** The form's values for a freshly picked backbone (its own input size and default cut). */
function formFor(
  prev: RunForm | null,
  ids: { backboneId: string; datasetId: string },
  bb?: Backbone,
): RunForm {
  return {
    backboneId: ids.backboneId,
    datasetId: ids.datasetId,
    mode: prev?.mode ?? 'feature-extraction',
    inputHeight: String(bb?.inputShape[0] ?? ''),
    inputWidth: String(bb?.inputShape[1] ?? ''),
    cutAt: bb?.lastFeatureLayer ?? '',
    freezeKind: prev?.freezeKind ?? 'allButLastBlocks',
    freezeUpTo: '',
    freezeBlocks: DEFAULTS.freezeBlocks,
    freezeLayers: [],
    pooling: prev?.pooling ?? 'avg',
    denseUnits: prev?.denseUnits ?? '',
    headDropout: prev?.headDropout ?? '0',
    learningRate: prev?.learningRate ?? DEFAULTS.learningRate,
    epochs: prev?.epochs ?? DEFAULTS.epochs,
    fineTuneLearningRate: prev?.fineTuneLearningRate ?? DEFAULTS.fineTuneLearningRate,
    fineTuneEpochs: prev?.fineTuneEpochs ?? DEFAULTS.fineTuneEpochs,
    allowHighLearningRate: false,
    batchSize: prev?.batchSize ?? DEFAULTS.batchSize,
    seed: prev?.seed ?? DEFAULTS.seed,
    earlyStopping: prev?.earlyStopping ?? true,
    tags: prev?.tags ?? '',
  };
}

export function NewRunForm({
  backbones,
  datasets,
  initialBackboneId,
  initialDatasetId,
}: {
  backbones: NewRunChoicesQuery['backbones'];
  datasets: NewRunChoicesQuery['datasets'];
  initialBackboneId: string;
  initialDatasetId: string;
}) {
  const router = useRouter();
  const [form, setForm] = useState<RunForm>(() =>
    formFor(null, { backboneId: initialBackboneId, datasetId: initialDatasetId }),
  );
  const [backbone, setBackbone] = useState<Backbone | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [summary, setSummary] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const summaryRef = useRef<HTMLDivElement>(null);

  // The picked backbone's layers (for the strip, the cut and the freeze point).
  useEffect(() => {
    let live = true;
    setBackbone(null);
    setLoadError(null);
    browserGql(BACKBONE, { id: form.backboneId })
      .then(({ backbone: bb }) => {
        if (!live) return;
        setBackbone(bb);
        setForm((f) => formFor(f, f, bb));
      })
      .catch((err: Error) => live && setLoadError(err.message));
    return () => {
      live = false;
    };
  }, [form.backboneId]);

  /** Sets one value and clears the error shown on its field (the API re-checks on submit). */
  const set = <K extends keyof RunForm>(key: K, value: RunForm[K]) => {
    setForm((f) => ({ ...f, [key]: value }));
    const path = PATH_OF[key];
    setErrors((e) => {
      if (!path || !(path in e)) return e;
      const { [path]: _cleared, ...rest } = e;
      return rest;
    });
  };

  const shape = useMemo(
    () =>
      backbone && {
        inputShape: backbone.inputShape,
        lastFeatureLayer: backbone.lastFeatureLayer,
        blockEnds: backbone.blockEnds,
        layerNames: backbone.layers.map((l) => l.name),
      },
    [backbone],
  );
  const specs = useMemo(() => (shape ? buildSpecs(form, shape) : null), [form, shape]);
  const dataset = datasets.find((d) => d.id === form.datasetId);
  // The strip previews exactly the request that will be sent.
  const strip = useMemo(
    () =>
      backbone && specs
        ? stripFromSpec(backbone, {
            ...specs.surgery,
            head: { ...specs.surgery.head, classes: dataset?.classes ?? [] },
          })
        : null,
    [backbone, specs, dataset],
  );
  const fineTuning = form.mode === 'fine-tuning';

  /** A click on the layer strip: the freeze point (or a layer to toggle) in fine-tuning. */
  function selectLayer(name: string) {
    if (!fineTuning || !shape) return;
    const cutPos = shape.layerNames.indexOf(form.cutAt);
    const pos = shape.layerNames.indexOf(name);
    if (pos < 1 || pos > cutPos) return;
    if (form.freezeKind === 'layers') {
      set(
        'freezeLayers',
        form.freezeLayers.includes(name)
          ? form.freezeLayers.filter((n) => n !== name)
          : [...form.freezeLayers, name],
      );
    } else {
      set('freezeKind', 'upTo');
      set('freezeUpTo', name);
    }
  }

  function showErrors(fieldErrors: Record<string, string>, other: string[]) {
    const mapped: Record<string, string> = {};
    const rest = [...other];
    for (const [path, message] of Object.entries(fieldErrors)) {
      const field = fieldOf(path);
      // Only fields on screen (the fine-tuning ones are hidden in feature extraction).
      if (field && document.getElementById(idOf(field))) mapped[field] ??= message;
      else rest.push(path === 'input' ? message : `${path}: ${message}`);
    }
    setErrors(mapped);
    setSummary(rest);
    const first = FIELD_PATHS.find((p) => mapped[p]);
    requestAnimationFrame(() => {
      if (first) document.getElementById(idOf(first))?.focus();
      else summaryRef.current?.focus();
    });
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!specs) return;
    if (Object.keys(specs.errors).length > 0) {
      showErrors(specs.errors, []);
      return;
    }
    setPending(true);
    try {
      const tags = form.tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      const { startRun } = await browserGql(START, {
        input: {
          backboneId: form.backboneId,
          datasetId: form.datasetId,
          surgery: specs.surgery,
          train: specs.train,
          ...(tags.length ? { tags } : {}),
        },
      });
      router.push(`/runs/${startRun.id}`);
    } catch (err) {
      setPending(false);
      if (err instanceof ApiError) {
        const fe = err.fieldErrors;
        showErrors(fe, Object.keys(fe).length ? [] : [err.message]);
      } else showErrors({}, [(err as Error).message]);
    }
  }

  const err = (path: string) => errors[path];
  const fieldProps = (path: string, hint?: boolean) => ({
    id: idOf(path),
    'aria-invalid': err(path) ? true : undefined,
    'aria-describedby': err(path) ? `${idOf(path)}-error` : hint ? `${idOf(path)}-hint` : undefined,
  });
  const kept = shape ? shape.layerNames.slice(1, shape.layerNames.indexOf(form.cutAt) + 1) : [];
  return (
    <form className="nr-form" onSubmit={submit} noValidate data-testid="new-run-form">
      {summary.length > 0 || Object.keys(errors).length > 0 ? (
        <div
          className="nr-summary"
          role="alert"
          tabIndex={-1}
          ref={summaryRef}
          data-testid="new-run-errors"
        >
          <strong>The run was not started.</strong>
          {Object.keys(errors).length > 0 ? <span> Fix the fields marked below.</span> : null}
          {summary.length > 0 ? (
            <ul>
              {summary.map((s) => (
                <li key={s}>{s}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}

      <div className="nr-grid">
        <section className="panel" aria-labelledby="nr-what">
          <h2 id="nr-what">What</h2>
          <Field path="backboneId" label="Backbone" error={err('backboneId')}>
            <select
              {...fieldProps('backboneId')}
              value={form.backboneId}
              onChange={(e) => set('backboneId', e.target.value)}
            >
              {backbones.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name} ({b.family}, {shapeText(b.inputShape)})
                </option>
              ))}
            </select>
          </Field>
          <Field path="datasetId" label="Dataset" error={err('datasetId')}>
            <select
              {...fieldProps('datasetId', true)}
              value={form.datasetId}
              onChange={(e) => set('datasetId', e.target.value)}
            >
              {datasets.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name} ({d.classes.length} classes, {num(d.counts.total)} images)
                </option>
              ))}
            </select>
            {dataset && !err('datasetId') ? (
              <p className="muted nr-hint" id={`${idOf('datasetId')}-hint`}>
                Head classes: {dataset.classes.join(', ')}
              </p>
            ) : null}
          </Field>
          <fieldset
            className="field nr-mode"
            aria-describedby={err('train.mode') ? `${idOf('train.mode')}-error` : undefined}
          >
            <legend>Mode</legend>
            {(
              [
                [
                  'feature-extraction',
                  'Feature extraction',
                  'backbone frozen, only the head trains',
                ],
                ['fine-tuning', 'Fine-tuning', 'then unfreeze the top of the backbone'],
              ] as [Mode, string, string][]
            ).map(([value, label, hint], i) => (
              <label key={value} className="nr-radio">
                <input
                  type="radio"
                  name="mode"
                  value={value}
                  id={i === 0 ? idOf('train.mode') : undefined}
                  checked={form.mode === value}
                  onChange={() => set('mode', value)}
                  data-testid={`mode-${value}`}
                />
                <span>
                  {label} <span className="muted">— {hint}</span>
                </span>
              </label>
            ))}
            <FieldError path="train.mode" error={err('train.mode')} />
          </fieldset>
          <div className="nr-row">
            <Field
              path="surgery.inputShape"
              label="Input size (height × width)"
              error={err('surgery.inputShape')}
            >
              <div className="row nr-size">
                <input
                  {...fieldProps('surgery.inputShape')}
                  aria-label="Input height"
                  inputMode="numeric"
                  value={form.inputHeight}
                  onChange={(e) => set('inputHeight', e.target.value)}
                />
                ×
                <input
                  aria-label="Input width"
                  inputMode="numeric"
                  value={form.inputWidth}
                  onChange={(e) => set('inputWidth', e.target.value)}
                />
                <span className="muted">× {backbone?.inputShape[2] ?? '–'} ch</span>
              </div>
            </Field>
            <Field
              path="surgery.cutAt"
              label="Cut at (kept; what follows is removed)"
              error={err('surgery.cutAt')}
            >
              <select
                {...fieldProps('surgery.cutAt')}
                value={form.cutAt}
                disabled={!backbone}
                onChange={(e) => {
                  set('cutAt', e.target.value);
                  set('freezeUpTo', '');
                  set('freezeLayers', []);
                }}
              >
                {backbone?.layers.slice(1).map((l) => (
                  <option key={l.name} value={l.name}>
                    {l.name}
                    {l.name === backbone.lastFeatureLayer ? ' (last feature layer)' : ''}
                  </option>
                ))}
              </select>
            </Field>
          </div>
        </section>

        <section className="panel" aria-labelledby="nr-head">
          <h2 id="nr-head">Head</h2>
          <div className="nr-row">
            <Field path="surgery.head.pooling" label="Pooling" error={err('surgery.head.pooling')}>
              <select
                {...fieldProps('surgery.head.pooling')}
                value={form.pooling}
                onChange={(e) => set('pooling', e.target.value as RunForm['pooling'])}
              >
                <option value="avg">global average</option>
                <option value="max">global max</option>
                <option value="flatten">flatten</option>
              </select>
            </Field>
            <Field
              path="surgery.head.dense.0.units"
              label="Hidden dense units (empty: none)"
              error={err('surgery.head.dense.0.units')}
            >
              <input
                {...fieldProps('surgery.head.dense.0.units')}
                inputMode="numeric"
                placeholder="none"
                value={form.denseUnits}
                onChange={(e) => set('denseUnits', e.target.value)}
              />
            </Field>
            <Field
              path="surgery.head.dropout"
              label="Dropout before softmax"
              error={err('surgery.head.dropout')}
            >
              <input
                {...fieldProps('surgery.head.dropout')}
                inputMode="decimal"
                value={form.headDropout}
                onChange={(e) => set('headDropout', e.target.value)}
              />
            </Field>
          </div>
          <p className="muted nr-hint">
            Pooling applies when the cut output is a feature map; softmax over{' '}
            {dataset?.classes.length ?? '–'} classes.
          </p>

          <h2>Training</h2>
          <div className="nr-row">
            <Field
              path="train.learningRate"
              label={fineTuning ? 'Head learning rate (phase 1)' : 'Learning rate'}
              error={err('train.learningRate')}
            >
              <input
                {...fieldProps('train.learningRate')}
                inputMode="decimal"
                value={form.learningRate}
                onChange={(e) => set('learningRate', e.target.value)}
              />
            </Field>
            <Field
              path="train.epochs"
              label={fineTuning ? 'Head epochs (phase 1)' : 'Epochs'}
              error={err('train.epochs')}
            >
              <input
                {...fieldProps('train.epochs')}
                inputMode="numeric"
                value={form.epochs}
                onChange={(e) => set('epochs', e.target.value)}
              />
            </Field>
          </div>
          {fineTuning ? (
            <div className="nr-row">
              <Field
                path="train.fineTune.learningRate"
                label="Fine-tune learning rate (phase 2)"
                error={err('train.fineTune.learningRate')}
              >
                <input
                  {...fieldProps('train.fineTune.learningRate', true)}
                  inputMode="decimal"
                  value={form.fineTuneLearningRate}
                  onChange={(e) => set('fineTuneLearningRate', e.target.value)}
                  data-testid="fine-tune-lr"
                />
                {!err('train.fineTune.learningRate') ? (
                  <p className="muted nr-hint" id={`${idOf('train.fineTune.learningRate')}-hint`}>
                    Low: 1e-5 to 1e-4. Above 1e-3 is refused.
                  </p>
                ) : null}
              </Field>
              <Field
                path="train.fineTune.epochs"
                label="Fine-tune epochs (phase 2)"
                error={err('train.fineTune.epochs')}
              >
                <input
                  {...fieldProps('train.fineTune.epochs')}
                  inputMode="numeric"
                  value={form.fineTuneEpochs}
                  onChange={(e) => set('fineTuneEpochs', e.target.value)}
                />
              </Field>
            </div>
          ) : null}
          {fineTuning ? (
            <label className="nr-check">
              <input
                type="checkbox"
                checked={form.allowHighLearningRate}
                onChange={(e) => set('allowHighLearningRate', e.target.checked)}
              />
              Allow a fine-tune learning rate above 1e-3 (usually destroys the pretrained features)
            </label>
          ) : null}
          <div className="nr-row">
            <Field path="train.batchSize" label="Batch size" error={err('train.batchSize')}>
              <input
                {...fieldProps('train.batchSize')}
                inputMode="numeric"
                value={form.batchSize}
                onChange={(e) => set('batchSize', e.target.value)}
              />
            </Field>
            <Field path="train.seed" label="Seed" error={err('train.seed')}>
              <input
                {...fieldProps('train.seed')}
                inputMode="numeric"
                value={form.seed}
                onChange={(e) => set('seed', e.target.value)}
              />
            </Field>
            <Field path="tags" label="Tags (comma-separated)" error={err('tags')}>
              <input
                {...fieldProps('tags')}
                value={form.tags}
                placeholder="baseline, lenet"
                onChange={(e) => set('tags', e.target.value)}
              />
            </Field>
          </div>
          <label className="nr-check">
            <input
              id={idOf('train.earlyStopping.patience')}
              type="checkbox"
              checked={form.earlyStopping}
              onChange={(e) => set('earlyStopping', e.target.checked)}
            />
            Stop a phase early when validation loss stalls for 3 epochs (best weights kept)
          </label>
          <FieldError
            path="train.earlyStopping.patience"
            error={err('train.earlyStopping.patience')}
          />
        </section>
      </div>

      <section className="panel nr-layers" aria-labelledby="nr-freeze">
        <div className="nr-freeze-head">
          <h2 id="nr-freeze">Freeze</h2>
          {fineTuning ? (
            <fieldset
              className="nr-freeze-kinds"
              aria-describedby={
                err('surgery.freeze') ? `${idOf('surgery.freeze')}-error` : undefined
              }
            >
              <legend className="bb-visually-hidden">What stays frozen in phase 2</legend>
              {(
                [
                  ['allButLastBlocks', 'All but the last blocks'],
                  ['upTo', 'Up to a layer'],
                  ['layers', 'Exactly these layers'],
                ] as [FreezeKind, string][]
              ).map(([value, label]) => (
                <label key={value} className="nr-radio">
                  <input
                    type="radio"
                    name="freezeKind"
                    value={value}
                    checked={form.freezeKind === value}
                    onChange={() => set('freezeKind', value)}
                    data-testid={`freeze-${value}`}
                  />
                  {label}
                </label>
              ))}
            </fieldset>
          ) : (
            <span className="muted">
              Feature extraction keeps the whole backbone frozen. Choose fine-tuning to pick a
              freeze point.
            </span>
          )}
        </div>
        {fineTuning ? (
          <div className="nr-row nr-freeze-controls">
            {form.freezeKind === 'allButLastBlocks' ? (
              <Field
                path="surgery.freeze"
                label="Trainable blocks at the top"
                error={err('surgery.freeze')}
              >
                <input
                  {...fieldProps('surgery.freeze')}
                  inputMode="numeric"
                  value={form.freezeBlocks}
                  onChange={(e) => set('freezeBlocks', e.target.value)}
                />
              </Field>
            ) : form.freezeKind === 'upTo' ? (
              <Field
                path="surgery.freeze"
                label="Last frozen layer (or click a layer below)"
                error={err('surgery.freeze')}
              >
                <select
                  {...fieldProps('surgery.freeze')}
                  value={form.freezeUpTo}
                  onChange={(e) => set('freezeUpTo', e.target.value)}
                >
                  <option value="">— pick a layer —</option>
                  {kept.map((n) => (
                    <option key={n} value={n}>
                      {n}
                    </option>
                  ))}
                </select>
              </Field>
            ) : (
              <Field
                path="surgery.freeze"
                label="Frozen layers (click layers below to toggle)"
                error={err('surgery.freeze')}
              >
                <output {...fieldProps('surgery.freeze')} tabIndex={-1} className="mono nr-picked">
                  {form.freezeLayers.length ? form.freezeLayers.join(', ') : 'none yet'}
                </output>
              </Field>
            )}
            <p className="muted nr-hint">
              Phase 1 trains the head with the whole backbone frozen; phase 2 also trains the layers
              shown as trainable.
            </p>
          </div>
        ) : null}
        {loadError ? (
          <p className="error" role="alert">
            Could not load the backbone&apos;s layers: {loadError}
          </p>
        ) : backbone ? (
          strip && (
            <LayerStrip
              layers={strip.layers}
              cutAt={strip.cutAt}
              onSelect={fineTuning ? selectLayer : undefined}
              selected={fineTuning && form.freezeKind === 'upTo' ? form.freezeUpTo : null}
              label={`Layers of ${backbone.name}`}
              testId="new-run-strip"
            />
          )
        ) : (
          <p className="loading" role="status">
            Loading layers…
          </p>
        )}
      </section>

      <details className="nr-preview">
        <summary>Request JSON (surgery and train specs)</summary>
        <pre className="json" data-testid="new-run-json">
          {specs
            ? JSON.stringify(
                {
                  backboneId: form.backboneId,
                  datasetId: form.datasetId,
                  surgery: specs.surgery,
                  train: specs.train,
                },
                null,
                2,
              )
            : '…'}
        </pre>
      </details>

      <div className="nr-actions">
        <button
          type="submit"
          className="primary"
          disabled={pending || !specs}
          data-testid="start-run"
        >
          {pending ? 'Starting…' : 'Start run'}
        </button>
        <span className="muted">The run is queued; its page shows live progress.</span>
      </div>
    </form>
  );
}

function FieldError({ path, error }: { path: string; error: string | undefined }) {
  return error ? (
    <p id={`${idOf(path)}-error`} className="field-error" data-testid={`error-${path}`}>
      {error}
    </p>
  ) : null;
}

function Field({
  path,
  label,
  error,
  children,
}: {
  path: string;
  label: string;
  error: string | undefined;
  children: ReactNode;
}) {
  return (
    <div className="field">
      <label htmlFor={idOf(path)}>{label}</label>
      {children}
      <FieldError path={path} error={error} />
    </div>
  );
}
