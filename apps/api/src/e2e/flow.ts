import * as tf from '@tensorflow/tfjs';
import { loadMnistDigits, splitDataset } from '@graft/core';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppConfig } from '../env.js';
import { createServer, type GraftServer } from '../server.js';
import { maintainerAuthorization } from '../testing/authHeader.js';

/** A GraphQL error as clients see it. */
export interface GqlError {
  message: string;
  extensions?: Record<string, unknown>;
}

/** What a suite's `makeConfig` hands back: the config, whether to fork a worker, and cleanup. */
export interface FlowSetup {
  config: AppConfig;
  worker: boolean;
  /** Removes what makeConfig created (temp folder, temp database), after the server closed. */
  cleanup(): Promise<void>;
}

/** POSTs one GraphQL operation to `${url}/graphql` with `authorization`. */
export async function postGraphQL<T = Record<string, unknown>>(
  url: string,
  authorization: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T; errors?: GqlError[] }> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as never;
}

interface ProgressEvent {
  status: string;
  stage?: string | null;
  epoch?: number | null;
}

/** Subscribes to `runProgress` over graphql-ws and resolves with every event once it completes. */
export async function collectProgress(
  url: string,
  authorization: string,
  runId: string,
): Promise<ProgressEvent[]> {
  const client = createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
  });
  const events: ProgressEvent[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      client.subscribe<{ runProgress: ProgressEvent }>(
        {
          query: `subscription($id: ID!) { runProgress(runId: $id) { status stage epoch epochs } }`,
          variables: { id: runId },
        },
        {
          next: (m) => {
            if (m.errors) reject(new Error(JSON.stringify(m.errors)));
            if (m.data) events.push(m.data.runProgress);
          },
          error: (e: unknown) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))),
          complete: resolve,
        },
      );
    });
  } finally {
    await client.dispose();
  }
  return events;
}

/** Runs one operation over graphql-ws and resolves with its first result (data or errors). */
export async function wsResult(
  url: string,
  authorization: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: unknown; errors?: GqlError[] }> {
  const client = createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: { authorization },
  });
  try {
    return await new Promise((resolve, reject) => {
      client.subscribe(
        { query, variables },
        {
          next: (m) => resolve(m as { data?: unknown; errors?: GqlError[] }),
          // graphql-ws hands a refused operation's errors over as an array.
          error: (e: unknown) =>
            Array.isArray(e) ? resolve({ errors: e as GqlError[] }) : reject(e as Error),
          complete: () => resolve({}),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

export const BACKBONES = `{ backbones { id name weightsSha256 layers { name } } }`;
export const CREATE_DATASET = `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id name } }`;
export const START_RUN = `mutation($input: StartRunInput!) { startRun(input: $input) { id status attempt } }`;

/**
 * The registry end to end over HTTP and WebSocket with the maintainer key: builtin backbone →
 * dataset → run (progress streamed) → model version → promotion → lineage → the model loads
 * with stock tf.loadLayersModel; and the error code of each bad input.
 */
export function registryFlowSuite(name: string, makeConfig: () => Promise<FlowSetup>): void {
  describe(`registry flow (${name})`, () => {
    let setup: FlowSetup;
    let server: GraftServer;
    let authorization: string;
    let backbone: { id: string; name: string; weightsSha256: string; layers: { name: string }[] };
    let datasetId: string;
    let runId: string;
    let versionId: string;

    const gql = <T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>) =>
      postGraphQL<T>(server.url, authorization, query, variables);

    beforeAll(async () => {
      setup = await makeConfig();
      server = await createServer({ config: setup.config, worker: setup.worker });
      await server.listen();
      authorization = maintainerAuthorization(setup.config.dataDir);
    });

    afterAll(async () => {
      await server?.close();
      await setup?.cleanup();
    });

    it('finds the builtin backbone and registers a dataset', async () => {
      const list = await gql<{ backbones: (typeof backbone)[] }>(BACKBONES);
      expect(list.errors).toBeUndefined();
      const found = list.data!.backbones.find((b) => b.name === 'lenet5-mnist04');
      expect(found).toBeDefined();
      backbone = found!;
      expect(backbone.weightsSha256).toMatch(/^[0-9a-f]{64}$/);

      const ds = await gql<{ createDataset: { id: string } }>(CREATE_DATASET, {
        input: { name: 'digits-5-6', builtin: { mnistDigits: [5, 6], limit: 300 } },
      });
      expect(ds.errors).toBeUndefined();
      datasetId = ds.data!.createDataset.id;
      // Counts per split: what every run's stratified 70/15/15 split holds.
      const counts = await gql<{ dataset: { counts: Record<string, unknown> } }>(
        `query($id: ID!) { dataset(id: $id) { counts { total train validation test } } }`,
        { id: datasetId },
      );
      const split = splitDataset({ set: loadMnistDigits({ digits: [5, 6], limit: 300 }), seed: 7 });
      expect(counts.data!.dataset.counts).toEqual({
        total: 300,
        train: split.train.count,
        validation: split.validation.count,
        test: split.test.count,
      });
      expect(split.validation.count).toBeGreaterThan(0);
    });

    it('trains a run, streams its progress to succeeded, versions, promotes and traces it', async () => {
      const started = await gql<{ startRun: { id: string; status: string } }>(START_RUN, {
        input: {
          backboneId: backbone.id,
          datasetId,
          surgery: {},
          train: { mode: 'feature-extraction', epochs: 2, engine: { workers: 1 } },
        },
      });
      expect(started.errors).toBeUndefined();
      runId = started.data!.startRun.id;
      expect(started.data!.startRun.status).toBe('queued');

      const events = await collectProgress(server.url, authorization, runId);
      expect(events.length).toBeGreaterThan(0);
      expect(events.at(-1)?.status).toBe('succeeded');
      expect(events.some((e) => e.stage === 'train')).toBe(true);

      const version = await gql<{ createModelVersion: { id: string; version: number } }>(
        `mutation($runId: ID!, $name: String!) { createModelVersion(runId: $runId, modelName: $name) { id version } }`,
        { runId, name: 'digits-classifier' },
      );
      expect(version.errors).toBeUndefined();
      versionId = version.data!.createModelVersion.id;
      expect(version.data!.createModelVersion.version).toBe(1);

      const promoted = await gql<{ promoteModelVersion: { aliases: string[] } }>(
        `mutation($id: ID!) { promoteModelVersion(versionId: $id, alias: "production", reason: "e2e: first model") { aliases } }`,
        { id: versionId },
      );
      expect(promoted.errors).toBeUndefined();
      expect(promoted.data!.promoteModelVersion.aliases).toContain('production');

      const lineage = await gql<{
        lineage: {
          backbone: Record<string, unknown>;
          record: {
            backbone: { weightsSha256: string };
            surgery: { frozenLayers: string[] };
            training: { phases: { learningRate: number }[] };
          };
          version: { id: string; aliases: string[] };
        };
      }>(`query($id: ID!) { lineage(versionId: $id) { backbone record version { id aliases } } }`, {
        id: versionId,
      });
      expect(lineage.errors).toBeUndefined();
      const l = lineage.data!.lineage;
      expect(l.version).toEqual({ id: versionId, aliases: ['production'] });
      expect(l.backbone['weightsSha256']).toBe(backbone.weightsSha256);
      expect(l.record.backbone.weightsSha256).toBe(backbone.weightsSha256);
      expect(l.backbone['name']).toBe('lenet5-mnist04');
      expect(l.record.surgery.frozenLayers).toContain('conv1');
      const layerNames = backbone.layers.map((x) => x.name);
      for (const frozen of l.record.surgery.frozenLayers) expect(layerNames).toContain(frozen);
      expect(l.record.training.phases[0]!.learningRate).toBe(0.001);

      const run = await gql<{ run: { status: string; modelPath: string } }>(
        `query($id: ID!) { run(id: $id) { status modelPath } }`,
        { id: runId },
      );
      expect(run.errors).toBeUndefined();
      expect(run.data!.run.status).toBe('succeeded');
      const model = await tf.loadLayersModel(server.url + run.data!.run.modelPath);
      try {
        const out = tf.tidy(() => model.predict(tf.zeros([1, 28, 28, 1])) as tf.Tensor);
        expect(out.shape).toEqual([1, 2]);
        const values = Array.from(await out.data());
        out.dispose();
        expect(values).toHaveLength(2);
        expect(values[0]! + values[1]!).toBeCloseTo(1, 4);
      } finally {
        model.dispose();
      }
    });

    it('fine-tunes a model version into a new version that descends from it', async () => {
      const started = await gql<{ startRun: { id: string } }>(START_RUN, {
        input: {
          parentVersionId: versionId,
          datasetId,
          surgery: { freeze: { kind: 'allButLastBlocks', blocks: 1 } },
          train: {
            mode: 'fine-tuning',
            epochs: 1,
            fineTune: { epochs: 1, learningRate: 1e-4 },
            engine: { workers: 0 },
          },
        },
      });
      expect(started.errors).toBeUndefined();
      const childRunId = started.data!.startRun.id;
      expect((await collectProgress(server.url, authorization, childRunId)).at(-1)?.status).toBe(
        'succeeded',
      );
      const child = await gql<{ createModelVersion: { id: string; version: number } }>(
        `mutation($runId: ID!) { createModelVersion(runId: $runId, modelName: "digits-classifier") { id version } }`,
        { runId: childRunId },
      );
      expect(child.errors).toBeUndefined();
      const childId = child.data!.createModelVersion.id;
      expect(child.data!.createModelVersion.version).toBe(2);

      type L = {
        lineage: {
          backbone: { name: string; sourceUri: string; weightsSha256: string };
          record: {
            parent: { modelVersionId: string } | null;
            backbone: { weightsSha256: string; sourceUri: string };
            surgery: { frozenLayers: string[] };
          };
          parent: { id: string } | null;
          children: { id: string }[];
        };
      };
      const LINEAGE = `query($id: ID!) { lineage(versionId: $id) { backbone record parent { id } children { id } } }`;
      const down = (await gql<L>(LINEAGE, { id: childId })).data!.lineage;
      // Its backbone is version 1's trained model, registered once under the model's name.
      expect(down.backbone.name).toBe('digits-classifier.v1');
      expect(down.backbone.sourceUri).toBe(`version:${versionId}`);
      expect(down.backbone.weightsSha256).not.toBe(backbone.weightsSha256);
      expect(down.record.backbone.weightsSha256).toBe(down.backbone.weightsSha256);
      expect(down.record.parent).toEqual({ modelVersionId: versionId });
      expect(down.parent).toEqual({ id: versionId });
      expect(down.record.surgery.frozenLayers).toContain('conv1');
      expect(down.record.surgery.frozenLayers).not.toContain('conv2');
      const up = (await gql<L>(LINEAGE, { id: versionId })).data!.lineage;
      expect(up.children).toEqual([{ id: childId }]);
    });

    it('answers each bad input with its error code', async () => {
      const code = (r: { errors?: GqlError[] }) => r.errors?.[0]?.extensions?.['code'];
      const fieldPaths = (r: { errors?: GqlError[] }) =>
        (r.errors?.[0]?.extensions?.['fieldErrors'] as { path: string }[] | undefined)?.map(
          (f) => f.path,
        );
      const start = (surgery: Record<string, unknown>, train: Record<string, unknown>) =>
        gql(START_RUN, { input: { backboneId: backbone.id, datasetId, surgery, train } });

      const unknownLayer = await start({ cutAt: 'block_99' }, { mode: 'feature-extraction' });
      expect(code(unknownLayer)).toBe('BAD_USER_INPUT');
      expect(fieldPaths(unknownLayer)).toEqual(['surgery.cutAt']);

      const lrGuard = await start(
        { freeze: { kind: 'allButLastBlocks', blocks: 1 } },
        { mode: 'fine-tuning', fineTune: { learningRate: 0.1 } },
      );
      expect(code(lrGuard)).toBe('BAD_USER_INPUT');
      expect(fieldPaths(lrGuard)).toEqual(['train.fineTune.learningRate']);

      const shape = await start({ inputShape: [4, 4, 1] }, { mode: 'feature-extraction' });
      expect(code(shape)).toBe('BAD_USER_INPUT');
      expect(fieldPaths(shape)).toEqual(['surgery.inputShape']);

      const zero = '00000000-0000-0000-0000-000000000000';
      const unknownBackbone = await gql(START_RUN, {
        input: { backboneId: zero, datasetId, surgery: {}, train: { mode: 'feature-extraction' } },
      });
      expect(code(unknownBackbone)).toBe('NOT_FOUND');
      const unknownDataset = await gql(START_RUN, {
        input: {
          backboneId: backbone.id,
          datasetId: zero,
          surgery: {},
          train: { mode: 'feature-extraction' },
        },
      });
      expect(code(unknownDataset)).toBe('NOT_FOUND');
      expect(code(await gql(`query($id: ID!) { run(id: $id) { id } }`, { id: zero }))).toBe(
        'NOT_FOUND',
      );
      expect(
        code(await gql(`query($id: ID!) { lineage(versionId: $id) { record } }`, { id: zero })),
      ).toBe('NOT_FOUND');
      expect(
        code(
          await gql(
            `mutation($id: ID!) { createModelVersion(runId: $id, modelName: "x") { id } }`,
            { id: zero },
          ),
        ),
      ).toBe('NOT_FOUND');

      // Ids that are not UUIDs designate nothing too (and must not reach Postgres as a cast error).
      const bad = 'not-a-uuid';
      const byId: [string, Record<string, unknown>][] = [
        [`query($id: ID!) { run(id: $id) { id } }`, { id: bad }],
        [`query($id: ID!) { backbone(id: $id) { id } }`, { id: bad }],
        [`query($id: ID!) { dataset(id: $id) { id } }`, { id: bad }],
        [`query($id: ID!) { lineage(versionId: $id) { record } }`, { id: bad }],
        [`query($ids: [ID!]!) { compareRuns(ids: $ids) { bestRunId } }`, { ids: [runId, bad] }],
        [`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id: bad }],
        [`mutation($id: ID!) { setTags(runId: $id, tags: ["a"]) { id } }`, { id: bad }],
        [
          `mutation($id: ID!) { createModelVersion(runId: $id, modelName: "x") { id } }`,
          { id: bad },
        ],
        [
          `mutation($id: ID!) { promoteModelVersion(versionId: $id, alias: "staging", reason: "r") { id } }`,
          { id: bad },
        ],
        [`mutation($id: ID!) { archiveModelVersion(versionId: $id) { id } }`, { id: bad }],
        [
          START_RUN,
          {
            input: {
              backboneId: bad,
              datasetId,
              surgery: {},
              train: { mode: 'feature-extraction' },
            },
          },
        ],
      ];
      for (const [query, variables] of byId) {
        const r = await gql(query, variables);
        expect({ query, code: code(r) }).toEqual({ query, code: 'NOT_FOUND' });
        expect(r.errors![0]!.message).toMatch(/'not-a-uuid' not found/);
      }

      const oneClass = await gql(CREATE_DATASET, {
        input: { name: 'only-fives', builtin: { mnistDigits: [5], limit: 50 } },
      });
      expect(code(oneClass)).toBe('BAD_USER_INPUT');

      const duplicateDataset = await gql(CREATE_DATASET, {
        input: { name: 'digits-5-6', builtin: { mnistDigits: [5, 6], limit: 50 } },
      });
      expect(code(duplicateDataset)).toBe('CONFLICT');

      const duplicateBackbone = await gql(
        `mutation($input: RegisterBackboneInput!) { registerBackbone(input: $input) { id } }`,
        { input: { name: 'lenet5-mnist04', sourceUri: `${server.url}/nowhere/model.json` } },
      );
      expect(code(duplicateBackbone)).toBe('CONFLICT');

      // A server folder is read only where API and user share a machine (embedded mode).
      const folder = await gql(
        `mutation($input: RegisterBackboneInput!) { registerBackbone(input: $input) { id } }`,
        { input: { name: 'from-a-folder', sourceUri: '/etc' } },
      );
      if (setup.config.database.kind === 'postgres') {
        expect(code(folder)).toBe('BAD_USER_INPUT');
        expect(folder.errors?.[0]?.message).toMatch(/only read in embedded mode/);
      } else {
        expect(folder.errors?.[0]?.message).toMatch(/could not load a tfjs LayersModel/);
      }

      // A run versions at most once.
      const again = await gql(
        `mutation($id: ID!) { createModelVersion(runId: $id, modelName: "digits-classifier") { id } }`,
        { id: runId },
      );
      expect(code(again)).toBe('CONFLICT');
    });

    it('codes and masks errors over WebSocket as over HTTP', async () => {
      const ws = (query: string, variables?: Record<string, unknown>) =>
        wsResult(server.url, authorization, query, variables);
      const unknown = await ws(`subscription($id: ID!) { runProgress(runId: $id) { status } }`, {
        id: 'not-a-uuid',
      });
      expect(unknown.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
      const invalid = await ws(`{ runs { nope } }`);
      expect(invalid.errors?.[0]?.message).toMatch(/Cannot query field "nope"/);

      // A real internal failure: the table behind Run.epochs is gone for a moment.
      const query = `query($id: ID!) { run(id: $id) { id epochs { epoch } } }`;
      await server.database.pool.query('alter table run_epochs rename to run_epochs_hidden');
      try {
        for (const r of [await gql(query, { id: runId }), await ws(query, { id: runId })]) {
          expect(r.errors?.[0]).toMatchObject({
            message: 'Internal server error',
            extensions: { code: 'INTERNAL_SERVER_ERROR' },
          });
          expect(JSON.stringify(r)).not.toMatch(/run_epochs|select|relation/i);
        }
      } finally {
        await server.database.pool.query('alter table run_epochs_hidden rename to run_epochs');
      }
    });
  });
}
