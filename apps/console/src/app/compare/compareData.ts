/** Helpers of /compare shared by the server page and its client parts (no React). */

/** Most runs compared at once (the page stays readable; the API accepts up to 8). */
export const MAX_COMPARED = 4;

const COLORS = ['#2456d6', '#d6336c', '#1a7f37', '#8a5a00'];

export const runColor = (i: number): string => COLORS[i % COLORS.length]!;

/** "#1 · 7a1e7ec2": the run's position on the page and its short id. */
export const runLabel = (i: number, id: string): string => `#${i + 1} · ${id.slice(0, 8)}`;

/** `?ids=a,b&ids=c` → distinct ids, at most {@link MAX_COMPARED}; `dropped` counts the rest. */
export function parseIds(raw: string | string[] | undefined): { ids: string[]; dropped: number } {
  const all = (Array.isArray(raw) ? raw : raw ? [raw] : [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const distinct = [...new Set(all)];
  return {
    ids: distinct.slice(0, MAX_COMPARED),
    dropped: Math.max(0, distinct.length - MAX_COMPARED),
  };
}

/** A compared run as the client parts see it. */
export interface ComparedRunLabel {
  id: string;
  label: string;
  color: string;
}
