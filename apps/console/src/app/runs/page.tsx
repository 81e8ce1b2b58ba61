import Link from 'next/link';
import { graphql } from '@/gql';
import type { RunOrder, RunStatus } from '@/gql/graphql';
import { gql } from '@/lib/api';
import { RunsFilters } from './RunsFilters';
import { RunsTable } from './RunsTable';
import { RUN_STATUSES, listHref, parseListParams, type ListParams } from './listParams';

export const metadata = { title: 'Runs · Graft' };

const PAGE_SIZE = 50;

/** Only the list columns: the table must stay fast with 10,000 runs. */
const RUNS = graphql(`
  query RunsPage($first: Int!, $after: String, $filter: RunFilter, $orderBy: RunOrder) {
    runs(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
      endCursor
      hasNextPage
      items {
        ...RunsTableRow
      }
    }
  }
`);

const FILTER_OPTIONS = graphql(`
  query RunsPageFilterOptions {
    backbones {
      id
      name
    }
    datasets {
      id
      name
    }
  }
`);

const SORTS: { order: RunOrder; label: string }[] = [
  { order: 'createdAt', label: 'Newest' },
  { order: 'bestValAccuracy', label: 'Best val accuracy' },
  { order: 'testAccuracy', label: 'Test accuracy' },
];

export default async function RunsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const p: ListParams = parseListParams(await searchParams);
  const filter = {
    status: p.status as RunStatus | undefined,
    mode: p.mode,
    backboneId: p.backbone,
    datasetId: p.dataset,
    tag: p.tag,
  };
  const [{ runs }, options] = await Promise.all([
    gql(RUNS, { first: PAGE_SIZE, after: p.after ?? null, filter, orderBy: p.order }),
    gql(FILTER_OPTIONS, {}),
  ]);
  const filtered = Boolean(p.status || p.mode || p.backbone || p.dataset || p.tag);
  const pageNo = p.trail.length + 1;
  const prevHref =
    p.trail.length > 0
      ? listHref(p, {
          after: p.trail[p.trail.length - 1] || undefined,
          trail: p.trail.slice(0, -1),
        })
      : null;
  const nextHref =
    runs.hasNextPage && runs.endCursor
      ? listHref(p, { after: runs.endCursor, trail: [...p.trail, p.after ?? ''] })
      : null;

  return (
    <main className="runs-page">
      <div className="runs-head">
        <h1>Runs</h1>
        <Link href="/runs/new" className="button primary" data-testid="runs-new">
          New run
        </Link>
      </div>
      <RunsFilters
        key={listHref(p, { after: undefined, trail: [] })}
        params={p}
        statuses={RUN_STATUSES}
        backbones={options.backbones}
        datasets={options.datasets}
      />
      <nav className="runs-sorts" aria-label="Sort runs">
        <span className="muted">Sort:</span>
        {SORTS.map((s) => (
          <Link
            key={s.order}
            href={listHref(p, { order: s.order, after: undefined, trail: [] })}
            aria-current={p.order === s.order ? 'true' : undefined}
            className={p.order === s.order ? 'runs-sort-on' : undefined}
            data-testid={`runs-sort-${s.order}`}
          >
            {s.label}
          </Link>
        ))}
      </nav>
      {runs.items.length === 0 ? (
        filtered || p.after ? (
          <div className="empty" data-testid="runs-empty">
            <p>No runs match these filters.</p>
            <p>
              <Link href="/runs">Clear the filters</Link> or{' '}
              <Link href="/runs/new">start a run</Link>.
            </p>
          </div>
        ) : (
          <div className="empty" data-testid="runs-empty">
            <p>
              <strong>No runs yet — </strong>
              <Link href="/runs/new">start one</Link>.
            </p>
            <p>
              A run fine-tunes a pretrained backbone on a dataset. Need data first? Create a dataset
              on <Link href="/datasets">Datasets</Link>.
            </p>
          </div>
        )
      ) : (
        <RunsTable runs={runs.items} order={p.order} sortLinks={sortLinks(p)} />
      )}
      <nav className="runs-pager" aria-label="Pages">
        {prevHref !== null ? (
          <Link href={prevHref} data-testid="runs-prev" rel="prev">
            ← Previous page
          </Link>
        ) : (
          <span className="muted" aria-disabled="true">
            ← Previous page
          </span>
        )}
        <span className="muted">
          Page {pageNo} · {runs.items.length} runs shown
        </span>
        {nextHref ? (
          <Link href={nextHref} data-testid="runs-next" rel="next">
            Next page →
          </Link>
        ) : (
          <span className="muted" aria-disabled="true">
            Next page →
          </span>
        )}
      </nav>
    </main>
  );
}

/** Links for the sortable column headers (the API sorts descending only). */
function sortLinks(p: ListParams): Record<RunOrder, string> {
  return {
    createdAt: listHref(p, { order: 'createdAt', after: undefined, trail: [] }),
    bestValAccuracy: listHref(p, { order: 'bestValAccuracy', after: undefined, trail: [] }),
    testAccuracy: listHref(p, { order: 'testAccuracy', after: undefined, trail: [] }),
  };
}
