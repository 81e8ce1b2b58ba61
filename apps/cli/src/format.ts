import type { WriteStream } from 'node:tty';

type Stream = NodeJS.WritableStream & Partial<Pick<WriteStream, 'isTTY'>>;

/** Colours only on a terminal, and never with NO_COLOR or TERM=dumb. */
export function useColor(stream: Stream = process.stdout): boolean {
  if (process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '') return false;
  if (process.env['TERM'] === 'dumb') return false;
  if (process.env['FORCE_COLOR'] && process.env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true;
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, cyan: 36, gray: 90, bold: 1 } as const;
export type Color = keyof typeof CODES;

/** Wraps text in an ANSI colour when `enabled`. */
export function paint(text: string, color: Color | undefined, enabled: boolean): string {
  if (!enabled || !color) return text;
  return `\x1b[${CODES[color]}m${text}\x1b[${color === 'bold' ? 22 : 39}m`;
}

/** The colour of a run status. */
export function statusColor(status: string): Color | undefined {
  switch (status) {
    case 'succeeded':
      return 'green';
    case 'failed':
      return 'red';
    case 'cancelled':
      return 'gray';
    case 'running':
      return 'cyan';
    case 'queued':
      return 'yellow';
    default:
      return undefined;
  }
}

/** One table column: header, alignment, and an optional colour per cell. */
export interface Column<Row> {
  header: string;
  value(row: Row): string;
  align?: 'left' | 'right';
  color?(row: Row): Color | undefined;
}

/**
 * An aligned plain-text table (two spaces between columns, no trailing spaces): widths are
 * measured on the plain text, colours are added after padding so they never shift columns.
 */
export function table<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  color: boolean,
): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) =>
    Math.max(width(c.header), ...cells.map((r) => width(r[i]!))),
  );
  const line = (values: string[], paintCell: (i: number, s: string) => string) =>
    values
      .map((v, i) => {
        const pad = ' '.repeat(widths[i]! - width(v));
        const last = i === values.length - 1;
        const cell = paintCell(i, v);
        if (columns[i]!.align === 'right') return pad + cell;
        return last ? cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  const header = line(
    columns.map((c) => c.header),
    (_i, s) => paint(s, 'bold', color),
  );
  const body = rows.map((row, r) =>
    line(cells[r]!, (i, s) => paint(s, columns[i]!.color?.(row), color)),
  );
  return [header, ...body].join('\n');
}

/** Display width: code points (the CLI prints no wide characters). */
function width(text: string): number {
  return [...text].length;
}

/** A node of a printed tree. */
export interface TreeNode {
  label: string;
  children?: TreeNode[];
}

/** Renders nodes with box-drawing branches (`├─`, `└─`, `│`). */
export function tree(nodes: readonly TreeNode[], prefix = ''): string[] {
  const lines: string[] = [];
  nodes.forEach((node, i) => {
    const last = i === nodes.length - 1;
    lines.push(`${prefix}${last ? '└─ ' : '├─ '}${node.label}`);
    if (node.children?.length) lines.push(...tree(node.children, prefix + (last ? '   ' : '│  ')));
  });
  return lines;
}

/** 1234567 → `1,234,567`. */
export function int(n: number | null | undefined): string {
  if (n === null || n === undefined) return '-';
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** 0.91234 → `91.2%`, null → `-`. */
export function percent(n: number | null | undefined): string {
  return n === null || n === undefined ? '-' : `${(n * 100).toFixed(1)}%`;
}

/** A number with at most `digits` significant digits, null → `-`. */
export function num(n: number | null | undefined, digits = 4): string {
  if (n === null || n === undefined) return '-';
  return Number(n.toPrecision(digits)).toString();
}

/** Seconds → `42s`, `3m05s`, `1h02m`. */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** An ISO date → `2026-11-28 13:52` (UTC). */
export function date(iso: string | null | undefined): string {
  if (!iso) return '-';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 16).replace('T', ' ');
}

/** A layer output shape: `[28, 28, 6]`, free dimensions as `?`. */
export function shape(dims: readonly (number | null)[]): string {
  return `[${dims.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** Prints the raw JSON of a response's data. */
export function printJson(data: unknown): void {
  process.stdout.write(JSON.stringify(data, null, 2) + '\n');
}
