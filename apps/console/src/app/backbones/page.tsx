import Link from 'next/link';
import { Fragment } from 'react';
import { graphql } from '@/gql';
import { BackboneLayerTable, shapeText } from '@/components/BackboneLayerTable';
import { gql } from '@/lib/api';
import { num, shortSha } from '@/lib/format';

export const metadata = { title: 'Backbones · Graft' };

const BACKBONES = graphql(`
  query BackbonesPage {
    backbones {
      id
      name
      family
      pretrained
      inputShape
      lastFeatureLayer
      sourceUri
      weightsSha256
      topologySha256
      preprocessing {
        scale
        offset
        channels
      }
      layers {
        params
      }
    }
  }
`);

const BACKBONE_LAYERS = graphql(`
  query BackbonesPageLayers($id: ID!) {
    backbone(id: $id) {
      id
      name
      blockEnds
      lastFeatureLayer
      layers {
        ...BackboneLayerRow
      }
    }
  }
`);

/** `x / 255`, `x / 127.5 − 1`, or `x × scale + offset`. */
function preprocessingText(p: { scale: number; offset: number; channels: number }): string {
  const inv = 1 / p.scale;
  const scale =
    Math.abs(inv - Math.round(inv * 10) / 10) < 1e-6
      ? `x / ${Math.round(inv * 10) / 10}`
      : `x × ${p.scale}`;
  const offset = p.offset === 0 ? '' : p.offset > 0 ? ` + ${p.offset}` : ` − ${-p.offset}`;
  return `${scale}${offset} · ${p.channels === 1 ? 'grayscale' : 'RGB'}`;
}

function Sha({ label, sha }: { label: string; sha: string }) {
  return (
    <span className="mono" title={`${label} sha256 ${sha}`}>
      {shortSha(sha)}
    </span>
  );
}

export default async function BackbonesPage({
  searchParams,
}: {
  searchParams: Promise<{ id?: string }>;
}) {
  const { id } = await searchParams;
  const [{ backbones }, detail] = await Promise.all([
    gql(BACKBONES, {}),
    id ? gql(BACKBONE_LAYERS, { id }).catch(() => null) : Promise.resolve(null),
  ]);
  return (
    <main>
      <div className="toolbar bb-head">
        <h1>Backbones</h1>
        <span className="muted">
          Pretrained weights runs start from. Expand one to see its layers; pick where to cut and
          freeze it on <Link href="/runs/new">New run</Link>.
        </span>
      </div>
      {id && !detail ? (
        <p className="error" role="alert">
          No backbone with id <code>{id}</code>.
        </p>
      ) : null}
      {backbones.length === 0 ? (
        <div className="empty" data-testid="backbones-empty">
          <p>No backbones are registered yet.</p>
          <p>
            The API registers its catalog (LeNet-5, MobileNetV2, InceptionV3) at start; register
            your own tfjs LayersModel with the <code>registerBackbone</code> mutation (maintainers).
          </p>
        </div>
      ) : (
        <table data-testid="backbones-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Family</th>
              <th>Pretrained</th>
              <th>Input</th>
              <th>Preprocessing</th>
              <th className="num">Layers</th>
              <th className="num">Params</th>
              <th>Weights</th>
              <th>Topology</th>
              <th>Source</th>
              <th>
                <span className="bb-visually-hidden">Layer table</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {backbones.map((b) => {
              const open = detail?.backbone.id === b.id;
              const params = b.layers.reduce((s, l) => s + l.params, 0);
              return (
                <Fragment key={b.id}>
                  <tr data-testid={`backbone-${b.name}`} className={open ? 'bb-open' : undefined}>
                    <td>
                      <strong>{b.name}</strong>
                    </td>
                    <td>{b.family}</td>
                    <td>{b.pretrained ? 'yes' : 'no'}</td>
                    <td className="mono">{shapeText(b.inputShape)}</td>
                    <td
                      className="mono"
                      title={`x × ${b.preprocessing.scale} + ${b.preprocessing.offset}`}
                    >
                      {preprocessingText(b.preprocessing)}
                    </td>
                    <td className="num">{num(b.layers.length)}</td>
                    <td className="num">{num(params)}</td>
                    <td>
                      <Sha label="weights" sha={b.weightsSha256} />
                    </td>
                    <td>
                      <Sha label="topology" sha={b.topologySha256} />
                    </td>
                    <td className="mono bb-source" title={b.sourceUri}>
                      {b.sourceUri}
                    </td>
                    <td>
                      <Link
                        href={open ? '/backbones' : `/backbones?id=${b.id}`}
                        aria-expanded={open}
                        scroll={false}
                        data-testid={`backbone-toggle-${b.name}`}
                      >
                        {open ? 'Hide layers ▴' : 'Layers ▾'}
                      </Link>
                    </td>
                  </tr>
                  {open && detail ? (
                    <tr className="bb-detail">
                      <td colSpan={11}>
                        <p className="muted">
                          {num(detail.backbone.layers.length)} layers · default cut at{' '}
                          <code>{detail.backbone.lastFeatureLayer}</code> ·{' '}
                          {detail.backbone.blockEnds.length} blocks ·{' '}
                          <Link href={`/runs/new?backboneId=${b.id}`}>Start a run on {b.name}</Link>
                        </p>
                        <BackboneLayerTable
                          layers={detail.backbone.layers}
                          blockEnds={detail.backbone.blockEnds}
                          lastFeatureLayer={detail.backbone.lastFeatureLayer}
                          caption={`Layers of ${b.name}`}
                        />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      )}
    </main>
  );
}
