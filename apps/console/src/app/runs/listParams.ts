import type { RunOrder, RunStatus } from '@/gql/graphql';

/** The runs list's state, all of it in the URL search params (shareable, back-button friendly). */
export interface ListParams {
  status?: string;
  mode?: string;
  /** Backbone id. */
  backbone?: string;
  /** Dataset id. */
  dataset?: string;
  tag?: string;
  order: RunOrder;
  /** Cursor of this page (the previous page's endCursor). */
  after?: string;
  /** The `after` of every earlier page ('' for the first), for "Previous page". */
  trail: string[];
}

export const RUN_STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const RUN_MODES = ['feature-extraction', 'fine-tuning'] as const;
const ORDERS: RunOrder[] = ['createdAt', 'bestValAccuracy', 'testAccuracy'];

const one = (v: string | string[] | undefined): string | undefined => {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  return s ? s : undefined;
};

export function parseListParams(sp: Record<string, string | string[] | undefined>): ListParams {
  const status = one(sp['status']);
  const order = one(sp['order']);
  const trail = one(sp['trail']);
  return {
    status: status && (RUN_STATUSES as string[]).includes(status) ? status : undefined,
    mode: one(sp['mode']),
    backbone: one(sp['backbone']),
    dataset: one(sp['dataset']),
    tag: one(sp['tag']),
    order: order && (ORDERS as string[]).includes(order) ? (order as RunOrder) : 'createdAt',
    after: one(sp['after']),
    trail: trail === undefined ? [] : trail.split(',').map((c) => (c === '-' ? '' : c)),
  };
}

/** `/runs?...` for `p` changed by `patch` (undefined values dropped; defaults omitted). */
export function listHref(p: ListParams, patch: Partial<ListParams> = {}): string {
  const q = { ...p, ...patch };
  const sp = new URLSearchParams();
  if (q.status) sp.set('status', q.status);
  if (q.mode) sp.set('mode', q.mode);
  if (q.backbone) sp.set('backbone', q.backbone);
  if (q.dataset) sp.set('dataset', q.dataset);
  if (q.tag) sp.set('tag', q.tag);
  if (q.order !== 'createdAt') sp.set('order', q.order);
  if (q.after) {
    sp.set('after', q.after);
    sp.set('trail', q.trail.map((c) => c || '-').join(','));
  }
  const s = sp.toString();
  return s ? `/runs?${s}` : '/runs';
}
