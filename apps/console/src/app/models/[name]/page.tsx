import Link from 'next/link';
import { notFound } from 'next/navigation';
import { graphql } from '@/gql';
import { gql } from '@/lib/api';
import { lr, num, pct, when } from '@/lib/format';
import { ApiError } from '@/lib/graphqlClient';
import { currentViewer, roleAtLeast } from '@/lib/viewer';
import { VersionActions, type AliasHolder } from './VersionActions';

const MODEL = graphql(`
  query ModelPage($name: String!) {
    model(name: $name) {
      id
      name
      description
      createdAt
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
        aliases
        runId
      }
      aliasHistory {
        actor
        alias
        at
        fromVersion
        toVersion
        reason
      }
    }
  }
`);

const VERSION_RUN = graphql(`
  query ModelPageRun($id: ID!) {
    run(id: $id) {
      id
      status
      mode
      testAccuracy
      bestValAccuracy
      frozenParams
      trainableParams
      headLr
      fineTuneLr
      backbone {
        id
        name
      }
      dataset {
        id
        name
      }
    }
  }
`);

/** Model names are URL-safe (letters, digits, . _ -); decode defensively all the same. */
function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export async function generateMetadata({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return { title: `${decodeName(name)} · Models · Graft` };
}

export default async function ModelPage({ params }: { params: Promise<{ name: string }> }) {
  const name = decodeName((await params).name);
  let model;
  try {
    model = (await gql(MODEL, { name })).model;
  } catch (err) {
    if (err instanceof ApiError && err.code === 'NOT_FOUND') notFound();
    throw err;
  }
  const [viewer, runs] = await Promise.all([
    currentViewer(),
    Promise.all(
      [...new Set(model.versions.map((v) => v.runId))].map((id) =>
        gql(VERSION_RUN, { id })
          .then((d) => d.run)
          .catch(() => null),
      ),
    ),
  ]);
  const runById = new Map(runs.filter((r) => r !== null).map((r) => [r.id, r]));
  const versionById = new Map(model.versions.map((v) => [v.id, v]));
  const vLabel = (id: string | null | undefined) =>
    id ? `v${versionById.get(id)?.version ?? '?'}` : '–';
  const holders: Record<string, AliasHolder> = {};
  for (const a of model.aliases) {
    const v = versionById.get(a.versionId);
    if (v)
      holders[a.alias] = { alias: a.alias, versionId: v.id, version: v.version, runId: v.runId };
  }
  const active = model.versions.filter((v) => !v.archived);
  const canPromote = roleAtLeast(viewer?.role, 'editor');
  const maintainer = roleAtLeast(viewer?.role, 'maintainer');

  return (
    <main>
      <div className="toolbar md-head">
        <h1>
          <Link href="/models" className="muted md-crumb">
            Models
          </Link>{' '}
          / <span data-testid="model-name">{model.name}</span>
        </h1>
        <span className="muted">created {when(model.createdAt)}</span>
      </div>
      {model.description ? <p>{model.description}</p> : null}

      <section aria-labelledby="md-aliases-h" className="panel md-aliases-panel">
        <h2 id="md-aliases-h">Aliases</h2>
        {model.aliases.length === 0 ? (
          <p className="muted" data-testid="aliases-empty">
            No alias yet. Promote a version below to <code>staging</code> or <code>production</code>{' '}
            so that deployments can load it by alias.
          </p>
        ) : (
          <ul className="md-alias-list" data-testid="model-aliases">
            {model.aliases.map((a) => (
              <li key={a.alias} data-alias={a.alias}>
                <span
                  className={`badge alias md-alias-${a.alias === 'production' ? 'prod' : 'other'}`}
                >
                  {a.alias}
                </span>{' '}
                → <strong data-testid={`alias-${a.alias}-version`}>{vLabel(a.versionId)}</strong>{' '}
                <span className="muted">since {when(a.updatedAt)}</span>
              </li>
            ))}
          </ul>
        )}
        {viewer?.role === 'viewer' ? (
          <p className="muted md-role-note" data-testid="role-note">
            You are signed in as a viewer: promoting and archiving need an editor or maintainer key.
          </p>
        ) : null}
      </section>

      <section aria-labelledby="md-versions-h">
        <h2 id="md-versions-h">Versions</h2>
        {model.versions.length === 0 ? (
          <div className="empty">
            No versions yet: register one from a succeeded run&rsquo;s page (
            <Link href="/runs">runs</Link>).
          </div>
        ) : (
          <div className="cmp-scroll">
            <table data-testid="versions-table">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Aliases</th>
                  <th scope="col">Run</th>
                  <th scope="col" className="num">
                    Test acc.
                  </th>
                  <th scope="col" className="num">
                    Best val acc.
                  </th>
                  <th scope="col">Backbone</th>
                  <th scope="col">Mode</th>
                  <th scope="col" className="num">
                    Frozen params
                  </th>
                  <th scope="col">LR head / fine-tune</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="cmp-sr">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {model.versions.map((v) => {
                  const r = runById.get(v.runId);
                  return (
                    <tr
                      key={v.id}
                      data-testid="version-row"
                      data-version={v.version}
                      className={v.archived ? 'md-archived' : undefined}
                    >
                      <td>
                        <strong>v{v.version}</strong>
                        {v.archived ? (
                          <span className="badge md-archived-badge" data-testid="archived">
                            archived
                          </span>
                        ) : null}
                      </td>
                      <td>
                        <span className="row md-aliases" data-testid="version-aliases">
                          {v.aliases.map((a) => (
                            <span
                              key={a}
                              className={`badge alias md-alias-${a === 'production' ? 'prod' : 'other'}`}
                            >
                              {a}
                            </span>
                          ))}
                        </span>
                      </td>
                      <td className="mono">
                        <Link href={`/runs/${v.runId}`}>{v.runId.slice(0, 8)}</Link>
                      </td>
                      <td className="num">{pct(r?.testAccuracy, 2)}</td>
                      <td className="num">{pct(r?.bestValAccuracy, 2)}</td>
                      <td>
                        {r ? (
                          <Link href={`/backbones?id=${r.backbone.id}`}>{r.backbone.name}</Link>
                        ) : (
                          '–'
                        )}
                      </td>
                      <td>{r?.mode ?? '–'}</td>
                      <td className="num">{num(r?.frozenParams)}</td>
                      <td className="mono">
                        {lr(r?.headLr)}
                        {r?.fineTuneLr !== null && r?.fineTuneLr !== undefined
                          ? ` / ${lr(r.fineTuneLr)}`
                          : ''}
                      </td>
                      <td className="muted">{when(v.createdAt)}</td>
                      <td>
                        <span className="row md-actions">
                          <Link href={`/lineage/${v.id}`} data-testid="lineage-link">
                            Lineage
                          </Link>
                          <VersionActions
                            modelName={model.name}
                            version={{
                              id: v.id,
                              version: v.version,
                              runId: v.runId,
                              aliases: v.aliases,
                              archived: v.archived,
                            }}
                            holders={holders}
                            canPromote={canPromote}
                            maintainer={maintainer}
                          />
                        </span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
        {active.length === 0 && model.versions.length > 0 ? (
          <p className="muted">Every version is archived: register a new one from a run.</p>
        ) : null}
      </section>

      <section aria-labelledby="md-history-h">
        <h2 id="md-history-h">Alias history</h2>
        {model.aliasHistory.length === 0 ? (
          <p className="muted">No alias has moved yet.</p>
        ) : (
          <table data-testid="alias-history">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Alias</th>
                <th scope="col">Move</th>
                <th scope="col">Who</th>
                <th scope="col" className="md-reason">
                  Reason
                </th>
              </tr>
            </thead>
            <tbody>
              {model.aliasHistory.map((e, i) => (
                <tr key={`${e.at}-${e.alias}-${i}`} data-testid="alias-event" data-alias={e.alias}>
                  <td className="muted">{when(e.at)}</td>
                  <td>
                    <span
                      className={`badge alias md-alias-${e.alias === 'production' ? 'prod' : 'other'}`}
                    >
                      {e.alias}
                    </span>
                  </td>
                  <td data-testid="alias-move">
                    {e.fromVersion ? vLabel(e.fromVersion) : <span className="muted">new</span>} →{' '}
                    {e.toVersion ? (
                      <strong>{vLabel(e.toVersion)}</strong>
                    ) : (
                      <span className="muted">removed</span>
                    )}
                  </td>
                  <td className="mono" title={e.actor ? `API key ${e.actor}` : undefined}>
                    {e.actor ? `key ${e.actor.slice(0, 8)}` : '–'}
                  </td>
                  <td className="md-reason">{e.reason ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
