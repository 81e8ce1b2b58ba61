import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../env.js';
import { createTempPostgresDatabase, type TempPostgresDatabase } from '../testing/postgres.js';
import { createTempDir } from '../testing/tempDir.js';
import { createDatabase, type Database } from './index.js';
import { backbones, datasets, modelVersions, registeredModels, runEpochs, runs } from './schema.js';

const backboneRow = {
  name: 'mobilenet_v2',
  family: 'mobilenet',
  sourceUri: 'npm:nsfwjs@4.4.0/mobilenet_v2',
  topologySha256: 'a'.repeat(64),
  weightsSha256: 'b'.repeat(64),
  inputShape: [224, 224, 3] as [number, number, number],
  preprocessing: { scale: 1 / 255, offset: 0, channels: 3 as const },
  layers: [
    { name: 'input_1', className: 'InputLayer', outputShape: [224, 224, 3], params: 0 },
    { name: 'Conv1', className: 'Conv2D', outputShape: [112, 112, 32], params: 864 },
  ],
  blockEnds: ['block_1_add'],
  lastFeatureLayer: 'out_relu',
};

/** The same checks on both drivers: migrations applied, typed round trips, constraints. */
function roundTripSuite(open: () => Promise<{ database: Database; cleanup(): Promise<void> }>) {
  let database: Database;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ database, cleanup } = await open());
  });
  afterAll(async () => {
    await database?.close();
    await cleanup?.();
  });

  it('applies the migrations', async () => {
    const { rows } = await database.pool.query<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'alias_events',
      'api_keys',
      'artifacts',
      'backbones',
      'datasets',
      'model_aliases',
      'model_versions',
      'registered_models',
      'run_epochs',
      'runs',
    ]);
  });

  it('round-trips jsonb, numeric, arrays and enums', async () => {
    const { db } = database;
    const [backbone] = await db.insert(backbones).values(backboneRow).returning();
    const [dataset] = await db
      .insert(datasets)
      .values({
        name: 'mnist[0-4]',
        classes: ['0', '1', '2', '3', '4'],
        counts: { train: 800, validation: 100, test: 100 },
        contentHash: 'c'.repeat(64),
        source: { kind: 'builtin', name: 'mnist-digits', options: { digits: [0, 1, 2, 3, 4] } },
      })
      .returning();
    const [run] = await db
      .insert(runs)
      .values({
        backboneId: backbone!.id,
        datasetId: dataset!.id,
        surgery: { request: { inputShape: [96, 96, 3] } as never },
        train: { mode: 'fine-tuning' } as never,
        mode: 'fine-tuning',
        headLr: 0.001,
        fineTuneLr: 1e-5,
        tags: ['baseline', 'mnist'],
      })
      .returning();
    await db.insert(runEpochs).values([
      { runId: run!.id, phase: 'head', phaseIndex: 0, epoch: 1, loss: 0.5, seconds: 1.5 },
      { runId: run!.id, phase: 'head', phaseIndex: 0, epoch: 2, loss: 0.25, seconds: 1.25 },
    ]);

    const found = await db.query.runs.findFirst({ where: eq(runs.id, run!.id) });
    expect(found).toMatchObject({
      status: 'queued',
      mode: 'fine-tuning',
      headLr: 0.001,
      fineTuneLr: 1e-5,
      tags: ['baseline', 'mnist'],
      attempt: 0,
      log: '',
    });
    expect(found!.createdAt).toBeInstanceOf(Date);
    const [storedBackbone] = await db
      .select()
      .from(backbones)
      .where(eq(backbones.id, backbone!.id));
    expect(storedBackbone!.layers).toEqual(backboneRow.layers);
    expect(storedBackbone!.inputShape).toEqual([224, 224, 3]);

    const epochs = await db
      .select()
      .from(runEpochs)
      .where(eq(runEpochs.runId, run!.id))
      .orderBy(asc(runEpochs.epoch));
    expect(epochs.map((e) => e.loss)).toEqual([0.5, 0.25]);

    const tagged = await db
      .select({ id: runs.id })
      .from(runs)
      .where(sql`${runs.tags} @> array['mnist']::text[]`);
    expect(tagged).toEqual([{ id: run!.id }]);

    // A run yields at most one model version.
    const [model] = await db.insert(registeredModels).values({ name: 'digits' }).returning();
    await db.insert(modelVersions).values({ modelId: model!.id, version: 1, runId: run!.id });
    const duplicate = db
      .insert(modelVersions)
      .values({ modelId: model!.id, version: 2, runId: run!.id });
    await expect(duplicate).rejects.toMatchObject({ cause: { code: '23505' } });
  });

  it('rejects a duplicate backbone name with a unique violation', async () => {
    await expect(database.db.insert(backbones).values(backboneRow)).rejects.toMatchObject({
      cause: { code: '23505', constraint: 'backbones_name_unique' },
    });
  });

  it('reapplying migrations is a no-op', async () => {
    const { applyMigrations } = await import('./index.js');
    await applyMigrations(database.pool);
    const { rows } = await database.pool.query('select count(*)::int as n from backbones');
    expect(rows[0].n).toBe(1);
  });
}

describe('database on PGlite (served over the wire protocol)', () => {
  roundTripSuite(async () => {
    const dir = await createTempDir();
    const config: DatabaseConfig = {
      kind: 'pglite',
      dataDir: `${dir.path}/db`,
      socketPort: 0,
      poolMax: 4,
    };
    const database = await createDatabase(config);
    return { database, cleanup: dir.remove };
  });
});

describe('database on Postgres', () => {
  roundTripSuite(async () => {
    const temp: TempPostgresDatabase = await createTempPostgresDatabase();
    const database = await createDatabase({ kind: 'postgres', url: temp.url, poolMax: 4 });
    return { database, cleanup: temp.drop };
  });
});

describe('PGlite transactions over the socket', () => {
  let database: Database;
  let dir: { path: string; remove(): Promise<void> };
  beforeAll(async () => {
    dir = await createTempDir();
    database = await createDatabase({
      kind: 'pglite',
      dataDir: `${dir.path}/db`,
      socketPort: 0,
      poolMax: 4,
    });
  });
  afterAll(async () => {
    await database?.close();
    await dir?.remove();
  });

  it('keeps a rolled-back transaction from swallowing another connection’s write', async () => {
    const { db } = database;
    const rolledBack = db
      .transaction(async (tx) => {
        await tx.insert(registeredModels).values({ name: 'in-tx' });
        await new Promise((resolve) => setTimeout(resolve, 200));
        throw new Error('abort');
      })
      .catch((error: Error) => error.message);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Waits for the transaction (PGlite serialises), then commits on its own.
    await db.insert(registeredModels).values({ name: 'outside' });
    expect(await rolledBack).toBe('abort');
    const names = await db.select({ name: registeredModels.name }).from(registeredModels);
    expect(names).toEqual([{ name: 'outside' }]);
  });

  it('refuses a second opener of the same data folder', async () => {
    await expect(
      createDatabase({ kind: 'pglite', dataDir: `${dir.path}/db`, socketPort: 0, poolMax: 1 }),
    ).rejects.toThrow(/in use by process/);
  });
});
