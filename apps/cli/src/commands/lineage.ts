import type { GraftClient } from '../client.js';
import { defineCommand } from '../command.js';
import { notFound, usageError } from '../errors.js';
import { paint, percent, printJson, tree, type TreeNode } from '../format.js';
import { modelVersions, parseVersionNumber } from './models.js';

interface VersionRef {
  id: string;
  version: number;
  modelId: string;
  aliases: string[];
  runId: string;
}

/** The parts of `Lineage` the tree shows (backbone, dataset, run and record are JSON). */
export interface LineageData {
  version: VersionRef & { archived: boolean; createdAt: string };
  model: { id: string; name: string };
  backbone: Record<string, unknown>;
  dataset: Record<string, unknown>;
  run: Record<string, unknown>;
  record: Record<string, unknown> | null;
  parent: VersionRef | null;
  children: VersionRef[];
}

const LINEAGE = `query($id: ID!) {
  lineage(versionId: $id) {
    version { id version modelId aliases runId archived createdAt }
    model { id name }
    backbone
    dataset
    run
    record
    parent { id version modelId aliases runId }
    children { id version modelId aliases runId }
  }
}`;

/** `name@ref` → name and ref (alias or version number); a bare name means the newest version. */
export function parseModelRef(text: string): { name: string; ref: string | null } {
  const at = text.lastIndexOf('@');
  if (at === -1) return { name: text, ref: null };
  const name = text.slice(0, at);
  const ref = text.slice(at + 1);
  if (!name || !ref) throw usageError(`expected <model>@<alias|version>, got '${text}'`);
  return { name, ref };
}

const MAX_DEPTH = 8;

export const lineage = defineCommand({
  name: 'lineage',
  summary: 'Show where a model version comes from and what was fine-tuned from it, as a tree.',
  usage: 'graft lineage <model>@<alias|version> [--json]',
  help: `Examples: graft lineage digits@production, graft lineage digits@3 (or @v3). A bare model
name means its newest version. The tree reads top-down: backbone (weights sha256) and dataset
(content hash) -> run (mode, frozen layers, learning rates) -> version -> versions fine-tuned
from it. --json prints the raw \`lineage\` data (run, record and all).`,
  options: {},
  json: true,
  positionals: { min: 1, max: 1, names: '<model>@<alias|version>' },
  async run(ctx, values, [target]) {
    const { name, ref } = parseModelRef(target!);
    const client = await ctx.client();
    const model = await modelVersions(client, name);
    const versionId = pickVersion(model, ref);
    const data = await client.request<{ lineage: LineageData }>(LINEAGE, { id: versionId });
    if (values['json']) return printJson(data);

    const root = data.lineage;
    const needNames = root.parent !== null || root.children.length > 0;
    const modelNames = needNames ? await modelNamesById(client) : new Map<string, string>();
    const c = ctx.color;
    const b = root.backbone;
    const d = root.dataset;
    const classes = Array.isArray(d['classes']) ? (d['classes'] as string[]) : [];
    const lines = [
      `${paint('backbone', 'bold', c)}  ${String(b['name'])} (${String(b['family'] ?? '?')}, weights sha256 ${String(b['weightsSha256'] ?? '?')})`,
      `${paint('dataset', 'bold', c)}   ${String(d['name'])} (${classes.length} classes: ${shortList(classes)}; content ${String(d['contentHash'] ?? '?')})`,
    ];
    if (root.parent) {
      lines.push(
        `${paint('parent', 'bold', c)}    ${versionLabel(root.parent, modelNames)} (the run fine-tuned this version)`,
      );
    }
    const children = await descendants(
      client,
      root.children,
      modelNames,
      new Set([root.version.id]),
      1,
      c,
    );
    lines.push(
      ...tree([
        {
          label: `${paint('run', 'bold', c)} ${runLabel(root.run, root.record)}`,
          children: [
            {
              label: `${paint('version', 'bold', c)} ${root.model.name} v${root.version.version}${aliasText(root.version.aliases, c)}${root.version.archived ? ' (archived)' : ''}`,
              children: children.length ? [{ label: 'fine-tuned into', children }] : [],
            },
          ],
        },
      ]),
    );
    process.stdout.write(lines.join('\n') + '\n');
  },
});

/** The id of `ref` (alias, version number, or null for the newest) among a model's versions. */
export function pickVersion(
  model: {
    name: string;
    versions: { id: string; version: number }[];
    aliases: { alias: string; versionId: string }[];
  },
  ref: string | null,
): string {
  if (model.versions.length === 0) throw notFound(`model '${model.name}' has no versions`);
  if (ref === null) {
    return [...model.versions].sort((a, b) => b.version - a.version)[0]!.id;
  }
  const number = parseVersionNumber(ref);
  if (number !== null) {
    const v = model.versions.find((x) => x.version === number);
    if (!v) {
      const known = model.versions.map((x) => `v${x.version}`).join(', ');
      throw notFound(`model '${model.name}' has no version ${number} (versions: ${known})`);
    }
    return v.id;
  }
  const alias = model.aliases.find((a) => a.alias === ref);
  if (!alias) {
    const known = model.aliases.map((a) => a.alias).join(', ') || 'none';
    throw notFound(`model '${model.name}' has no alias '${ref}' (aliases: ${known})`);
  }
  return alias.versionId;
}

async function modelNamesById(client: GraftClient): Promise<Map<string, string>> {
  const data = await client.request<{ models: { id: string; name: string }[] }>(
    '{ models { id name } }',
  );
  return new Map(data.models.map((m) => [m.id, m.name]));
}

/** The versions fine-tuned from `children`, recursively (each version once, bounded depth). */
async function descendants(
  client: GraftClient,
  children: VersionRef[],
  names: Map<string, string>,
  seen: Set<string>,
  depth: number,
  color: boolean,
): Promise<TreeNode[]> {
  const nodes: TreeNode[] = [];
  for (const child of children) {
    if (seen.has(child.id)) continue;
    seen.add(child.id);
    const label = versionLabel(child, names, color);
    if (depth >= MAX_DEPTH) {
      nodes.push({ label: `${label} ...` });
      continue;
    }
    const { lineage: l } = await client.request<{ lineage: LineageData }>(LINEAGE, {
      id: child.id,
    });
    const grand = await descendants(client, l.children, names, seen, depth + 1, color);
    nodes.push({
      label: `${label} <- run ${runLabel(l.run, l.record)}`,
      ...(grand.length ? { children: grand } : {}),
    });
  }
  return nodes;
}

function versionLabel(v: VersionRef, names: Map<string, string>, color = false): string {
  return `${names.get(v.modelId) ?? v.modelId} v${v.version}${aliasText(v.aliases, color)}`;
}

function aliasText(aliases: string[], color: boolean): string {
  return aliases.length ? ' ' + paint(`[${aliases.join(', ')}]`, 'cyan', color) : '';
}

/** `<id> (fine-tuning, 6 frozen layers, lr head 0.001 / fine-tune 0.0001, test 97.1%)`. */
export function runLabel(
  run: Record<string, unknown>,
  record: Record<string, unknown> | null,
): string {
  const surgery = (record?.['surgery'] ?? null) as { frozenLayers?: unknown[] } | null;
  const training = (record?.['training'] ?? null) as {
    phases?: { name?: string; learningRate?: number }[];
  } | null;
  const parts: string[] = [String(run['mode'] ?? '?')];
  if (Array.isArray(surgery?.frozenLayers)) {
    const n = surgery.frozenLayers.length;
    parts.push(`${n} frozen layer${n === 1 ? '' : 's'}`);
  }
  const rates = (training?.phases ?? [])
    .filter((p) => typeof p.learningRate === 'number')
    .map((p) => `${p.name ?? 'phase'} ${p.learningRate}`);
  if (rates.length === 0) {
    if (typeof run['headLr'] === 'number') rates.push(`head ${run['headLr']}`);
    if (typeof run['fineTuneLr'] === 'number') rates.push(`fine-tune ${run['fineTuneLr']}`);
  }
  if (rates.length) parts.push(`lr ${rates.join(' / ')}`);
  if (typeof run['testAccuracy'] === 'number') parts.push(`test ${percent(run['testAccuracy'])}`);
  return `${String(run['id'])} (${parts.join(', ')})`;
}

function shortList(items: string[], max = 8): string {
  return items.length > max ? `${items.slice(0, max).join(', ')}, ...` : items.join(', ');
}
