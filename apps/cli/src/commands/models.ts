import type { GraftClient } from '../client.js';
import { defineCommand, str } from '../command.js';
import { notFound, usageError } from '../errors.js';
import { date, printJson, table } from '../format.js';

interface VersionRow {
  id: string;
  version: number;
  aliases: string[];
  archived: boolean;
  runId: string;
  createdAt: string;
}

interface ModelRow {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
  aliases: { alias: string; versionId: string }[];
  versions: VersionRow[];
}

export const modelsLs = defineCommand({
  name: 'models ls',
  summary: 'List registered models with their versions and aliases.',
  usage: 'graft models ls [--json]',
  help: 'columns: name, number of versions, latest version, aliases (alias=version), created',
  options: {},
  json: true,
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx, values) {
    const client = await ctx.client();
    const data = { models: await listModels(client) };
    if (values['json']) return printJson(data);
    if (data.models.length === 0) {
      process.stdout.write('No models registered.\n');
      return;
    }
    const aliases = (m: ModelRow) =>
      m.aliases
        .map((a) => `${a.alias}=v${m.versions.find((v) => v.id === a.versionId)?.version ?? '?'}`)
        .join(', ');
    process.stdout.write(
      table(
        data.models,
        [
          { header: 'NAME', value: (m) => m.name },
          { header: 'VERSIONS', value: (m) => String(m.versions.length), align: 'right' },
          {
            header: 'LATEST',
            value: (m) =>
              m.versions[0] ? `v${Math.max(...m.versions.map((v) => v.version))}` : '-',
          },
          { header: 'ALIASES', value: aliases, color: () => 'cyan' },
          { header: 'CREATED', value: (m) => date(m.createdAt) },
        ],
        ctx.color,
      ) + '\n',
    );
  },
});

const MODEL_FIELDS = `id name description createdAt aliases { alias versionId updatedAt } versions { id version aliases archived runId createdAt }`;
const BATCH = 8; // models per request: the API's cost limit counts each model's nested lists

/**
 * Every model with its aliases and versions. \`models\` with nested lists would exceed the API's
 * query cost limit, so the names come first, then the details in batches of aliased fields.
 */
async function listModels(client: GraftClient): Promise<ModelRow[]> {
  const { models } = await client.request<{ models: { name: string }[] }>('{ models { name } }');
  const rows: ModelRow[] = [];
  for (let i = 0; i < models.length; i += BATCH) {
    const names = models.slice(i, i + BATCH).map((m) => m.name);
    const vars = names.map((_n, j) => `$n${j}: String!`).join(', ');
    const fields = names
      .map((_n, j) => `m${j}: model(name: $n${j}) { ${MODEL_FIELDS} }`)
      .join('\n');
    const data = await client.request<Record<string, ModelRow>>(
      `query(${vars}) {\n${fields}\n}`,
      Object.fromEntries(names.map((n, j) => [`n${j}`, n])),
    );
    names.forEach((_n, j) => rows.push(data[`m${j}`]!));
  }
  return rows;
}

/** A model's versions and aliases by name (exit 4 when there is no such model). */
export async function modelVersions(
  client: GraftClient,
  name: string,
): Promise<{
  name: string;
  versions: VersionRow[];
  aliases: { alias: string; versionId: string }[];
}> {
  const data = await client.request<{ model: ModelRow }>(
    `query($name: String!) { model(name: $name) { name aliases { alias versionId } versions { id version aliases archived runId createdAt } } }`,
    { name },
  );
  return data.model;
}

/** `3`, `v3` → 3; anything else null. */
export function parseVersionNumber(text: string): number | null {
  const match = /^v?(\d+)$/i.exec(text);
  return match ? Number(match[1]) : null;
}

export const modelsPromote = defineCommand({
  name: 'models promote',
  summary: 'Point an alias (production, staging...) at a model version, with a reason.',
  usage: 'graft models promote <model name> <version> --alias <alias> --reason <text> [--json]',
  help: `<version> is the version number (3 or v3). The move is audited with the reason and the
API key that made it. Needs an editor or maintainer key (exit 6 otherwise).

options:
  --alias <alias>    the alias to move (required), e.g. production
  --reason <text>    why (required; kept in the model's alias history)`,
  options: { alias: { type: 'string' }, reason: { type: 'string' } },
  json: true,
  positionals: { min: 2, max: 2, names: '<model name> <version>' },
  async run(ctx, values, [name, versionText]) {
    const usage = 'usage: graft models promote <name> <version> --alias <alias> --reason <text>';
    const alias = str(values, 'alias');
    const reason = str(values, 'reason');
    if (!alias) throw usageError('missing --alias <alias>', usage);
    if (!reason?.trim()) throw usageError('missing --reason <text>', usage);
    const number = parseVersionNumber(versionText!);
    if (number === null) {
      throw usageError(
        `<version> must be a version number like 3 or v3 (got '${versionText}')`,
        usage,
      );
    }
    const client = await ctx.client();
    const model = await modelVersions(client, name!);
    const version = model.versions.find((v) => v.version === number);
    if (!version) {
      const known = model.versions.map((v) => `v${v.version}`).join(', ') || 'none';
      throw notFound(`model '${name}' has no version ${number} (versions: ${known})`);
    }
    const previous = model.aliases.find((a) => a.alias === alias);
    const data = await client.request<{ promoteModelVersion: VersionRow }>(
      `mutation($id: ID!, $alias: String!, $reason: String!) {
        promoteModelVersion(versionId: $id, alias: $alias, reason: $reason) { id version aliases archived runId createdAt }
      }`,
      { id: version.id, alias, reason },
    );
    if (values['json']) return printJson(data);
    const from = previous
      ? ` (was v${model.versions.find((v) => v.id === previous.versionId)?.version ?? '?'})`
      : '';
    process.stdout.write(`${model.name}@${alias} -> v${number}${from}\n`);
  },
});
