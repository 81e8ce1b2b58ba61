/** Display helpers shared by the pages. */
export const pct = (x: number | null | undefined, digits = 1): string =>
  x === null || x === undefined ? '–' : `${(x * 100).toFixed(digits)}%`;

export const num = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : x.toLocaleString('en-US');

export const lr = (x: number | null | undefined): string =>
  x === null || x === undefined ? '–' : x.toExponential(0).replace('e-', 'e-');

/** "1m 05s" from two ISO dates (end defaults to now, for running runs). */
export function duration(start: string | null | undefined, end?: string | null): string {
  if (!start) return '–';
  const ms = (end ? Date.parse(end) : Date.now()) - Date.parse(start);
  if (!(ms >= 0)) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export const when = (iso: string | null | undefined): string =>
  iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 16) : '–';

export const shortSha = (sha: string): string => sha.slice(0, 12);
