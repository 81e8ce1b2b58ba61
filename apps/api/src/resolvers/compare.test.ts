import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backbones, datasets, runEpochs, runs } from '../db/schema.js';
import type { GraftServer } from '../server.js';
import { startTestServer, type TestServer } from '../testing/apiServer.js';

let api: TestServer;
let server: GraftServer;
const ids: string[] = [];

const layer = (name: string, trainable: boolean, origin: 'backbone' | 'head' = 'backbone') => ({
  name,
  className: 'Conv2D',
  outputShape: [1],
  params: 1,
  trainable,
  origin,
});

beforeAll(async () => {
  api = await startTestServer();
  server = api.server;
  const [bb] = await server.db
    .insert(backbones)
    .values({
      name: 'bb',
      family: 'custom',
      sourceUri: '/x',
      topologySha256: 't',
      weightsSha256: 'w',
      inputShape: [28, 28, 1],
      preprocessing: { scale: 1, offset: 0, channels: 1 },
      layers: [],
      lastFeatureLayer: 'c2',
    })
    .returning();
  const [ds] = await server.db
    .insert(datasets)
    .values({
      name: 'ds',
      classes: ['a', 'b'],
      counts: { train: 1, validation: 1, test: 1 },
      contentHash: 'h',
      source: { kind: 'builtin', name: 'mnist-digits' },
    })
    .returning();
  for (const [fineTuneLr, c2Trainable, acc] of [
    [1e-5, false, 0.9],
    [1e-4, true, 0.95],
  ] as const) {
    const [run] = await server.db
      .insert(runs)
      .values({
        backboneId: bb!.id,
        datasetId: ds!.id,
        mode: 'fine-tuning',
        status: 'succeeded',
        headLr: 1e-3,
        fineTuneLr,
        testAccuracy: acc,
        surgery: {
          request: {
            freeze: c2Trainable
              ? { kind: 'allButLastBlocks', blocks: 1 }
              : { kind: 'upTo', layer: 'c2' },
            head: { classes: ['a', 'b'] },
          },
          layers: [
            layer('c1', false),
            layer('c2', c2Trainable),
            layer('head_predictions', true, 'head'),
          ],
        },
        train: { mode: 'fine-tuning', epochs: 2, fineTune: { learningRate: fineTuneLr } },
      })
      .returning();
    ids.push(run!.id);
    await server.db.insert(runEpochs).values(
      [1, 2].map((epoch) => ({
        runId: run!.id,
        phase: 'head',
        epoch,
        loss: 1 / epoch,
        accuracy: acc,
        valLoss: 1,
        valAccuracy: acc,
        seconds: 1,
      })),
    );
  }
});

afterAll(async () => {
  await api?.close();
});

const COMPARE = `query($ids: [ID!]!) { compareRuns(ids: $ids) { bestRunId parameters { name values differs } layers { name states differs } series { runId epochs { epoch } } } }`;

interface Comparison {
  compareRuns: {
    bestRunId: string;
    parameters: { name: string; values: string[]; differs: boolean }[];
    layers: { name: string; states: string[]; differs: boolean }[];
    series: { epochs: unknown[] }[];
  };
}

describe('compareRuns', () => {
  it('highlights exactly the parameters and layers that differ', async () => {
    const c = (await api.gql<Comparison>(COMPARE, { ids })).data!.compareRuns;
    expect(c.parameters.filter((p) => p.differs).map((p) => p.name)).toEqual([
      'freeze',
      'fineTuneLearningRate',
      'testAccuracy',
    ]);
    expect(c.parameters.find((p) => p.name === 'fineTuneLearningRate')!.values).toEqual([
      String(1e-5),
      String(1e-4),
    ]);
    expect(c.layers.filter((l) => l.differs)).toEqual([
      { name: 'c2', states: ['frozen', 'trainable'], differs: true },
    ]);
    expect(c.series.map((s) => s.epochs.length)).toEqual([2, 2]);
    expect(c.bestRunId).toBe(ids[1]);
  });

  it('refuses fewer than 2 runs and unknown ids', async () => {
    const ask = async (v: string[]) =>
      (await api.gql(COMPARE, { ids: v })).errors?.[0]?.extensions?.['code'];
    expect(await ask([ids[0]!])).toBe('BAD_USER_INPUT');
    expect(await ask([ids[0]!, '00000000-0000-0000-0000-000000000000'])).toBe('NOT_FOUND');
  });
});
