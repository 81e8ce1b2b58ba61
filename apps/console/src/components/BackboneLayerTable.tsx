import { graphql } from '@/gql';
import type { BackboneLayerRowFragment } from '@/gql/graphql';
import { num } from '@/lib/format';

/** The columns of one backbone layer the layer tables show. */
export const BackboneLayerRow = graphql(`
  fragment BackboneLayerRow on BackboneLayer {
    name
    className
    params
    outputShape
  }
`);

export type BackboneLayerInfo = BackboneLayerRowFragment;

/** `[7, 7, 1280]` → `7×7×1280` (free dimensions as `?`). */
export const shapeText = (shape: readonly (number | null)[]): string =>
  shape.length === 0 ? '–' : shape.map((d) => (d === null ? '?' : String(d))).join('×');

/**
 * Every layer of a backbone, in topological order: class, output shape, parameters; block ends
 * and the default cut (last feature layer) are marked, and the classifier top after it is muted.
 */
export function BackboneLayerTable({
  layers,
  blockEnds,
  lastFeatureLayer,
  caption,
}: {
  layers: readonly BackboneLayerInfo[];
  blockEnds: readonly string[];
  lastFeatureLayer: string;
  caption?: string;
}) {
  const ends = new Set(blockEnds);
  const cut = layers.findIndex((l) => l.name === lastFeatureLayer);
  return (
    <div className="bb-layers" data-testid="backbone-layer-table">
      <table aria-label={caption ?? 'Backbone layers'}>
        <thead>
          <tr>
            <th className="num">#</th>
            <th>Layer</th>
            <th>Class</th>
            <th>Output shape</th>
            <th className="num">Params</th>
            <th>Notes</th>
          </tr>
        </thead>
        <tbody>
          {layers.map((l, i) => (
            <tr key={l.name} className={cut >= 0 && i > cut ? 'bb-top' : undefined}>
              <td className="num muted">{i}</td>
              <td className="mono">{l.name}</td>
              <td>{l.className}</td>
              <td className="mono">{shapeText(l.outputShape)}</td>
              <td className="num">{num(l.params)}</td>
              <td>
                {l.name === lastFeatureLayer ? (
                  <span className="badge bb-cut-badge">last feature layer</span>
                ) : null}{' '}
                {ends.has(l.name) ? <span className="badge">block end</span> : null}
                {cut >= 0 && i > cut ? <span className="muted">classifier top</span> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
