import Link from 'next/link';
import { graphql } from '@/gql';
import { gql } from '@/lib/api';
import { ApiError } from '@/lib/graphqlClient';
import { CompareCurves } from './CompareCurves';
import { CompareDetails } from './CompareDetails';
import { MAX_COMPARED, parseIds, runColor, runLabel } from './compareData';

export const metadata = { title: 'Compare runs · Graft' };

const COMPARE = graphql(`
  query ComparePage($ids: [ID!]!) {
    compareRuns(ids: $ids) {
      bestRunId
      parameters {
        name
        differs
        values
      }
      layers {
        name
        states
        differs
      }
      series {
        runId
        epochs {
          phase
          epoch
          loss
          accuracy
          valLoss
          valAccuracy
        }
      }
      runs {
        id
        status
        mode
        tags
        backbone {
          id
          name
        }
        dataset {
          id
          name
        }
        bestValAccuracy
        testAccuracy
        startedAt
        finishedAt
        surgery
      }
    }
  }
`);

function NotEnough({ given }: { given: number }) {
  return (
    <main>
      <h1>Compare runs</h1>
      <div className="empty" data-testid="compare-empty">
        <p>
          {given === 0 ? 'No runs picked yet.' : 'One run is not a comparison: pick at least two.'}
        </p>
        <p>
          Open the <Link href="/runs">runs table</Link>, tick 2 to {MAX_COMPARED} runs and press{' '}
          <strong>Compare</strong>. Their loss and accuracy curves are overlaid here, with the
          hyperparameters and frozen layers that differ highlighted.
        </p>
      </div>
    </main>
  );
}

export default async function ComparePage({
  searchParams,
}: {
  searchParams: Promise<{ ids?: string | string[] }>;
}) {
  const { ids: raw } = await searchParams;
  const { ids, dropped } = parseIds(raw);
  if (ids.length < 2) return <NotEnough given={ids.length} />;

  let data;
  try {
    data = await gql(COMPARE, { ids });
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'NOT_FOUND' || err.code === 'BAD_USER_INPUT'))
      return (
        <main>
          <h1>Compare runs</h1>
          <div className="empty" role="alert" data-testid="compare-error">
            <p className="error">{err.message}</p>
            <p>
              Pick the runs again from the <Link href="/runs">runs table</Link>.
            </p>
          </div>
        </main>
      );
    throw err;
  }
  const cmp = data.compareRuns;
  // The API returns runs in request order; keep series aligned with them.
  const runs = ids
    .map((id) => cmp.runs.find((r) => r.id === id))
    .filter((r): r is NonNullable<typeof r> => r !== undefined);
  const series = runs.map((r) => cmp.series.find((s) => s.runId === r.id)?.epochs ?? []);
  const labelled = runs.map((r, i) => ({
    id: r.id,
    label: runLabel(i, r.id),
    color: runColor(i),
  }));

  return (
    <main className="cmp">
      <div className="toolbar cmp-head">
        <h1>Compare {runs.length} runs</h1>
        <span className="muted">
          <Link href="/runs">Back to runs</Link>
        </span>
      </div>
      {dropped > 0 ? (
        <p className="muted" role="status">
          Only the first {MAX_COMPARED} runs are compared ({dropped} more ignored).
        </p>
      ) : null}
      <ul className="cmp-runs" aria-label="Compared runs" data-testid="compare-runs">
        {runs.map((r, i) => (
          <li key={r.id} data-run={r.id}>
            <span className="cmp-swatch" style={{ background: labelled[i]!.color }} />
            <Link href={`/runs/${r.id}`} className="cmp-run-link">
              <strong>{labelled[i]!.label}</strong>
            </Link>{' '}
            <span className="muted">
              {r.backbone.name} · {r.dataset.name} · {r.mode}
            </span>{' '}
            <span className={`badge status-${r.status}`}>{r.status}</span>
            {r.id === cmp.bestRunId ? (
              <span className="badge cmp-best-badge" data-testid="best-run">
                best test accuracy
              </span>
            ) : null}
            {r.tags.map((t) => (
              <span key={t} className="badge">
                {t}
              </span>
            ))}
          </li>
        ))}
      </ul>

      <section aria-labelledby="cmp-curves-h">
        <h2 id="cmp-curves-h">Curves</h2>
        <CompareCurves runs={labelled} series={series} />
      </section>

      <CompareDetails
        runs={labelled}
        bestRunId={cmp.bestRunId ?? null}
        parameters={cmp.parameters}
        layers={cmp.layers}
        surgeries={runs.map((r) => r.surgery)}
        metrics={runs.map((r, i) => ({
          id: r.id,
          status: r.status,
          testAccuracy: r.testAccuracy ?? null,
          bestValAccuracy: r.bestValAccuracy ?? null,
          startedAt: r.startedAt ?? null,
          finishedAt: r.finishedAt ?? null,
          last: series[i]!.at(-1) ?? null,
          epochs: series[i]!.length,
        }))}
      />
    </main>
  );
}
