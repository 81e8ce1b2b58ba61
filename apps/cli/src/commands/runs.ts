import { defineCommand, positiveInt, str } from '../command.js';
import { usageError } from '../errors.js';
import { date, percent, printJson, statusColor, table } from '../format.js';
import { resolveBackbone, resolveDataset } from '../resolve.js';

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
const SORTS = ['createdAt', 'bestValAccuracy', 'testAccuracy'] as const;
const PAGE = 500; // the API's largest page

interface RunRow {
  id: string;
  status: string;
  mode: string;
  backbone: { name: string };
  dataset: { name: string };
  bestValAccuracy: number | null;
  testAccuracy: number | null;
  tags: string[];
  createdAt: string;
}

const RUNS = `query($filter: RunFilter, $orderBy: RunOrder, $first: Int, $after: String) {
  runs(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    items { id status mode attempt backbone { id name } dataset { id name } bestValAccuracy testAccuracy tags startedBy createdAt startedAt finishedAt }
    hasNextPage
    endCursor
  }
}`;

export const runsLs = defineCommand({
  name: 'runs ls',
  summary: 'List training runs, newest first or best first.',
  usage:
    'graft runs ls [--status S] [--sort K] [--limit N] [--backbone B] [--dataset D] [--tag T] [--json]',
  help: `options:
  --status <s>     queued, running, succeeded, failed or cancelled
  --sort <k>       createdAt (newest first, default), bestValAccuracy or testAccuracy
                   (best first, unfinished runs last)
  --limit <n>      at most n runs (default 20)
  --backbone <b>   only runs from this backbone (name or id)
  --dataset <d>    only runs on this dataset (name or id)
  --tag <t>        only runs with this tag`,
  options: {
    status: { type: 'string' },
    sort: { type: 'string' },
    limit: { type: 'string', short: 'n' },
    backbone: { type: 'string' },
    dataset: { type: 'string' },
    tag: { type: 'string' },
  },
  json: true,
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx, values) {
    const status = str(values, 'status');
    if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) {
      throw usageError(`--status must be one of ${RUN_STATUSES.join(', ')} (got '${status}')`);
    }
    const sort = str(values, 'sort');
    if (sort !== undefined && !(SORTS as readonly string[]).includes(sort)) {
      throw usageError(`--sort must be one of ${SORTS.join(', ')} (got '${sort}')`);
    }
    const limit = positiveInt(values, 'limit', 100_000) ?? 20;
    const client = await ctx.client();
    const filter: Record<string, string> = {};
    if (status) filter['status'] = status;
    const tag = str(values, 'tag');
    if (tag !== undefined) filter['tag'] = tag;
    const backbone = str(values, 'backbone');
    if (backbone !== undefined) filter['backboneId'] = (await resolveBackbone(client, backbone)).id;
    const dataset = str(values, 'dataset');
    if (dataset !== undefined) filter['datasetId'] = (await resolveDataset(client, dataset)).id;

    const items: RunRow[] = [];
    let after: string | null = null;
    let hasNextPage = true;
    while (items.length < limit && hasNextPage) {
      const page: { runs: { items: RunRow[]; hasNextPage: boolean; endCursor: string | null } } =
        await client.request(RUNS, {
          filter,
          orderBy: sort ?? 'createdAt',
          first: Math.min(PAGE, limit - items.length),
          after,
        });
      items.push(...page.runs.items);
      hasNextPage = page.runs.hasNextPage && page.runs.endCursor !== null;
      after = page.runs.endCursor;
    }
    if (values['json']) {
      return printJson({ runs: { items, hasNextPage, endCursor: after } });
    }
    if (items.length === 0) {
      process.stdout.write('No runs.\n');
      return;
    }
    process.stdout.write(
      table(
        items,
        [
          { header: 'ID', value: (r) => r.id },
          { header: 'STATUS', value: (r) => r.status, color: (r) => statusColor(r.status) },
          { header: 'MODE', value: (r) => r.mode },
          { header: 'BACKBONE', value: (r) => r.backbone.name },
          { header: 'DATASET', value: (r) => r.dataset.name },
          { header: 'VAL ACC', value: (r) => percent(r.bestValAccuracy), align: 'right' },
          { header: 'TEST ACC', value: (r) => percent(r.testAccuracy), align: 'right' },
          { header: 'CREATED', value: (r) => date(r.createdAt) },
          { header: 'TAGS', value: (r) => r.tags.join(',') },
        ],
        ctx.color,
      ) + '\n',
    );
    if (hasNextPage) {
      process.stdout.write(`... more runs: raise --limit (now ${limit})\n`);
    }
  },
});
