import { eq, inArray } from 'drizzle-orm';
import type { GraphQLContext } from '../context.js';
import { backbones, datasets, runEpochs, runs } from '../db/schema.js';
import { BadUserInputError, NotFoundError } from '../errors/index.js';
import { assertUuid } from './ids.js';

type RunRow = typeof runs.$inferSelect;

/** What a comparison lines up, in this order: the settings that make runs differ, then results. */
const PARAMETERS: [string, (r: RunRow, names: { backbone: string; dataset: string }) => unknown][] =
  [
    ['backbone', (_r, n) => n.backbone],
    ['dataset', (_r, n) => n.dataset],
    ['mode', (r) => r.mode],
    ['inputShape', (r) => r.surgery.request.inputShape ?? null],
    ['cutAt', (r) => r.surgery.request.cutAt ?? null],
    ['freeze', (r) => r.surgery.request.freeze ?? { kind: 'all' }],
    ['head', (r) => ({ ...r.surgery.request.head, classes: undefined })],
    ['learningRate', (r) => r.headLr],
    ['fineTuneLearningRate', (r) => r.fineTuneLr],
    ['epochs', (r) => r.train.epochs ?? 10],
    ['fineTuneEpochs', (r) => (r.mode === 'fine-tuning' ? (r.train.fineTune?.epochs ?? 5) : null)],
    ['optimizer', (r) => r.train.optimizer ?? 'adam'],
    ['batchSize', (r) => r.train.batchSize ?? 32],
    ['seed', (r) => r.train.seed ?? 42],
    ['augmentation', (r) => r.train.augmentation ?? null],
    ['frozenParams', (r) => r.frozenParams],
    ['trainableParams', (r) => r.trainableParams],
    ['backends', (r) => r.backends],
    ['bestValAccuracy', (r) => r.bestValAccuracy],
    ['testAccuracy', (r) => r.testAccuracy],
  ];

/** Compares 2-8 runs with a fixed number of queries whatever their count (no N+1). */
export async function compareRuns(ctx: GraphQLContext, ids: string[]) {
  const unique = [...new Set(ids)];
  if (unique.length < 2 || unique.length > 8) {
    throw new BadUserInputError('compare 2 to 8 distinct runs', [
      { path: 'ids', message: `got ${unique.length}` },
    ]);
  }
  for (const id of unique) assertUuid('run', id);
  const rows = await ctx.db.select().from(runs).where(inArray(runs.id, unique));
  const byId = new Map(rows.map((r) => [r.id, r]));
  const missing = unique.find((id) => !byId.has(id));
  if (missing) throw new NotFoundError('run', missing);
  const ordered = unique.map((id) => byId.get(id)!);
  const [bbs, dss, epochs] = await Promise.all([
    ctx.db
      .select({ id: backbones.id, name: backbones.name })
      .from(backbones)
      .where(inArray(backbones.id, [...new Set(ordered.map((r) => r.backboneId))])),
    ctx.db
      .select({ id: datasets.id, name: datasets.name })
      .from(datasets)
      .where(inArray(datasets.id, [...new Set(ordered.map((r) => r.datasetId))])),
    ctx.db
      .select()
      .from(runEpochs)
      .where(inArray(runEpochs.runId, unique))
      .orderBy(runEpochs.phaseIndex, runEpochs.epoch),
  ]);
  const bbName = new Map(bbs.map((b) => [b.id, b.name]));
  const dsName = new Map(dss.map((d) => [d.id, d.name]));
  const parameters = PARAMETERS.map(([name, get]) => {
    const values = ordered.map((r) =>
      JSON.stringify(
        get(r, {
          backbone: bbName.get(r.backboneId) ?? r.backboneId,
          dataset: dsName.get(r.datasetId) ?? r.datasetId,
        }) ?? null,
      ),
    );
    return { name, values, differs: new Set(values).size > 1 };
  });
  // Layer states from the resolved layer tables (recorded when a run trained).
  const names: string[] = [];
  const seen = new Set<string>();
  const states = ordered.map((r) => {
    const m = new Map<string, string>();
    for (const l of r.surgery.layers ?? []) {
      if (!seen.has(l.name)) {
        seen.add(l.name);
        names.push(l.name);
      }
      m.set(l.name, l.origin === 'head' ? 'head' : l.trainable ? 'trainable' : 'frozen');
    }
    return m;
  });
  const layers = names.map((name) => {
    const s = states.map((m) => m.get(name) ?? 'absent');
    return { name, states: s, differs: new Set(s).size > 1 };
  });
  const series = ordered.map((r) => ({
    runId: r.id,
    epochs: epochs.filter((e) => e.runId === r.id),
  }));
  const finished = ordered.filter((r) => r.testAccuracy !== null);
  const best = finished.length
    ? finished.reduce((a, b) => (b.testAccuracy! > a.testAccuracy! ? b : a))
    : null;
  return { runs: ordered, parameters, layers, series, bestRunId: best?.id ?? null };
}

/** Replaces a run's tags (trimmed, unique, at most 32 of at most 64 characters). */
export async function setTags(ctx: GraphQLContext, id: string, tags: string[]): Promise<RunRow> {
  const clean = [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
  if (clean.length > 32 || clean.some((t) => t.length > 64)) {
    throw new BadUserInputError('at most 32 tags of at most 64 characters', [
      { path: 'tags', message: 'too many or too long' },
    ]);
  }
  assertUuid('run', id);
  const [run] = await ctx.db.update(runs).set({ tags: clean }).where(eq(runs.id, id)).returning();
  if (!run) throw new NotFoundError('run', id);
  return run;
}
