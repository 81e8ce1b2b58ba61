import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/apiServer.js';

let api: TestServer;
let work: string;

/** A .tar.gz of 28x28 grayscale images: a bright square on the left ('left') or right ('right'). */
async function makeArchive(options: { corrupt?: boolean } = {}): Promise<Buffer> {
  const root = path.join(work, `set-${Math.random().toString(36).slice(2)}`);
  for (const cls of ['left', 'right']) {
    await mkdir(path.join(root, 'shapes', cls), { recursive: true });
    for (let i = 0; i < 30; i++) {
      const px = Buffer.alloc(28 * 28, 0);
      for (let y = 8; y < 20; y++)
        for (let x = 0; x < 10; x++)
          px[y * 28 + (cls === 'left' ? x + 2 : x + 16) + ((i % 3) - 1)] = 200 + (i % 50);
      await sharp(px, { raw: { width: 28, height: 28, channels: 1 } })
        .png()
        .toFile(path.join(root, 'shapes', cls, `${i}.png`));
    }
  }
  if (options.corrupt)
    await writeFile(path.join(root, 'shapes', 'left', 'broken.png'), Buffer.from('not a png'));
  const file = `${root}.tar.gz`;
  await tar.c({ gzip: true, cwd: root, file }, ['shapes']);
  return readFile(file);
}

async function upload(
  body: Buffer,
  authorization: string | null = api.authorization,
): Promise<Response> {
  return fetch(`${api.server.url}/uploads`, {
    method: 'POST',
    headers: {
      'content-type': 'application/octet-stream',
      ...(authorization ? { authorization } : {}),
    },
    body,
  });
}

const CREATE = `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id classes contentHash } }`;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'graft-archive-'));
  api = await startTestServer({ worker: true, env: { MAX_UPLOAD_BYTES: '300000' } });
});

afterAll(async () => {
  await api?.close();
  await rm(work, { recursive: true, force: true });
});

describe('uploaded dataset archives', () => {
  it('uploads a .tar.gz, registers it as a dataset, and trains on it', async () => {
    const archive = await makeArchive();
    const res = await upload(archive);
    expect(res.status).toBe(201);
    const stored = (await res.json()) as { key: string; bytes: number; sha256: string };
    expect(stored.bytes).toBe(archive.length);
    const created = await api.gql<{
      createDataset: { id: string; classes: string[]; contentHash: string };
    }>(CREATE, {
      input: { name: 'shapes', archive: { key: stored.key, filename: 'shapes.tar.gz' } },
    });
    expect(created.errors).toBeUndefined();
    expect(created.data!.createDataset.classes).toEqual(['left', 'right']);
    expect(created.data!.createDataset.contentHash).toBe(stored.sha256);

    const { data } = await api.gql<{ backbones: { id: string; name: string }[] }>(
      '{ backbones { id name } }',
    );
    const lenet = data!.backbones.find((b) => b.name === 'lenet5-mnist04')!;
    const started = await api.gql<{ startRun: { id: string } }>(
      `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
      {
        input: {
          backboneId: lenet.id,
          datasetId: created.data!.createDataset.id,
          surgery: {},
          train: {
            mode: 'feature-extraction',
            epochs: 3,
            learningRate: 0.01,
            engine: { workers: 0 },
          },
        },
      },
    );
    expect(started.errors).toBeUndefined();
    const id = started.data!.startRun.id;
    let run: { status: string; testAccuracy: number | null; error: string | null } | undefined;
    for (let i = 0; i < 120; i++) {
      run = (
        await api.gql<{ run: typeof run }>(
          `query($id: ID!) { run(id: $id) { status testAccuracy error } }`,
          { id },
        )
      ).data!.run;
      if (run!.status === 'succeeded' || run!.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(run!.error).toBeNull();
    expect(run!.status).toBe('succeeded');
    expect(run!.testAccuracy).toBeGreaterThan(0.8);
  });

  it('reports a corrupt archive and corrupt images by path, and keeps nothing', async () => {
    const garbage = await upload(Buffer.from('definitely not a tarball'.repeat(10)));
    const bad = await api.gql(CREATE, {
      input: { name: 'garbage', archive: { key: ((await garbage.json()) as { key: string }).key } },
    });
    expect(bad.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.message).toMatch(/could not be read as .tar/);

    const withBroken = await upload(await makeArchive({ corrupt: true }));
    const broken = await api.gql(CREATE, {
      input: {
        name: 'broken',
        archive: { key: ((await withBroken.json()) as { key: string }).key },
      },
    });
    expect(broken.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(broken.errors?.[0]?.message).toContain('shapes/left/broken.png');
    const names = (
      await api.gql<{ datasets: { name: string }[] }>('{ datasets { name } }')
    ).data!.datasets.map((d) => d.name);
    expect(names).not.toContain('broken');
    expect(names).not.toContain('garbage');
  });

  it('refuses uploads over the limit, without a key, and unknown keys', async () => {
    const stored = async () => (await api.server.store.list()).length;
    const before = await stored();
    const declared = await upload(Buffer.alloc(400_000, 1));
    expect(declared.status).toBe(413);
    expect(await declared.json()).toMatchObject({ code: 'BAD_USER_INPUT' });
    // Streamed without a content-length: refused once the limit is crossed, nothing kept.
    const chunk = Buffer.alloc(64 * 1024, 2);
    const streamed = await fetch(`${api.server.url}/uploads`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', authorization: api.authorization },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 7; i++) controller.enqueue(chunk);
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.json()).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(await stored()).toBe(before);
    expect((await upload(Buffer.from('x'), null)).status).toBe(401);
    const missing = await api.gql(CREATE, {
      input: { name: 'missing', archive: { key: `sha256/${'0'.repeat(64)}` } },
    });
    expect(missing.errors?.[0]?.extensions?.['code']).toBe('NOT_FOUND');
  });
});
