import { readFile } from 'node:fs/promises';
import { errorOfSubscription, type GraftClient } from '../client.js';
import { defineCommand, isUuid, str, type Context } from '../command.js';
import { CliError, ExitCode, notFound, usageError, type FieldError } from '../errors.js';
import { duration, int, num, paint, percent, printJson, statusColor } from '../format.js';
import { resolveBackbone, resolveDataset } from '../resolve.js';
import { parseModelRef, pickVersion } from './lineage.js';
import { modelVersions } from './models.js';

/** The id of the model version `<model>@<alias|version>` names. */
async function versionIdOf(client: GraftClient, ref: string): Promise<string> {
  const { name, ref: which } = parseModelRef(ref);
  return pickVersion(await modelVersions(client, name), which);
}

/** The run spec file `graft run start -f` reads. */
export interface RunSpec {
  backboneId?: string;
  backbone?: string;
  /** A model version to fine-tune instead of a backbone: `<model>@<alias|version>`. */
  from?: string;
  datasetId?: string;
  dataset?: string;
  surgery?: Record<string, unknown>;
  train?: Record<string, unknown>;
  tags?: string[];
}

const SPEC_KEYS = [
  'backboneId',
  'backbone',
  'from',
  'datasetId',
  'dataset',
  'surgery',
  'train',
  'tags',
];

/** Checks the shape of a spec file (the server validates surgery and train in depth). */
export function checkSpec(value: unknown): { spec: RunSpec; errors: FieldError[] } {
  const errors: FieldError[] = [];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { spec: {}, errors: [{ path: '(root)', message: 'must be a JSON object' }] };
  }
  const spec = value as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.includes(key)) {
      errors.push({ path: key, message: `unknown field (expected ${SPEC_KEYS.join(', ')})` });
    }
  }
  const from = spec['from'];
  if (from !== undefined) {
    if (typeof from !== 'string' || !/^[^@]+@[^@]+$/.test(from)) {
      errors.push({ path: 'from', message: 'must be <model>@<alias|version>' });
    }
    for (const key of ['backboneId', 'backbone'])
      if (spec[key] !== undefined)
        errors.push({ path: key, message: `give either from or ${key}, not both` });
  }
  for (const [idKey, nameKey, what] of [
    ['backboneId', 'backbone', 'backbone'],
    ['datasetId', 'dataset', 'dataset'],
  ] as const) {
    const byId = spec[idKey];
    const byName = spec[nameKey];
    if (idKey === 'backboneId' && from !== undefined) continue;
    if (byId === undefined && byName === undefined) {
      errors.push({
        path: idKey,
        message: `required: the ${what} id (or \`${nameKey}\`: its name)`,
      });
    } else if (byId !== undefined && byName !== undefined) {
      errors.push({ path: nameKey, message: `give either ${idKey} or ${nameKey}, not both` });
    }
    for (const key of [idKey, nameKey]) {
      if (spec[key] !== undefined && (typeof spec[key] !== 'string' || spec[key] === '')) {
        errors.push({ path: key, message: 'must be a non-empty string' });
      }
    }
  }
  for (const key of ['surgery', 'train']) {
    const v = spec[key];
    if (v !== undefined && (typeof v !== 'object' || v === null || Array.isArray(v))) {
      errors.push({ path: key, message: 'must be a JSON object' });
    }
  }
  if (spec['train'] === undefined) {
    errors.push({ path: 'train', message: 'required: the TrainSpec (mode, epochs, ...)' });
  }
  const tags = spec['tags'];
  if (tags !== undefined) {
    if (!Array.isArray(tags)) errors.push({ path: 'tags', message: 'must be an array of strings' });
    else {
      tags.forEach((t, i) => {
        if (typeof t !== 'string') errors.push({ path: `tags.${i}`, message: 'must be a string' });
      });
    }
  }
  return { spec: spec as RunSpec, errors };
}

async function readSpec(file: string): Promise<RunSpec> {
  let text: string;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    throw usageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(
      `${file} is not valid JSON: ${(error as Error).message}`,
      ExitCode.VALIDATION,
    );
  }
  const { spec, errors } = checkSpec(value);
  if (errors.length) throw new CliError(`invalid run spec ${file}:`, ExitCode.VALIDATION, errors);
  return spec;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const START_RUN = `mutation($input: StartRunInput!) {
  startRun(input: $input) { id status mode tags createdAt backbone { id name } dataset { id name } }
}`;

export const runStart = defineCommand({
  name: 'run start',
  summary: 'Start a training run from a JSON spec file.',
  usage: 'graft run start -f <spec.json> [--watch] [--json]',
  help: `The spec is a JSON object (use -f - to read it from stdin):
  {
    "backbone": "lenet5-mnist04",      (or "backboneId": "<uuid>", or "from": "<model>@<alias|version>"
                                        to fine-tune a registered version)
    "dataset": "digits-5-6",           (or "datasetId": "<uuid>")
    "surgery": { "cutAt": "...", "freeze": { "kind": "all" }, "head": { ... } },
    "train": { "mode": "feature-extraction", "epochs": 5 },
    "tags": ["baseline"]
  }
Invalid fields are printed one per line as \`path: message\` (exit 3).

options:
  -f, --file <path>  the spec file (required)
  --watch            then watch the run as \`graft run watch\` does (same exit codes)`,
  options: { file: { type: 'string', short: 'f' }, watch: { type: 'boolean' } },
  json: true,
  positionals: { min: 0, max: 0, names: '' },
  async run(ctx, values) {
    const file = str(values, 'file');
    if (!file) throw usageError('missing -f <spec.json>', 'usage: graft run start -f <spec.json>');
    const spec = await readSpec(file);
    const client = await ctx.client();
    const start = spec.from
      ? { parentVersionId: await versionIdOf(client, spec.from) }
      : { backboneId: spec.backboneId ?? (await resolveBackbone(client, spec.backbone!)).id };
    const datasetId = spec.datasetId ?? (await resolveDataset(client, spec.dataset!)).id;
    const input = {
      ...start,
      datasetId,
      surgery: spec.surgery ?? {},
      train: spec.train ?? {},
      ...(spec.tags ? { tags: spec.tags } : {}),
    };
    const data = await client.request<{
      startRun: {
        id: string;
        status: string;
        backbone: { name: string };
        dataset: { name: string };
      };
    }>(START_RUN, { input });
    const run = data.startRun;
    if (values['json']) printJson(data);
    else {
      process.stdout.write(
        `Started run ${run.id} (${run.status}): ${run.backbone.name} on ${run.dataset.name}\n`,
      );
      if (!values['watch']) process.stdout.write(`Follow it with: graft run watch ${run.id}\n`);
    }
    if (values['watch']) return watchRun(ctx, client, run.id, values['json'] === true);
    return ExitCode.OK;
  },
});

export const runWatch = defineCommand({
  name: 'run watch',
  summary: "Follow a run's progress live until it ends.",
  usage: 'graft run watch <run id> [--json]',
  help: `Shows a progress bar (on a terminal; one line per step otherwise) with the phase, epoch,
batch, loss, validation accuracy, images/s and ETA, from the runProgress subscription.
Exits 0 when the run succeeded, 7 when it failed or was cancelled. With --json, prints each
progress event as one line of JSON.`,
  options: {},
  json: true,
  positionals: { min: 1, max: 1, names: '<run id>' },
  async run(ctx, values, [id]) {
    const client = await ctx.client();
    return watchRun(ctx, client, id!, values['json'] === true);
  },
});

/** One `runProgress` event. */
export interface RunProgress {
  runId: string;
  status: string;
  stage?: string | null;
  phase?: string | null;
  epoch?: number | null;
  epochs?: number | null;
  batch?: number | null;
  batches?: number | null;
  loss?: number | null;
  accuracy?: number | null;
  valLoss?: number | null;
  valAccuracy?: number | null;
  imagesPerSec?: number | null;
  etaSeconds?: number | null;
}

const PROGRESS = `subscription($id: ID!) {
  runProgress(runId: $id) {
    runId status stage phase epoch epochs batch batches loss accuracy valLoss valAccuracy imagesPerSec etaSeconds
  }
}`;

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** The text of one progress event: phase, epoch, batch, loss, val accuracy, images/s, ETA. */
export function describeProgress(e: RunProgress): string {
  const parts: string[] = [e.status];
  if (e.stage || e.phase) parts.push([e.stage, e.phase].filter(Boolean).join('/'));
  if (e.epoch != null && e.epoch > 0) parts.push(`epoch ${e.epoch}/${e.epochs ?? '?'}`);
  if (e.batch != null) parts.push(`batch ${e.batch}/${e.batches ?? '?'}`);
  if (e.loss != null) parts.push(`loss ${num(e.loss)}`);
  if (e.valAccuracy != null) parts.push(`val acc ${percent(e.valAccuracy)}`);
  if (e.imagesPerSec != null) parts.push(`${int(e.imagesPerSec)} img/s`);
  if (e.etaSeconds != null && !TERMINAL.has(e.status)) parts.push(`ETA ${duration(e.etaSeconds)}`);
  return parts.join('  ');
}

/** How far the current phase is, from 0 to 1 (null when unknown). */
export function fractionOf(e: RunProgress): number | null {
  if (e.status === 'succeeded') return 1;
  const inEpoch = e.batch != null && e.batches ? Math.min(e.batch / e.batches, 1) : null;
  if (e.epoch != null && e.epochs) {
    return Math.min((e.epoch - 1 + (inEpoch ?? 0)) / e.epochs, 1);
  }
  return inEpoch;
}

interface RunSummary {
  id: string;
  status: string;
  mode: string;
  error: string | null;
  bestValAccuracy: number | null;
  testAccuracy: number | null;
  backbone: { name: string };
  dataset: { name: string };
}

const RUN_SUMMARY = `query($id: ID!) { run(id: $id) { id status mode error bestValAccuracy testAccuracy backbone { name } dataset { name } } }`;

/** Streams a run's progress until it ends; the exit code says how it ended. */
export async function watchRun(
  ctx: Context,
  client: GraftClient,
  id: string,
  json: boolean,
): Promise<number> {
  if (!isUuid(id)) throw notFound(`no run '${id}' (run ids are UUIDs; see \`graft runs ls\`)`);
  const { run } = await client.request<{ run: RunSummary }>(RUN_SUMMARY, { id });
  const tty = process.stdout.isTTY === true && !json;
  if (!json) {
    process.stdout.write(
      `Run ${run.id}: ${run.mode}, ${run.backbone.name} on ${run.dataset.name} (${run.status})\n`,
    );
  }

  // Loaded on demand, like the WebSocket client: other commands start faster without.
  const cliProgress = tty ? (await import('cli-progress')).default : null;
  const bar = cliProgress
    ? new cliProgress.SingleBar({
        stream: process.stdout,
        format: '{bar} {percentage}%  {info}',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        linewrap: false,
        etaBuffer: 1,
      })
    : null;
  let started = false;
  let lastLine = '';
  let lastKey = '';
  let lastPrintedAt = 0;
  let last: RunProgress | null = null;

  const show = (e: RunProgress) => {
    if (json) {
      process.stdout.write(JSON.stringify(e) + '\n');
      return;
    }
    const info = describeProgress(e);
    if (bar) {
      const fraction = fractionOf(e) ?? 0;
      const payload = { info: paint(info, statusColor(e.status), ctx.color) };
      if (!started) {
        bar.start(100, Math.round(fraction * 100), payload);
        started = true;
      } else bar.update(Math.round(fraction * 100), payload);
      return;
    }
    // Not a terminal (a CI log): a line per stage, phase, epoch or status change, else every 5 s.
    const key = [e.status, e.stage, e.phase, e.epoch].join('|');
    const now = Date.now();
    if (info !== lastLine && (key !== lastKey || now - lastPrintedAt >= 5000)) {
      process.stdout.write(info + '\n');
      lastLine = info;
      lastKey = key;
      lastPrintedAt = now;
    }
  };

  const ws = await client.subscriptions();
  const onSigint = () => {
    bar?.stop();
    void ws.dispose();
    process.stderr.write(
      `\ninterrupted; the run goes on (graft run watch ${id} to follow it again)\n`,
    );
    process.exit(ExitCode.INTERRUPTED);
  };
  process.once('SIGINT', onSigint);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.subscribe<{ runProgress: RunProgress }>(
        { query: PROGRESS, variables: { id } },
        {
          next: (message) => {
            if (message.errors?.length) {
              reject(errorOfSubscription(message.errors, client.endpoint));
              return;
            }
            if (message.data?.runProgress) {
              last = message.data.runProgress;
              show(last);
            }
          },
          error: (error: unknown) => reject(errorOfSubscription(error, client.endpoint)),
          complete: resolve,
        },
      );
    });
  } finally {
    process.off('SIGINT', onSigint);
    bar?.stop();
    await ws.dispose();
  }

  const final = (last as RunProgress | null)?.status;
  if (!final || !TERMINAL.has(final)) {
    throw new CliError(
      `the progress stream ended before the run did (last status: ${final ?? 'none'})`,
      ExitCode.SERVER,
    );
  }
  if (json) return final === 'succeeded' ? ExitCode.OK : ExitCode.RUN_FAILED;
  const { run: done } = await client.request<{ run: RunSummary }>(RUN_SUMMARY, { id });
  const status = paint(done.status, statusColor(done.status), ctx.color);
  if (done.status === 'succeeded') {
    process.stdout.write(
      `Run ${id} ${status}: best val accuracy ${percent(done.bestValAccuracy)}, test accuracy ${percent(done.testAccuracy)}\n`,
    );
    return ExitCode.OK;
  }
  process.stdout.write(`Run ${id} ${status}${done.error ? `: ${done.error}` : ''}\n`);
  return ExitCode.RUN_FAILED;
}
