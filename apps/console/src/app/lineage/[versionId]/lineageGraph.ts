/**
 * A small layered left-to-right layout for the lineage graph (no dependency): nodes sit in
 * columns, each column centred vertically; edges are curves from a node's right side to the
 * next node's left side.
 */

export type LineageNodeKind =
  'backbone' | 'dataset' | 'parent' | 'run' | 'version' | 'child-run' | 'child';

export interface LineageNode {
  id: string;
  kind: LineageNodeKind;
  column: number;
  /** Small caps line above the name: "Backbone weights", "Run", ... */
  caption: string;
  name: string;
  /** Third line: a fingerprint, metrics. */
  detail?: string;
  href?: string;
  /** Full text for the tooltip. */
  title: string;
  /** The version the page is about. */
  focus?: boolean;
  /** A placeholder ("nothing fine-tuned from it yet"), drawn dashed and not linked. */
  ghost?: boolean;
}

export interface LineageEdge {
  from: string;
  to: string;
  label?: string;
}

export interface PlacedNode extends LineageNode {
  x: number;
  y: number;
}

export const NODE_W = 210;
export const NODE_H = 60;
const COL_GAP = 64;
const ROW_GAP = 18;
const PAD = 12;

export function layout(nodes: readonly LineageNode[], edges: readonly LineageEdge[]) {
  const columns = new Map<number, LineageNode[]>();
  for (const n of nodes) columns.set(n.column, [...(columns.get(n.column) ?? []), n]);
  const colCount = Math.max(0, ...nodes.map((n) => n.column)) + 1;
  const tallest = Math.max(1, ...[...columns.values()].map((c) => c.length));
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP;
  const width = PAD * 2 + colCount * NODE_W + (colCount - 1) * COL_GAP;
  const placed = new Map<string, PlacedNode>();
  for (const [c, col] of columns) {
    const colH = col.length * NODE_H + (col.length - 1) * ROW_GAP;
    const top = (height - colH) / 2;
    col.forEach((n, i) =>
      placed.set(n.id, { ...n, x: PAD + c * (NODE_W + COL_GAP), y: top + i * (NODE_H + ROW_GAP) }),
    );
  }
  const paths = edges.flatMap((e) => {
    const a = placed.get(e.from);
    const b = placed.get(e.to);
    if (!a || !b) return [];
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x - 4;
    const y2 = b.y + NODE_H / 2;
    const mx = (x1 + x2) / 2;
    return [
      {
        ...e,
        d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`,
        lx: mx,
        ly: (y1 + y2) / 2 - 4,
        ghost: Boolean(a.ghost || b.ghost),
      },
    ];
  });
  return { nodes: [...placed.values()], paths, width, height };
}

/** Cuts a label to fit a node (about 6.6 px per character at 12 px). */
export function fit(text: string, max = 30): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
