/** Column formatting for the CLI's tables (plain text, no colours, no dependencies). */
import type { Evaluation } from '../evaluation/index.js';
import type { FreezeSpec } from '../surgery/spec.js';
import type { LayerInfo } from '../surgery/surgery.js';

export interface Column {
  header: string;
  /** Default `left`; numbers read better `right`. */
  align?: 'left' | 'right';
  /** When the table is wider than `maxWidth`, shrinkable columns are cut (with `…`) down to `min`. */
  shrink?: boolean;
  /** Narrowest a shrinkable column gets; default 8. */
  min?: number;
}

export interface TableArgs {
  columns: Column[];
  rows: string[][];
  /** Width to fit in; default unlimited. */
  maxWidth?: number;
  /** Spaces between columns; default 2. */
  gap?: number;
  /** Prefix of every line; default ''. */
  indent?: string;
}

/** Cuts `s` to `width` characters, ending in `…` when cut. */
export function truncate(s: string, width: number): string {
  if (s.length <= width) return s;
  return width <= 1 ? s.slice(0, width) : `${s.slice(0, width - 1)}…`;
}

/** A column-aligned table: the header, then one line per row; trailing spaces are trimmed. */
export function formatTable({
  columns,
  rows,
  maxWidth = Infinity,
  gap = 2,
  indent = '',
}: TableArgs): string[] {
  const widths = columns.map((c, i) =>
    Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const total = (): number =>
    indent.length + widths.reduce((a, b) => a + b, 0) + gap * (columns.length - 1);
  // Shrink the widest shrinkable column, one character at a time, until the table fits.
  while (total() > maxWidth) {
    let widest = -1;
    columns.forEach((c, i) => {
      if (
        c.shrink &&
        widths[i]! > Math.max(c.min ?? 8, c.header.length) &&
        (widest < 0 || widths[i]! > widths[widest]!)
      ) {
        widest = i;
      }
    });
    if (widest < 0) break;
    widths[widest]!--;
  }
  const line = (cells: string[]): string =>
    (
      indent +
      columns
        .map((c, i) => {
          const cell = truncate(cells[i] ?? '', widths[i]!);
          return c.align === 'right' ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
        })
        .join(' '.repeat(gap))
    ).trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}

/** `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `[3, 3, 1280]` → `3x3x1280`; unknown dimensions (-1) print as `?`. */
export function formatShape(shape: readonly number[]): string {
  return shape.length === 0 ? 'scalar' : shape.map((d) => (d < 0 ? '?' : String(d))).join('x');
}

/** Seconds as `42s`, `3m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Bytes as `812 B`, `12.3 kB`, `8.9 MB`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** A freeze in words: `the whole backbone`, `all but the last 2 blocks`, ... */
export function describeFreeze(f: FreezeSpec): string {
  switch (f.kind) {
    case 'all':
      return 'the whole backbone';
    case 'allButLastBlocks':
      return `all but the last ${f.blocks} block${f.blocks === 1 ? '' : 's'}`;
    case 'upTo':
      return `up to and including '${f.layer}'`;
    case 'pattern':
      return `layers matching /${f.pattern}/`;
    case 'layers':
      return `${f.names.length} named layer${f.names.length === 1 ? '' : 's'}`;
  }
}

/**
 * The layer table of a surgery result: index, name, class, output shape, parameters, whether the
 * layer trains, and where it comes from. The cut layer is marked `>` in the first column.
 */
export function formatLayerTable(
  layers: readonly LayerInfo[],
  cutAt: string,
  maxWidth = 100,
): string[] {
  return formatTable({
    maxWidth,
    columns: [
      { header: ' ' },
      { header: '#', align: 'right' },
      { header: 'layer', shrink: true, min: 16 },
      { header: 'class', shrink: true, min: 12 },
      { header: 'output', shrink: true, min: 10 },
      { header: 'params', align: 'right' },
      { header: 'trains' },
      { header: 'origin' },
    ],
    rows: layers.map((l, i) => [
      l.name === cutAt ? '>' : '',
      String(i),
      l.name,
      l.className,
      formatShape(l.outputShape),
      formatCount(l.params),
      l.className === 'InputLayer' ? '-' : l.trainable ? 'yes' : 'no',
      l.origin,
    ]),
    gap: 2,
  });
}

/** Precision/recall/F1/support per class, then the macro and weighted averages. */
export function formatClassMetrics(e: Evaluation, maxWidth = 100): string[] {
  const f = (x: number): string => x.toFixed(4);
  return formatTable({
    maxWidth,
    columns: [
      { header: 'class', shrink: true, min: 8 },
      { header: 'precision', align: 'right' },
      { header: 'recall', align: 'right' },
      { header: 'f1', align: 'right' },
      { header: 'support', align: 'right' },
    ],
    rows: [
      ...e.perClass.map((c) => [
        c.className,
        f(c.precision),
        f(c.recall),
        f(c.f1),
        String(c.support),
      ]),
      ['macro avg', f(e.macro.precision), f(e.macro.recall), f(e.macro.f1), String(e.count)],
      [
        'weighted avg',
        f(e.weighted.precision),
        f(e.weighted.recall),
        f(e.weighted.f1),
        String(e.count),
      ],
    ],
  });
}

/**
 * The confusion matrix, rows the true class and columns the predicted one. Class names longer than
 * the numbers are cut so that the matrix stays within `maxWidth` where it can.
 */
export function formatConfusionMatrix(e: Evaluation, maxWidth = 100): string[] {
  const names = e.perClass.map((c) => c.className);
  const numberWidth = Math.max(...e.confusionMatrix.flat().map((n) => String(n).length), 1);
  const room = Math.floor((maxWidth - 12) / Math.max(names.length, 1)) - 1;
  const colWidth = Math.max(numberWidth, Math.min(Math.max(...names.map((n) => n.length)), room));
  return formatTable({
    gap: 1,
    columns: [
      { header: 'true\\pred', shrink: true, min: 8 },
      ...names.map((n) => ({ header: truncate(n, colWidth), align: 'right' as const })),
    ],
    rows: e.confusionMatrix.map((row, t) => [names[t]!, ...row.map(String)]),
    maxWidth,
  });
}
