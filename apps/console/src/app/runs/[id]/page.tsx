import Link from 'next/link';
import { notFound } from 'next/navigation';
import type { Metadata } from 'next';
import { graphql } from '@/gql';
import { LayerStrip } from '@/components/LayerStrip';
import type { FreezeSpec } from '@graft/core/surgery';
import { stripFromSurgery, surgeryRequest } from '@/components/LayerStripData';
import { gql } from '@/lib/api';
import { ApiError } from '@/lib/graphqlClient';
import { duration, lr, num, pct, shortSha, when } from '@/lib/format';
import { UUID } from '@/lib/missing';
import { currentViewer, roleAtLeast } from '@/lib/viewer';
import { ConfusionMatrix, PerClassTable, parseEvaluation } from './Evaluation';
import { RegisterVersion } from './RegisterVersion';
import { RunCurves } from './RunCurves';
import { LiveStatusBadge, RunLiveProvider, RunProgressBar } from './RunLive';

const RUN = graphql(`
  query RunDetail($id: ID!) {
    run(id: $id) {
      id
      status
      attempt
      mode
      backbone {
        id
        name
        inputShape
        ...LayerStripBackbone
      }
      dataset {
        id
        name
        classes
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
      epochs {
        ...RunDetailEpoch
      }
      surgery
      train
      evaluation
      lineage
      artifacts {
        key
        name
        kind
        bytes
        sha256
        url
      }
      log
      error
    }
  }
`);

const MODEL_NAMES = graphql(`
  query RunDetailModelNames {
    models {
      name
    }
  }
`);

/** One model's versions (models × versions in one query exceeds the API's cost limit). */
const MODEL_VERSIONS = graphql(`
  query RunDetailModelVersions($name: String!) {
    model(name: $name) {
      name
      versions {
        id
        version
        runId
      }
    }
  }
`);

/** Looks for the model version made from this run among the first 25 models. */
async function registeredVersion(runId: string, names: readonly string[]) {
  const models = await Promise.all(
    names.slice(0, 25).map((name) =>
      gql(MODEL_VERSIONS, { name })
        .then((d) => d.model)
        .catch(() => null),
    ),
  );
  for (const m of models)
    for (const v of m?.versions ?? []) if (v.runId === runId) return { model: m!.name, ...v };
  return undefined;
}

type Params = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { id } = await params;
  return { title: `Run ${id.slice(0, 8)} · Graft` };
}

const isObj = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);
const get = (x: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>(
    (o, k) => (isObj(o) || Array.isArray(o) ? (o as Record<string, unknown>)[k] : undefined),
    x,
  );
const str = (x: unknown): string =>
  x === undefined || x === null ? '–' : typeof x === 'string' ? x : JSON.stringify(x);

function freezeText(f: FreezeSpec | undefined): string {
  if (!f) return 'all (default)';
  switch (f.kind) {
    case 'all':
      return 'all';
    case 'upTo':
      return `up to ${f.layer}`;
    case 'allButLastBlocks':
      return `all but the last ${f.blocks} block${f.blocks === 1 ? '' : 's'}`;
    case 'layers':
      return `layers ${f.names.join(', ')}`;
    case 'pattern':
      return `pattern /${f.pattern}/`;
    default:
      return JSON.stringify(f);
  }
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export default async function RunPage({ params }: Params) {
  const { id } = await params;
  // Run ids are UUIDs; anything else cannot name a run.
  if (!UUID.test(id)) notFound();
  const viewer = await currentViewer();
  let data;
  try {
    data = await gql(RUN, { id });
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'NOT_FOUND' || err.code === 'BAD_USER_INPUT'))
      notFound();
    throw err;
  }
  const run = data.run;
  const modelNames =
    run.status === 'succeeded'
      ? await gql(MODEL_NAMES, {})
          .then((d) => d.models.map((m) => m.name))
          .catch(() => [] as string[])
      : [];
  // A run becomes at most one model version.
  const registered =
    modelNames.length > 0 ? await registeredVersion(run.id, modelNames) : undefined;
  const canRegister =
    run.status === 'succeeded' && !registered && roleAtLeast(viewer?.role, 'editor');

  const strip = stripFromSurgery(run.surgery, run.backbone);
  const req = surgeryRequest(run.surgery);
  const train = isObj(run.train) ? run.train : {};
  const lineageTraining = get(run.lineage, 'training');
  const lineageSurgery = get(run.lineage, 'surgery');
  const phases = Array.isArray(get(lineageTraining, 'phases'))
    ? (get(lineageTraining, 'phases') as unknown[])
    : [];
  const evaluation = parseEvaluation(run.evaluation, run.dataset.classes);
  const failed = run.status === 'failed' || run.status === 'cancelled';
  const shortId = run.id.slice(0, 8);

  return (
    <RunLiveProvider runId={run.id} status={run.status} epochs={run.epochs}>
      <main className="rd" data-testid="run-detail" data-run-id={run.id}>
        <nav className="rd-crumbs" aria-label="Breadcrumb">
          <Link href="/runs">Runs</Link> / <span className="mono">{shortId}</span>
        </nav>
        <header className="rd-header">
          <div className="rd-title">
            <h1>
              Run <span className="mono">{shortId}</span>
            </h1>
            <LiveStatusBadge />
            <span className="badge">{run.mode}</span>
            {run.tags.map((t) => (
              <Link key={t} href={`/runs?tag=${encodeURIComponent(t)}`} className="badge rd-tag">
                #{t}
              </Link>
            ))}
            <span className="spacer" />
            {registered ? (
              <span data-testid="run-registered">
                Model version{' '}
                <Link href={`/models/${encodeURIComponent(registered.model)}`}>
                  {registered.model} v{registered.version}
                </Link>
              </span>
            ) : null}
            {canRegister ? (
              <RegisterVersion
                runId={run.id}
                models={modelNames}
                defaultName={`${run.dataset.name}-${run.backbone.name}`.replace(/[^\w.-]+/g, '-')}
              />
            ) : null}
          </div>
          <dl className="kv rd-kv">
            <dt>Backbone</dt>
            <dd>
              <Link href={`/backbones?id=${run.backbone.id}`}>{run.backbone.name}</Link>
            </dd>
            <dt>Dataset</dt>
            <dd>
              <Link href="/datasets">{run.dataset.name}</Link>{' '}
              <span className="muted">({run.dataset.classes.length} classes)</span>
            </dd>
            <dt>Started by</dt>
            <dd>{run.startedBy ?? '–'}</dd>
            <dt>Created</dt>
            <dd>{when(run.createdAt)}</dd>
            <dt>Started</dt>
            <dd>{when(run.startedAt)}</dd>
            <dt>Finished</dt>
            <dd>
              {when(run.finishedAt)}{' '}
              {run.startedAt ? (
                <span className="muted" suppressHydrationWarning>
                  ({duration(run.startedAt, run.finishedAt)}
                  {run.attempt > 1 ? `, attempt ${run.attempt}` : ''})
                </span>
              ) : null}
            </dd>
            <dt>Run id</dt>
            <dd className="mono">{run.id}</dd>
          </dl>
          <div className="rd-metrics" data-testid="run-metrics">
            <div>
              <span className="muted">Best val accuracy</span>
              <strong>{pct(run.bestValAccuracy)}</strong>
            </div>
            <div>
              <span className="muted">Test accuracy</span>
              <strong data-testid="run-test-accuracy">{pct(run.testAccuracy)}</strong>
            </div>
            <div>
              <span className="muted">Frozen params</span>
              <strong>{num(run.frozenParams)}</strong>
            </div>
            <div>
              <span className="muted">Trainable params</span>
              <strong>{num(run.trainableParams)}</strong>
            </div>
          </div>
        </header>

        {failed && run.error ? (
          <div className="panel rd-error" role="alert" data-testid="run-error">
            <strong>{run.status === 'failed' ? 'The run failed' : 'The run was cancelled'}:</strong>{' '}
            <span className="mono">{run.error}</span>
          </div>
        ) : null}

        <RunProgressBar />

        <section aria-labelledby="rd-curves">
          <h2 id="rd-curves">Curves</h2>
          <RunCurves />
        </section>

        <section aria-labelledby="rd-layers" className="panel rd-section">
          <h2 id="rd-layers">
            Layers{' '}
            <span className="muted rd-sub">
              {strip.resolved
                ? 'as trained'
                : 'preview of the requested surgery (the resolved table is recorded when the run trains)'}
            </span>
          </h2>
          {strip.layers.length ? (
            <LayerStrip
              layers={strip.layers}
              cutAt={strip.cutAt}
              label={`Layers of run ${shortId}`}
            />
          ) : (
            <p className="muted">No layer table recorded.</p>
          )}
        </section>

        <div className="grid2">
          <section
            aria-labelledby="rd-hp"
            className="panel rd-section"
            data-testid="run-hyperparameters"
          >
            <h2 id="rd-hp">Hyperparameters</h2>
            <h3>Training</h3>
            <dl className="kv">
              <dt>Mode</dt>
              <dd>{run.mode}</dd>
              <dt>Learning rates</dt>
              <dd className="mono">
                head {lr(run.headLr)}
                {run.fineTuneLr !== null ? ` · fine-tune ${lr(run.fineTuneLr)}` : ''}
              </dd>
              <dt>Optimizer</dt>
              <dd>
                {str(train['optimizer'] ?? get(phases[0], 'optimizer') ?? 'adam')}
                {get(train, 'fineTune', 'optimizer')
                  ? ` · fine-tune ${str(get(train, 'fineTune', 'optimizer'))}`
                  : ''}
              </dd>
              <dt>Batch size</dt>
              <dd>{str(train['batchSize'] ?? get(lineageTraining, 'batchSize') ?? 32)}</dd>
              <dt>Seed</dt>
              <dd>{str(train['seed'] ?? get(lineageTraining, 'seed') ?? 42)}</dd>
              <dt>Early stopping</dt>
              <dd>
                {str(
                  train['earlyStopping'] ??
                    get(lineageTraining, 'earlyStopping') ?? {
                      patience: 3,
                    },
                )}
              </dd>
              {train['augmentation'] !== undefined ? (
                <>
                  <dt>Augmentation</dt>
                  <dd>{str(train['augmentation'])}</dd>
                </>
              ) : null}
            </dl>
            <h3>Phases</h3>
            <table className="rd-phases">
              <thead>
                <tr>
                  <th>Phase</th>
                  <th className="num">Epochs</th>
                  <th className="num">Learning rate</th>
                  <th>Optimizer</th>
                  <th>Trainable layers</th>
                </tr>
              </thead>
              <tbody>
                {phases.length ? (
                  phases.map((ph, i) => (
                    <tr key={i}>
                      <td>{str(get(ph, 'name'))}</td>
                      <td className="num">
                        {str(get(ph, 'epochsRun'))}/{str(get(ph, 'epochs'))}
                        {get(ph, 'earlyStopped') ? ' (early stop)' : ''}
                      </td>
                      <td className="num mono">{lr(get(ph, 'learningRate') as number)}</td>
                      <td>{str(get(ph, 'optimizer'))}</td>
                      <td className="rd-wrap">
                        {Array.isArray(get(ph, 'trainableLayers'))
                          ? (get(ph, 'trainableLayers') as string[]).length
                            ? (get(ph, 'trainableLayers') as string[]).join(', ')
                            : 'head only'
                          : '–'}
                      </td>
                    </tr>
                  ))
                ) : (
                  <>
                    <tr>
                      <td>head</td>
                      <td className="num">{str(train['epochs'] ?? 10)}</td>
                      <td className="num mono">{lr(run.headLr)}</td>
                      <td>{str(train['optimizer'] ?? 'adam')}</td>
                      <td>head only</td>
                    </tr>
                    {run.mode === 'fine-tuning' ? (
                      <tr>
                        <td>fine-tune</td>
                        <td className="num">{str(get(train, 'fineTune', 'epochs') ?? 5)}</td>
                        <td className="num mono">{lr(run.fineTuneLr)}</td>
                        <td>
                          {str(get(train, 'fineTune', 'optimizer') ?? train['optimizer'] ?? 'adam')}
                        </td>
                        <td>unfrozen per the freeze request</td>
                      </tr>
                    ) : null}
                  </>
                )}
              </tbody>
            </table>
            <h3>Surgery</h3>
            <dl className="kv">
              <dt>Input shape</dt>
              <dd className="mono">
                {(
                  (req.inputShape ??
                    (get(lineageSurgery, 'inputShape') as number[] | undefined) ??
                    run.backbone.inputShape) as number[]
                ).join('×')}
                {req.inputShape ? '' : ' (backbone default)'}
              </dd>
              <dt>Cut at</dt>
              <dd className="mono">
                {strip.cutAt ?? req.cutAt ?? run.backbone.lastFeatureLayer}
                {req.cutAt ? '' : ' (last feature layer)'}
              </dd>
              <dt>Freeze</dt>
              <dd data-testid="run-freeze">{freezeText(req.freeze)}</dd>
              <dt>Head</dt>
              <dd>
                pooling {str(req.head?.pooling ?? get(lineageSurgery, 'head', 'pooling') ?? 'avg')}
                {req.head?.dense?.length
                  ? ` · dense ${req.head.dense.map((d) => d.units).join('→')}`
                  : ''}
                {req.head?.dropout ? ` · dropout ${req.head.dropout}` : ''} ·{' '}
                {run.dataset.classes.length} classes
              </dd>
            </dl>
            <details className="rd-raw">
              <summary>Train spec and surgery request as JSON</summary>
              <pre className="json">
                {JSON.stringify({ train: run.train, surgery: req }, null, 2)}
              </pre>
            </details>
          </section>

          <section
            aria-labelledby="rd-eval"
            className="panel rd-section"
            data-testid="run-evaluation"
          >
            <h2 id="rd-eval">Evaluation</h2>
            {evaluation ? (
              <>
                <p>
                  Test accuracy <strong>{pct(evaluation.accuracy)}</strong> on{' '}
                  {num(evaluation.count)} images
                  {evaluation.loss !== null ? <> · loss {evaluation.loss.toFixed(4)}</> : null}
                  {evaluation.macroF1 !== null ? <> · macro F1 {pct(evaluation.macroF1)}</> : null}
                </p>
                {evaluation.matrix ? (
                  <ConfusionMatrix classes={evaluation.classes} matrix={evaluation.matrix} />
                ) : null}
                <PerClassTable rows={evaluation.perClass} />
              </>
            ) : (
              <div className="empty">
                {run.status === 'succeeded'
                  ? 'No evaluation was recorded.'
                  : failed
                    ? 'No evaluation: the run did not finish.'
                    : 'The test-set evaluation appears here when training ends.'}
              </div>
            )}
          </section>
        </div>

        <section
          aria-labelledby="rd-artifacts"
          className="panel rd-section"
          data-testid="run-artifacts"
        >
          <h2 id="rd-artifacts">Artifacts</h2>
          {run.artifacts.length ? (
            <table>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Kind</th>
                  <th className="num">Size</th>
                  <th>sha256</th>
                </tr>
              </thead>
              <tbody>
                {run.artifacts.map((a) => (
                  <tr key={a.key}>
                    <td>
                      <a href={a.url} download={a.name.split('/').pop()} rel="noopener">
                        {a.name}
                      </a>
                    </td>
                    <td>{a.kind}</td>
                    <td className="num" title={`${num(a.bytes)} bytes`}>
                      {bytes(a.bytes)}
                    </td>
                    <td className="mono" title={a.sha256}>
                      {shortSha(a.sha256)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">
              {run.status === 'succeeded'
                ? 'This run stored no artifacts.'
                : 'The trained model and its files are stored here when the run succeeds.'}
            </p>
          )}
          <p className="muted rd-note">Download links expire; reload the page for fresh ones.</p>
        </section>

        <section aria-labelledby="rd-lineage" className="panel rd-section">
          <h2 id="rd-lineage">Lineage record</h2>
          {run.lineage ? (
            <details data-testid="run-lineage">
              <summary>
                Backbone {str(get(run.lineage, 'backbone', 'id'))} · weights{' '}
                <span className="mono">
                  {shortSha(String(get(run.lineage, 'backbone', 'weightsSha256') ?? ''))}
                </span>{' '}
                · data{' '}
                <span className="mono">
                  {shortSha(String(get(run.lineage, 'data', 'contentHash') ?? ''))}
                </span>{' '}
                — show JSON
              </summary>
              <pre className="json">{JSON.stringify(run.lineage, null, 2)}</pre>
            </details>
          ) : (
            <p className="muted">Recorded when the run succeeds.</p>
          )}
        </section>

        <section aria-labelledby="rd-log" className="panel rd-section">
          <h2 id="rd-log">Log</h2>
          {run.log ? (
            <details open={failed} data-testid="run-log">
              <summary>{run.log.split('\n').length} lines</summary>
              <pre className="json rd-log">{run.log}</pre>
            </details>
          ) : (
            <p className="muted">No log yet.</p>
          )}
        </section>
      </main>
    </RunLiveProvider>
  );
}
