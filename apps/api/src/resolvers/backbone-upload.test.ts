/**
 * Backbones registered from an uploaded archive: the API keeps a copy in the object store, and
 * workers train from that copy (not from wherever the model first came from).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { architectures, DirectoryBlobStore, exportLayersModel, loadBackbone } from '@graft/core';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/apiServer.js';

let api: TestServer;
let work: string;

const REGISTER = `mutation($input: RegisterBackboneInput!) { registerBackbone(input: $input) {
  id name family sourceUri weightsSha256 inputShape lastFeatureLayer layers { name } } }`;
const code = (r: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  r.errors?.[0]?.extensions?.['code'];

async function upload(body: Buffer): Promise<string> {
  const res = await fetch(`${api.server.url}/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', authorization: api.authorization },
    body,
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

/** A .tar.gz of `files` (name -> content) inside one top folder. */
async function archiveOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  const root = await mkdtemp(path.join(work, 'archive-'));
  await mkdir(path.join(root, 'model'));
  for (const [name, content] of Object.entries(files))
    await writeFile(path.join(root, 'model', name), content);
  const file = `${root}.tar.gz`;
  await tar.c({ gzip: true, cwd: root, file }, ['model']);
  return readFile(file);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'graft-backbone-upload-'));
  api = await startTestServer({
    worker: true,
    env: { GRAFT_BACKBONE_URL_PREFIXES: 'https://models.example.com/' },
  });
});

afterAll(async () => {
  await api?.close();
  await rm(work, { recursive: true, force: true });
});

describe('backbones from uploads', () => {
  it('registers an uploaded tfjs model and trains a run from the stored copy', async () => {
    const modelDir = path.join(work, 'lenet-upload');
    const built = architectures.lenet5({ seed: 11, inputShape: [28, 28, 1], numClasses: 4 });
    await exportLayersModel({
      model: built.model,
      store: new DirectoryBlobStore({ root: modelDir, durable: false }),
      prefix: '',
    });
    built.model.dispose();
    const files = Object.fromEntries(
      await Promise.all(
        ['model.json', 'weights.bin'].map(
          async (f) => [f, await readFile(path.join(modelDir, f))] as const,
        ),
      ),
    );
    const key = await upload(await archiveOf(files));
    const r = await api.gql<{
      registerBackbone: { id: string; sourceUri: string; weightsSha256: string; layers: unknown[] };
    }>(REGISTER, {
      input: { name: 'uploaded-lenet', upload: { key }, lastFeatureLayer: built.lastFeatureLayer },
    });
    expect(r.errors).toBeUndefined();
    const core = await loadBackbone({ source: modelDir });
    expect(r.data!.registerBackbone).toMatchObject({
      sourceUri: `upload:${key}`,
      weightsSha256: core.fingerprint.weightsSha256,
    });
    expect(r.data!.registerBackbone.layers).toHaveLength(core.layerNames.length);
    // The folder it came from is gone: the worker can only train from the stored copy.
    await rm(modelDir, { recursive: true, force: true });

    const ds = await api.gql<{ createDataset: { id: string } }>(
      `mutation { createDataset(input: { name: "d56", builtin: { mnistDigits: [5, 6], limit: 200 } }) { id } }`,
    );
    const started = await api.gql<{ startRun: { id: string } }>(
      `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
      {
        input: {
          backboneId: r.data!.registerBackbone.id,
          datasetId: ds.data!.createDataset.id,
          surgery: {},
          train: { mode: 'feature-extraction', epochs: 2, engine: { workers: 0 } },
        },
      },
    );
    expect(started.errors).toBeUndefined();
    const id = started.data!.startRun.id;
    let run: { status: string; error: string | null; lineage: unknown } | undefined;
    for (let i = 0; i < 240; i++) {
      run = (
        await api.gql<{ run: typeof run }>(
          `query($id: ID!) { run(id: $id) { status error lineage } }`,
          { id },
        )
      ).data!.run;
      if (run!.status === 'succeeded' || run!.status === 'failed') break;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(run!.error).toBeNull();
    expect(run!.status).toBe('succeeded');
    expect(run!.lineage).toMatchObject({
      backbone: { sourceUri: `upload:${key}`, weightsSha256: core.fingerprint.weightsSha256 },
    });
  }, 120_000);

  it('refuses archives without a model, corrupt archives, unknown uploads and URLs outside the allowed prefixes', async () => {
    const noModel = await api.gql(REGISTER, {
      input: { name: 'no-model', upload: { key: await upload(await archiveOf({ 'x.txt': 'x' })) } },
    });
    expect(code(noModel)).toBe('BAD_USER_INPUT');
    expect(noModel.errors![0]!.message).toMatch(/no model.json/);

    const corrupt = await api.gql(REGISTER, {
      input: {
        name: 'corrupt',
        upload: { key: await upload(Buffer.from('not a tarball'.repeat(9))) },
      },
    });
    expect(code(corrupt)).toBe('BAD_USER_INPUT');
    expect(corrupt.errors![0]!.message).toMatch(/could not be read as .tar/);

    const unknown = await api.gql(REGISTER, {
      input: { name: 'ghost', upload: { key: `sha256/${'0'.repeat(64)}` } },
    });
    expect(code(unknown)).toBe('NOT_FOUND');

    const url = await api.gql(REGISTER, {
      input: { name: 'elsewhere', sourceUri: 'http://169.254.169.254/latest/model.json' },
    });
    expect(code(url)).toBe('BAD_USER_INPUT');
    expect(url.errors![0]!.message).toMatch(
      /must start with one of: https:\/\/models\.example\.com\//,
    );

    const both = await api.gql(REGISTER, {
      input: { name: 'both', sourceUri: '/tmp', upload: { key: 'sha256/x' } },
    });
    expect(code(both)).toBe('BAD_USER_INPUT');
    const names = await api.gql<{ backbones: { name: string }[] }>('{ backbones { name } }');
    const registered = names.data!.backbones.map((b) => b.name);
    for (const refused of ['no-model', 'corrupt', 'ghost', 'elsewhere', 'both'])
      expect(registered).not.toContain(refused);
  });
});
