import Link from 'next/link';
import { graphql } from '@/gql';
import { gql } from '@/lib/api';
import { when } from '@/lib/format';

export const metadata = { title: 'Models · Graft' };

const MODELS = graphql(`
  query ModelsPage {
    models {
      id
      name
      description
      createdAt
    }
  }
`);

// One request per model: nesting versions and aliases under `models` prices every model at 50
// versions and goes over the API's query cost limit.
const MODEL_SUMMARY = graphql(`
  query ModelsPageSummary($name: String!) {
    model(name: $name) {
      id
      aliases {
        alias
        versionId
        updatedAt
      }
      versions {
        id
        version
        createdAt
        archived
      }
    }
  }
`);

export default async function ModelsPage() {
  const { models } = await gql(MODELS, {});
  const summaries = await Promise.all(
    models.map((m) => gql(MODEL_SUMMARY, { name: m.name }).then((d) => d.model)),
  );
  return (
    <main>
      <div className="toolbar">
        <h1>Models</h1>
      </div>
      {models.length === 0 ? (
        <div className="empty" data-testid="models-empty">
          <p>
            <strong>No registered models yet.</strong>
          </p>
          <p>
            A model version is made from a succeeded run: open one from the{' '}
            <Link href="/runs">runs table</Link> and press{' '}
            <strong>Register as model version</strong>, naming a new or existing model. Then promote
            a version to <code>staging</code> or <code>production</code> from the model&rsquo;s
            page.
          </p>
          <p className="muted">
            No succeeded run yet? <Link href="/runs/new">Start one</Link>.
          </p>
        </div>
      ) : (
        <table data-testid="models-table">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col" className="num">
                Versions
              </th>
              <th scope="col">Latest</th>
              <th scope="col">Aliases</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m, i) => {
              const s = summaries[i]!;
              const byId = new Map(s.versions.map((v) => [v.id, v]));
              const latest = s.versions[0];
              const archived = s.versions.filter((v) => v.archived).length;
              return (
                <tr key={m.id} data-testid="model-row" data-model={m.name}>
                  <td>
                    <Link href={`/models/${encodeURIComponent(m.name)}`}>
                      <strong>{m.name}</strong>
                    </Link>
                    {m.description ? <div className="muted">{m.description}</div> : null}
                  </td>
                  <td className="num">
                    {s.versions.length}
                    {archived ? <span className="muted"> ({archived} archived)</span> : null}
                  </td>
                  <td>
                    {latest ? (
                      <>
                        v{latest.version} <span className="muted">· {when(latest.createdAt)}</span>
                      </>
                    ) : (
                      '–'
                    )}
                  </td>
                  <td>
                    {s.aliases.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      <span className="row md-aliases">
                        {s.aliases.map((a) => (
                          <span
                            key={a.alias}
                            className={`badge alias md-alias-${a.alias === 'production' ? 'prod' : 'other'}`}
                            data-alias={a.alias}
                            title={`${a.alias} → v${byId.get(a.versionId)?.version ?? '?'} since ${when(a.updatedAt)}`}
                          >
                            {a.alias} → v{byId.get(a.versionId)?.version ?? '?'}
                          </span>
                        ))}
                      </span>
                    )}
                  </td>
                  <td className="muted">{when(m.createdAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}
