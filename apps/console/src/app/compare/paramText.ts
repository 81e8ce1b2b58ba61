/** How /compare shows the API's compared parameter values (JSON text) in its table. */
import { lr, num, pct } from '@/lib/format';

function freezeText(v: Record<string, unknown>): string {
  switch (v['kind']) {
    case 'all':
      return 'whole backbone';
    case 'upTo':
      return `up to ${String(v['layer'])}`;
    case 'allButLastBlocks':
      return `all but last ${String(v['blocks'])} block(s)`;
    case 'layers':
      return `layers ${(v['names'] as string[] | undefined)?.join(', ') ?? ''}`;
    case 'pattern':
      return `pattern /${String(v['pattern'])}/`;
    default:
      return JSON.stringify(v);
  }
}

/**
 * A parameter value (JSON text from the API's `ComparedParameter.values`) as a short readable
 * string: learning rates as `1e-4`, accuracies as percentages, the freeze request in words.
 */
export function paramText(name: string, json: string): string {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return json;
  }
  if (v === null || v === undefined) return '–';
  if (typeof v === 'number') {
    if (/learningrate/i.test(name)) return lr(v);
    if (/accuracy/i.test(name)) return pct(v, 2);
    return num(v);
  }
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.join('×');
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (name === 'freeze') return freezeText(o);
    if (Object.keys(o).length === 0) return 'default';
    if (name === 'backends')
      return Object.entries(o)
        .map(([k, x]) => `${k}: ${String(x)}`)
        .join(', ');
    return JSON.stringify(o);
  }
  return String(v);
}
