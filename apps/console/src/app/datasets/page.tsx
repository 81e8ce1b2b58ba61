import Link from 'next/link';
import { graphql } from '@/gql';
import { gql } from '@/lib/api';
import { num, shortSha, when } from '@/lib/format';
import { currentViewer, roleAtLeast } from '@/lib/viewer';
import { CreateDatasetForm } from './CreateDatasetForm';

export const metadata = { title: 'Datasets · Graft' };

const DATASETS = graphql(`
  query DatasetsPage {
    datasets {
      id
      name
      classes
      contentHash
      createdAt
      source
      counts {
        total
      }
    }
  }
`);

// Per-class counts one dataset at a time: the API's cost limit (50 items assumed per list)
// refuses `perClass` nested in the `datasets` list.
const COUNTS = graphql(`
  query DatasetsPageCounts($id: ID!) {
    dataset(id: $id) {
      id
      counts {
        perClass {
          className
          count
        }
      }
    }
  }
`);

/** "builtin mnist-digits", "folder /data/x", "archive x.tar.gz" from the source JSON. */
function sourceText(source: unknown): { kind: string; detail: string } {
  if (!source || typeof source !== 'object') return { kind: '?', detail: '' };
  const s = source as Record<string, unknown>;
  const kind = typeof s['kind'] === 'string' ? s['kind'] : '?';
  if (kind === 'builtin') {
    const o = (s['options'] ?? {}) as { digits?: number[]; limit?: number };
    const parts = [String(s['name'] ?? '')];
    if (o.digits) parts.push(`digits ${o.digits.join(',')}`);
    if (o.limit) parts.push(`limit ${o.limit}`);
    return { kind, detail: parts.join(' · ') };
  }
  if (kind === 'folder') return { kind, detail: String(s['path'] ?? '') };
  if (kind === 'archive') return { kind, detail: String(s['filename'] ?? s['key'] ?? '') };
  return { kind, detail: '' };
}

export default async function DatasetsPage() {
  const [{ datasets }, viewer] = await Promise.all([gql(DATASETS, {}), currentViewer()]);
  const perClass = new Map(
    await Promise.all(
      datasets.map(async (d) => {
        const { dataset } = await gql(COUNTS, { id: d.id });
        return [d.id, dataset.counts.perClass] as const;
      }),
    ),
  );
  const canCreate = roleAtLeast(viewer?.role, 'editor');
  return (
    <main>
      <div className="toolbar">
        <h1>Datasets</h1>
        <span className="muted">
          Labelled images runs train and evaluate on; train/validation/test splits are drawn per
          run.
        </span>
      </div>
      {datasets.length === 0 ? (
        <div className="empty" data-testid="datasets-empty">
          <p>No datasets yet.</p>
          <p>
            {canCreate
              ? 'Create one from MNIST digits below (for example digits 5 and 6, limit 400), then start a run on it.'
              : 'Ask an editor to create one; runs train on datasets.'}
          </p>
        </div>
      ) : (
        <table data-testid="datasets-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Classes</th>
              <th>Images per class</th>
              <th className="num">Total</th>
              <th>Content hash</th>
              <th>Source</th>
              <th>Created</th>
              <th>
                <span className="bb-visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {datasets.map((d) => {
              const counts = perClass.get(d.id) ?? [];
              const max = Math.max(1, ...counts.map((c) => c.count));
              const src = sourceText(d.source);
              return (
                <tr key={d.id} data-testid={`dataset-${d.name}`}>
                  <td>
                    <strong>{d.name}</strong>
                  </td>
                  <td className="num" title={d.classes.join(', ')}>
                    {d.classes.length}
                  </td>
                  <td>
                    <ul className="ds-bars" aria-label={`Images per class of ${d.name}`}>
                      {counts.map((c) => (
                        <li key={c.className} title={`${c.className}: ${num(c.count)} images`}>
                          <span className="ds-bar-label mono">{c.className}</span>
                          <span className="ds-bar">
                            <span style={{ width: `${(100 * c.count) / max}%` }} />
                          </span>
                          <span className="ds-bar-count">{num(c.count)}</span>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td className="num">{num(d.counts.total)}</td>
                  <td className="mono" title={`sha256 ${d.contentHash}`}>
                    {shortSha(d.contentHash)}
                  </td>
                  <td>
                    <span className="badge">{src.kind}</span>{' '}
                    <span className="muted mono">{src.detail}</span>
                  </td>
                  <td>{when(d.createdAt)}</td>
                  <td>
                    {canCreate ? <Link href={`/runs/new?datasetId=${d.id}`}>New run</Link> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {canCreate ? (
        <section className="panel ds-create" aria-labelledby="ds-create-title">
          <h2 id="ds-create-title">New dataset from MNIST digits</h2>
          <CreateDatasetForm />
        </section>
      ) : (
        <p className="muted">Creating datasets needs an editor or maintainer key.</p>
      )}
    </main>
  );
}
