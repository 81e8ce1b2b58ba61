/** What the browser tests find in the platform: keys, a dataset, three runs, a model with versions. */
import { apiData } from './platform.js';

export interface Seeded {
  viewerKey: string;
  editorKey: string;
  backboneId: string;
  datasetId: string;
  /** Feature extraction, whole backbone frozen, head lr 1e-3. */
  runA: string;
  /** Fine-tuning: LeNet's last block trainable at 1e-4 after the head at 3e-3. */
  runB: string;
  /**
   * Run B with two settings changed, for the comparison: frozen up to conv2 (B freezes conv1 and
   * pool1, the first block) and fine-tuned at 3e-4. Everything else is B's: backbone, dataset,
   * mode, head, epochs, head learning rate, seed, batch size.
   */
  runC: string;
  modelName: string;
  /** Version 1 (run A), holds `production`. */
  versionA: string;
  /** Version 2 (run B), no alias. */
  versionB: string;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export async function waitForRun(apiUrl: string, key: string, id: string, ms = 150_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const { run } = await apiData<{ run: { status: string; error: string | null } }>(
      apiUrl,
      key,
      `query($id: ID!) { run(id: $id) { status error } }`,
      { id },
    );
    if (TERMINAL.has(run.status)) {
      if (run.status !== 'succeeded') throw new Error(`run ${id} ${run.status}: ${run.error}`);
      return;
    }
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.status} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function seed(apiUrl: string, maintainerKey: string): Promise<Seeded> {
  const q = <T>(query: string, variables: Record<string, unknown> = {}) =>
    apiData<T>(apiUrl, maintainerKey, query, variables);
  const key = async (name: string, role: string) =>
    (
      await q<{ createApiKey: { key: string } }>(
        `mutation($name: String!, $role: Role!) { createApiKey(name: $name, role: $role) { key } }`,
        { name, role },
      )
    ).createApiKey.key;
  const viewerKey = await key('vera (viewer)', 'viewer');
  const editorKey = await key('eddie (editor)', 'editor');
  const { backbones } = await q<{ backbones: { id: string; name: string }[] }>(
    `{ backbones { id name } }`,
  );
  const backboneId = backbones.find((b) => b.name === 'lenet5-mnist04')!.id;
  const { createDataset } = await q<{ createDataset: { id: string } }>(
    `mutation { createDataset(input: { name: "digits 5-6", builtin: { mnistDigits: [5, 6], limit: 400 } }) { id } }`,
  );
  const datasetId = createDataset.id;
  const start = async (surgery: unknown, train: unknown, tags: string[]) =>
    (
      await q<{ startRun: { id: string } }>(
        `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
        { input: { backboneId, datasetId, surgery, train, tags } },
      )
    ).startRun.id;
  const runA = await start(
    {},
    { mode: 'feature-extraction', epochs: 3, learningRate: 1e-3, engine: { workers: 0 } },
    ['baseline'],
  );
  const fineTune = (fineTuneLr: number) => ({
    mode: 'fine-tuning',
    epochs: 2,
    learningRate: 3e-3,
    fineTune: { epochs: 2, learningRate: fineTuneLr },
    engine: { workers: 0 },
  });
  const runB = await start({ freeze: { kind: 'allButLastBlocks', blocks: 1 } }, fineTune(1e-4), [
    'fine-tune',
  ]);
  const runC = await start({ freeze: { kind: 'upTo', layer: 'conv2' } }, fineTune(3e-4), [
    'fine-tune',
  ]);
  await waitForRun(apiUrl, maintainerKey, runA);
  await waitForRun(apiUrl, maintainerKey, runB);
  await waitForRun(apiUrl, maintainerKey, runC);
  const modelName = 'digits';
  const version = async (runId: string) =>
    (
      await q<{ createModelVersion: { id: string } }>(
        `mutation($runId: ID!, $name: String!) { createModelVersion(runId: $runId, modelName: $name) { id } }`,
        { runId, name: modelName },
      )
    ).createModelVersion.id;
  const versionA = await version(runA);
  const versionB = await version(runB);
  await q(
    `mutation($id: ID!) { promoteModelVersion(versionId: $id, alias: "production", reason: "first model") { id } }`,
    { id: versionA },
  );
  return {
    viewerKey,
    editorKey,
    backboneId,
    datasetId,
    runA,
    runB,
    runC,
    modelName,
    versionA,
    versionB,
  };
}
