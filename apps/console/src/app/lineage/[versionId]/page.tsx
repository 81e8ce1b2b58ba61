import Link from 'next/link';
import { notFound } from 'next/navigation';
import { graphql } from '@/gql';
import { gql } from '@/lib/api';
import { pct, shortSha, when } from '@/lib/format';
import { ApiError } from '@/lib/graphqlClient';
import {
  NODE_H,
  NODE_W,
  fit,
  layout,
  type LineageEdge,
  type LineageNode,
  type PlacedNode,
} from './lineageGraph';

const LINEAGE = graphql(`
  query LineagePage($versionId: ID!) {
    lineage(versionId: $versionId) {
      backbone
      dataset
      run
      record
      model {
        id
        name
      }
      version {
        id
        version
        aliases
        archived
        createdAt
        runId
      }
      parent {
        id
        version
        modelId
        runId
      }
      children {
        id
        version
        modelId
        runId
      }
    }
    models {
      id
      name
    }
  }
`);

export const metadata = { title: 'Lineage · Graft' };

const str = (o: unknown, key: string): string | undefined => {
  const v = (o as Record<string, unknown> | null)?.[key];
  return typeof v === 'string' ? v : undefined;
};
const numberOf = (o: unknown, key: string): number | undefined => {
  const v = (o as Record<string, unknown> | null)?.[key];
  return typeof v === 'number' ? v : undefined;
};

function Node({ n }: { n: PlacedNode }) {
  const body = (
    <>
      <title>{n.title}</title>
      <rect
        x={n.x}
        y={n.y}
        width={NODE_W}
        height={NODE_H}
        rx={6}
        className={`lg-box lg-${n.kind}${n.focus ? ' lg-focus' : ''}${n.ghost ? ' lg-ghost' : ''}`}
      />
      <rect
        x={n.x}
        y={n.y}
        width={4}
        height={NODE_H}
        rx={2}
        className={`lg-bar lg-bar-${n.kind}`}
      />
      <text x={n.x + 12} y={n.y + 16} className="lg-caption">
        {n.caption}
      </text>
      <text x={n.x + 12} y={n.y + 34} className="lg-name">
        {fit(n.name)}
      </text>
      {n.detail ? (
        <text x={n.x + 12} y={n.y + 50} className="lg-detail">
          {fit(n.detail, 34)}
        </text>
      ) : null}
    </>
  );
  return n.href && !n.ghost ? (
    <a href={n.href} className="lg-node" data-testid={`lineage-node-${n.kind}`} data-node={n.id}>
      {body}
    </a>
  ) : (
    <g className="lg-node" data-testid={`lineage-node-${n.kind}`} data-node={n.id}>
      {body}
    </g>
  );
}

export default async function LineagePage({ params }: { params: Promise<{ versionId: string }> }) {
  const { versionId } = await params;
  let data;
  try {
    data = await gql(LINEAGE, { versionId });
  } catch (err) {
    if (err instanceof ApiError && (err.code === 'NOT_FOUND' || err.code === 'BAD_USER_INPUT'))
      notFound();
    throw err;
  }
  const l = data.lineage;
  const modelName = new Map(data.models.map((m) => [m.id, m.name]));
  const modelHref = (modelId: string) => {
    const name = modelName.get(modelId);
    return name ? `/models/${encodeURIComponent(name)}` : '/models';
  };
  const versionName = (v: { modelId: string; version: number }) =>
    `${modelName.get(v.modelId) ?? 'model'} v${v.version}`;

  const bbName = str(l.backbone, 'name') ?? 'backbone';
  const bbId = str(l.backbone, 'id');
  const weights = str(l.backbone, 'weightsSha256');
  const dsName = str(l.dataset, 'name') ?? 'dataset';
  const dsHash = str(l.dataset, 'contentHash');
  const runId = str(l.run, 'id') ?? l.version.runId;
  const runMode = str(l.run, 'mode');
  const runStatus = str(l.run, 'status');
  const testAcc = numberOf(l.run, 'testAccuracy');
  const thisName = `${l.model.name} v${l.version.version}`;

  const nodes: LineageNode[] = [
    {
      id: 'backbone',
      kind: 'backbone',
      column: 0,
      caption: 'BACKBONE WEIGHTS',
      name: bbName,
      detail: weights ? `sha256 ${shortSha(weights)}` : undefined,
      href: bbId ? `/backbones?id=${encodeURIComponent(bbId)}` : '/backbones',
      title: `Backbone ${bbName}${weights ? `\nweights sha256 ${weights}` : ''}`,
    },
    {
      id: 'dataset',
      kind: 'dataset',
      column: 0,
      caption: 'DATASET',
      name: dsName,
      detail: dsHash ? `content ${shortSha(dsHash)}` : undefined,
      href: '/datasets',
      title: `Dataset ${dsName}${dsHash ? `\ncontent hash ${dsHash}` : ''}`,
    },
  ];
  const edges: LineageEdge[] = [
    { from: 'backbone', to: 'run' },
    { from: 'dataset', to: 'run' },
    { from: 'run', to: 'version', label: 'registered' },
  ];
  if (l.parent) {
    nodes.push({
      id: `v-${l.parent.id}`,
      kind: 'parent',
      column: 0,
      caption: 'FINE-TUNED FROM',
      name: versionName(l.parent),
      detail: `run ${l.parent.runId.slice(0, 8)}`,
      href: modelHref(l.parent.modelId),
      title: `Parent version ${versionName(l.parent)} (run ${l.parent.runId})`,
    });
    edges.push({ from: `v-${l.parent.id}`, to: 'run' });
  }
  nodes.push(
    {
      id: 'run',
      kind: 'run',
      column: 1,
      caption: `RUN${runStatus ? ` · ${runStatus.toUpperCase()}` : ''}`,
      name: `${runId.slice(0, 8)}${runMode ? ` · ${runMode}` : ''}`,
      detail: testAcc !== undefined ? `test accuracy ${pct(testAcc, 1)}` : undefined,
      href: `/runs/${runId}`,
      title: `Run ${runId}${runMode ? ` (${runMode})` : ''}`,
    },
    {
      id: 'version',
      kind: 'version',
      column: 2,
      caption: `MODEL VERSION${l.version.archived ? ' · ARCHIVED' : ''}`,
      name: thisName,
      detail: l.version.aliases.length
        ? l.version.aliases.join(', ')
        : `created ${when(l.version.createdAt)}`,
      href: `/models/${encodeURIComponent(l.model.name)}`,
      title: `${thisName}${l.version.aliases.length ? ` (${l.version.aliases.join(', ')})` : ''}`,
      focus: true,
    },
  );
  if (l.children.length === 0) {
    nodes.push({
      id: 'no-children',
      kind: 'child',
      column: 3,
      caption: 'FINE-TUNED FROM IT',
      name: 'none yet',
      title: 'No run has fine-tuned this version yet',
      ghost: true,
    });
    edges.push({ from: 'version', to: 'no-children' });
  } else {
    for (const c of l.children) {
      nodes.push(
        {
          id: `r-${c.runId}`,
          kind: 'child-run',
          column: 3,
          caption: 'FINE-TUNING RUN',
          name: c.runId.slice(0, 8),
          href: `/runs/${c.runId}`,
          title: `Run ${c.runId}, fine-tuned from ${thisName}`,
        },
        {
          id: `v-${c.id}`,
          kind: 'child',
          column: 4,
          caption: 'MODEL VERSION',
          name: versionName(c),
          href: modelHref(c.modelId),
          title: `${versionName(c)}, fine-tuned from ${thisName}`,
        },
      );
      edges.push(
        { from: 'version', to: `r-${c.runId}`, label: 'fine-tuned' },
        { from: `r-${c.runId}`, to: `v-${c.id}` },
      );
    }
  }
  const g = layout(nodes, edges);

  return (
    <main>
      <div className="toolbar">
        <h1>
          Lineage of{' '}
          <Link href={`/models/${encodeURIComponent(l.model.name)}`} data-testid="lineage-title">
            {thisName}
          </Link>
        </h1>
        {l.version.aliases.map((a) => (
          <span key={a} className="badge alias">
            {a}
          </span>
        ))}
        {l.version.archived ? <span className="badge">archived</span> : null}
      </div>
      <p className="muted lg-intro">
        Where this version comes from — the pretrained weights and the dataset the run trained on —
        and the versions fine-tuned from it. Select a node to open its page.
      </p>
      <div className="panel lg-panel">
        <svg
          viewBox={`0 0 ${g.width} ${g.height}`}
          width={g.width}
          height={g.height}
          className="lg-svg"
          role="group"
          aria-label={`Lineage graph of ${thisName}`}
          data-testid="lineage-graph"
        >
          <defs>
            <marker
              id="lg-arrow"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" className="lg-arrowhead" />
            </marker>
          </defs>
          {g.paths.map((p) => (
            <g key={`${p.from}-${p.to}`}>
              <path
                d={p.d}
                className={p.ghost ? 'lg-edge lg-edge-ghost' : 'lg-edge'}
                markerEnd="url(#lg-arrow)"
              />
              {p.label ? (
                <text x={p.lx} y={p.ly} className="lg-edge-label" textAnchor="middle">
                  {p.label}
                </text>
              ) : null}
            </g>
          ))}
          {g.nodes.map((n) => (
            <Node key={n.id} n={n} />
          ))}
        </svg>
      </div>

      <section aria-labelledby="lg-facts-h">
        <h2 id="lg-facts-h">Inputs and outputs</h2>
        <dl className="kv" data-testid="lineage-facts">
          <dt>Backbone weights</dt>
          <dd>
            <Link href={bbId ? `/backbones?id=${encodeURIComponent(bbId)}` : '/backbones'}>
              {bbName}
            </Link>{' '}
            {weights ? (
              <span className="mono muted" title={weights}>
                sha256 {weights}
              </span>
            ) : null}
          </dd>
          <dt>Dataset</dt>
          <dd>
            <Link href="/datasets">{dsName}</Link>{' '}
            {dsHash ? (
              <span className="mono muted" title={dsHash}>
                content {dsHash}
              </span>
            ) : null}
          </dd>
          <dt>Run</dt>
          <dd>
            <Link href={`/runs/${runId}`} className="mono">
              {runId}
            </Link>
            {runMode ? ` · ${runMode}` : ''}
            {testAcc !== undefined ? ` · test accuracy ${pct(testAcc, 2)}` : ''}
          </dd>
          <dt>Fine-tuned from</dt>
          <dd>
            {l.parent ? (
              <>
                <Link href={modelHref(l.parent.modelId)}>{versionName(l.parent)}</Link> (
                <Link href={`/lineage/${l.parent.id}`}>its lineage</Link>)
              </>
            ) : (
              <span className="muted">nothing: trained from the backbone&rsquo;s weights</span>
            )}
          </dd>
          <dt>Fine-tuned into</dt>
          <dd data-testid="lineage-children">
            {l.children.length === 0 ? (
              <span className="muted">no version yet</span>
            ) : (
              l.children.map((c, i) => (
                <span key={c.id}>
                  {i > 0 ? ', ' : ''}
                  <Link href={modelHref(c.modelId)}>{versionName(c)}</Link> (
                  <Link href={`/lineage/${c.id}`}>lineage</Link>)
                </span>
              ))
            )}
          </dd>
        </dl>
      </section>

      <details className="lg-record" data-testid="lineage-record">
        <summary>Lineage record (JSON)</summary>
        {l.record ? (
          <pre className="json">{JSON.stringify(l.record, null, 2)}</pre>
        ) : (
          <p className="muted">This run recorded no lineage record.</p>
        )}
      </details>
    </main>
  );
}
