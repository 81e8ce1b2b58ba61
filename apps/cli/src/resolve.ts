import type { GraftClient } from './client.js';
import { notFound } from './errors.js';

interface Named {
  id: string;
  name: string;
}

async function byNameOrId(
  client: GraftClient,
  what: 'backbone' | 'dataset',
  list: 'backbones' | 'datasets',
  nameOrId: string,
): Promise<Named> {
  const data = await client.request<Record<string, Named[]>>(`{ ${list} { id name } }`);
  const all = data[list] ?? [];
  const found = all.find((x) => x.id === nameOrId) ?? all.find((x) => x.name === nameOrId);
  if (!found) {
    const known = all.map((x) => x.name).slice(0, 10);
    const hint = known.length
      ? ` (known: ${known.join(', ')}${all.length > 10 ? ', ...' : ''})`
      : '';
    throw notFound(`no ${what} named or with id '${nameOrId}'${hint}`);
  }
  return found;
}

/** A backbone by name or id (exit 4 when there is none). */
export function resolveBackbone(client: GraftClient, nameOrId: string): Promise<Named> {
  return byNameOrId(client, 'backbone', 'backbones', nameOrId);
}

/** A dataset by name or id (exit 4 when there is none). */
export function resolveDataset(client: GraftClient, nameOrId: string): Promise<Named> {
  return byNameOrId(client, 'dataset', 'datasets', nameOrId);
}
