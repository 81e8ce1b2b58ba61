import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The API's own test fixture, by relative path: @graft/api's exports do not expose dist/testing.
import { startTestServer, type TestServer } from '../../api/dist/testing/apiServer.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

let api: TestServer;
let dir: string;
let key: string;
let datasetId: string;

/**
 * Runs the built `graft` binary as a child process (asynchronously: the API answers from this
 * process), with its own config file and no inherited colour settings.
 */
function graft(args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  const base: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: dir,
    GRAFT_CONFIG: join(dir, 'config.json'),
    GRAFT_URL: api.server.url,
    GRAFT_KEY: key,
  };
  const merged = { ...base, ...env };
  const childEnv = Object.fromEntries(
    Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined),
  );
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { env: childEnv, cwd: dir, timeout: 25_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The exit codes of several independent invocations, run in parallel. */
async function codes(...invocations: string[][]): Promise<number[]> {
  return (await Promise.all(invocations.map((args) => graft(args)))).map((r) => r.code);
}

async function gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await api.gql<T>(query, variables);
  expect(res.errors).toBeUndefined();
  return res.data!;
}

const GOOD_SPEC = {
  backbone: 'lenet5-mnist04',
  dataset: 'digits-5-6',
  surgery: {},
  train: { mode: 'feature-extraction', epochs: 2, engine: { workers: 0 } },
  tags: ['cli-test'],
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'graft-cli-'));
  api = await startTestServer({ worker: true });
  key = api.authorization.replace(/^Bearer /, '');
  const ds = await gql<{ createDataset: { id: string } }>(
    `mutation { createDataset(input: { name: "digits-5-6", builtin: { mnistDigits: [5, 6], limit: 300 } }) { id } }`,
  );
  datasetId = ds.createDataset.id;
});

afterAll(async () => {
  await api?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('graft (usage)', () => {
  it('documents every command and the exit codes', async () => {
    const r = await graft(['--help']);
    expect(r.code).toBe(0);
    for (const name of ['login', 'backbones ls', 'layers', 'runs ls', 'run start', 'run watch']) {
      expect(r.stdout).toContain(name);
    }
    expect(r.stdout).toMatch(/exit codes:[\s\S]*3 {2}validation error/);
    const sub = await graft(['models', 'promote', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--reason');
  });

  it('exits 2 on usage errors', async () => {
    const unknown = await graft(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(
      await codes(
        ['runs', 'ls', '--status', 'bogus'],
        ['runs', 'ls', '--nope'],
        ['layers'],
        ['run', 'start'],
        ['models', 'promote', 'm', '1', '--alias', 'production'],
      ),
    ).toEqual([2, 2, 2, 2, 2]);
  });
});

describe('graft login', () => {
  it('refuses a bad key (5) and stores a good one with mode 0600', async () => {
    const noEnv = { GRAFT_URL: undefined, GRAFT_KEY: undefined };
    const bad = await graft(['login', '--url', api.server.url, '--key', 'graft_nope'], noEnv);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toMatch(/invalid or revoked/);

    const notLoggedIn = await graft(['backbones', 'ls'], noEnv);
    expect(notLoggedIn.code).toBe(5);
    expect(notLoggedIn.stderr).toContain('graft login');

    const ok = await graft(['login', '--url', api.server.url, '--key', key], noEnv);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('as maintainer (maintainer)');
    const path = join(dir, 'config.json');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ url: api.server.url, key });

    // The stored config alone is enough; GRAFT_KEY overrides it.
    expect((await graft(['backbones', 'ls'], noEnv)).code).toBe(0);
    expect(
      (await graft(['backbones', 'ls'], { GRAFT_URL: undefined, GRAFT_KEY: 'graft_bad' })).code,
    ).toBe(5);
  });

  it('exits 1 when the API cannot be reached', async () => {
    const r = await graft(['backbones', 'ls'], { GRAFT_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach the API');
  });
});

describe('graft backbones / layers', () => {
  it('lists backbones as an aligned table and as JSON', async () => {
    const r = await graft(['backbones', 'ls']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME +FAMILY +INPUT +LAYERS +PARAMS +CUT AT +ID$/);
    const lenet = lines.find((l) => l.startsWith('lenet5-mnist04'))!;
    expect(lenet).toContain('[28, 28, 1]');
    // Aligned: every row's ID column starts where the header's does.
    const idAt = lines[0]!.indexOf('ID');
    for (const line of lines.slice(1)) expect(line.slice(idAt)).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.stdout).not.toContain('\x1b['); // no colours when not a TTY

    const json = await graft(['backbones', 'ls', '--json']);
    expect(json.code).toBe(0);
    const data = JSON.parse(json.stdout) as { backbones: { name: string }[] };
    expect(data.backbones.map((b) => b.name)).toContain('lenet5-mnist04');
  });

  it("prints a backbone's layer table; unknown backbone exits 4", async () => {
    const r = await graft(['layers', 'lenet5-mnist04']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAME +CLASS +OUTPUT SHAPE +PARAMS +NOTE$/m);
    expect(r.stdout).toMatch(/^conv1 +Conv2D +\[28, 28, 32\] +832$/m);
    expect(r.stdout).toMatch(/^flatten +Flatten +\[3136\] +0 +default cut/m);
    const json = JSON.parse((await graft(['layers', 'lenet5-mnist04', '--json'])).stdout) as {
      backbone: { layers: { name: string; params: number }[] };
    };
    expect(json.backbone.layers.find((l) => l.name === 'conv1')?.params).toBe(832);

    const missing = await graft(['layers', 'no-such-backbone']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain("no backbone named or with id 'no-such-backbone'");
  });
});

describe('graft run / runs / models / lineage', () => {
  let runId: string;

  it('prints validation errors per field (3) and unknown names (4)', async () => {
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ ...GOOD_SPEC, surgery: { cutAt: 'block_99' } }));
    const r = await graft(['run', 'start', '-f', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^surgery\.cutAt: unknown layer 'block_99'/m);

    const lr = join(dir, 'lr.json');
    await writeFile(
      lr,
      JSON.stringify({
        ...GOOD_SPEC,
        surgery: { freeze: { kind: 'allButLastBlocks', blocks: 1 } },
        train: { mode: 'fine-tuning', fineTune: { learningRate: 0.1 } },
      }),
    );
    const lrGuard = await graft(['run', 'start', '-f', lr]);
    expect(lrGuard.code).toBe(3);
    expect(lrGuard.stderr).toMatch(/^train\.fineTune\.learningRate: /m);

    const local = join(dir, 'local.json');
    await writeFile(local, JSON.stringify({ backbone: 'lenet5-mnist04', extra: 1 }));
    const shape = await graft(['run', 'start', '-f', local]);
    expect(shape.code).toBe(3);
    expect(shape.stderr).toMatch(/^extra: unknown field/m);
    expect(shape.stderr).toMatch(/^datasetId: required/m);

    const unknown = join(dir, 'unknown.json');
    await writeFile(unknown, JSON.stringify({ ...GOOD_SPEC, dataset: 'nope' }));
    expect((await graft(['run', 'start', '-f', unknown])).code).toBe(4);
    expect((await graft(['run', 'start', '-f', join(dir, 'missing.json')])).code).toBe(2);
  });

  it('starts a run and watches it to success (0) with progress', async () => {
    const spec = join(dir, 'spec.json');
    await writeFile(spec, JSON.stringify({ ...GOOD_SPEC, dataset: undefined, datasetId }));
    const started = await graft(['run', 'start', '-f', spec, '--json']);
    expect(started.code).toBe(0);
    runId = (JSON.parse(started.stdout) as { startRun: { id: string } }).startRun.id;

    const watched = await graft(['run', 'watch', runId]);
    expect(watched.stderr).toBe('');
    expect(watched.code).toBe(0);
    expect(watched.stdout).toMatch(/epoch \d\/2/);
    expect(watched.stdout).toMatch(/loss \d/);
    expect(watched.stdout).toMatch(/img\/s/);
    expect(watched.stdout).toMatch(/succeeded: best val accuracy \d+\.\d%/);
  });

  it('exits 7 when the watched run was cancelled, 4 for an unknown run', async () => {
    const spec = join(dir, 'spec.json');
    const started = await graft(['run', 'start', '-f', spec, '--json']);
    const id = (JSON.parse(started.stdout) as { startRun: { id: string } }).startRun.id;
    await gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id });
    const watched = await graft(['run', 'watch', id]);
    expect(watched.code).toBe(7);
    expect(watched.stdout).toContain('cancelled');

    expect(
      await codes(['run', 'watch', '00000000-0000-0000-0000-000000000000'], ['run', 'watch', 'x']),
    ).toEqual([4, 4]);
  });

  it('lists runs with filters and sorting', async () => {
    const [all, succeeded, cancelled, limited, none, unknown] = await Promise.all([
      graft(['runs', 'ls']),
      graft(['runs', 'ls', '--status', 'succeeded', '--sort', 'testAccuracy', '--json']),
      graft([
        'runs',
        '--status',
        'cancelled',
        '--backbone',
        'lenet5-mnist04',
        '--dataset',
        'digits-5-6',
      ]),
      graft(['runs', 'ls', '--limit', '1', '--tag', 'cli-test', '--json']),
      graft(['runs', 'ls', '--tag', 'nope']),
      graft(['runs', 'ls', '--backbone', 'nope']),
    ]);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(
      /^ID +STATUS +MODE +BACKBONE +DATASET +VAL ACC +TEST ACC +CREATED +TAGS$/m,
    );
    expect(all.stdout).toMatch(
      new RegExp(
        `^${runId} +succeeded +feature-extraction +lenet5-mnist04 +digits-5-6 +\\d+\\.\\d% +\\d+\\.\\d% .* cli-test$`,
        'm',
      ),
    );
    type Page = { runs: { items: { id: string; status: string }[] } };
    expect((JSON.parse(succeeded.stdout) as Page).runs.items.map((r) => r.id)).toEqual([runId]);
    expect(cancelled.stdout).not.toContain(runId);
    expect(cancelled.stdout).toMatch(/ cancelled /);
    expect((JSON.parse(limited.stdout) as Page).runs.items).toHaveLength(1);
    expect(none.stdout).toBe('No runs.\n');
    expect(unknown.code).toBe(4);
  });

  it('lists models and promotes a version; viewers are forbidden (6); unknown model (4)', async () => {
    await gql(`mutation($id: ID!) { createModelVersion(runId: $id, modelName: "digits") { id } }`, {
      id: runId,
    });
    const promote = await graft([
      'models',
      'promote',
      'digits',
      '1',
      '--alias',
      'production',
      '--reason',
      'ci: first',
    ]);
    expect(promote.stderr).toBe('');
    expect(promote.code).toBe(0);
    expect(promote.stdout).toBe('digits@production -> v1\n');

    const viewer = await gql<{ createApiKey: { key: string } }>(
      `mutation { createApiKey(name: "v", role: "viewer") { key } }`,
    );
    const asViewer = { GRAFT_KEY: viewer.createApiKey.key };
    const [ls, json, denied, viewerLs, unknown, noVersion] = await Promise.all([
      graft(['models', 'ls']),
      graft(['models', 'ls', '--json']),
      graft(['models', 'promote', 'digits', '1', '--alias', 'staging', '--reason', 'no'], asViewer),
      graft(['models', 'ls'], asViewer),
      graft(['models', 'promote', 'nope', '1', '--alias', 'production', '--reason', 'x']),
      graft(['models', 'promote', 'digits', 'v9', '--alias', 'production', '--reason', 'x']),
    ]);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^digits +1 +v1 +production=v1 /m);
    const models = (JSON.parse(json.stdout) as { models: { aliases: { alias: string }[] }[] })
      .models;
    expect(models[0]?.aliases.map((a) => a.alias)).toEqual(['production']);
    expect(denied.code).toBe(6);
    expect(denied.stderr).toMatch(/^error: /);
    expect(viewerLs.code).toBe(0);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain("model 'nope' not found");
    expect(noVersion.code).toBe(4);
    expect(noVersion.stderr).toContain("model 'digits' has no version 9");
  });

  it('prints the lineage tree of name@alias and name@version', async () => {
    const { backbones } = await gql<{ backbones: { name: string; weightsSha256: string }[] }>(
      '{ backbones { name weightsSha256 } }',
    );
    const sha = backbones.find((b) => b.name === 'lenet5-mnist04')!.weightsSha256;
    const r = await graft(['lineage', 'digits@production']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toContain(`lenet5-mnist04 (lenet, weights sha256 ${sha})`);
    expect(lines[1]).toMatch(/^dataset +digits-5-6 \(2 classes: 5, 6;/);
    expect(lines[2]).toMatch(
      new RegExp(`^└─ run ${runId} \\(feature-extraction, \\d+ frozen layers, lr head 0\\.001`),
    );
    expect(lines[3]).toBe('   └─ version digits v1 [production]');
    const [byNumber, asJson] = await Promise.all([
      graft(['lineage', 'digits@1']),
      graft(['lineage', 'digits@v1', '--json']),
    ]);
    expect(byNumber.stdout).toBe(r.stdout);
    const json = JSON.parse(asJson.stdout) as {
      lineage: { run: { id: string } };
    };
    expect(json.lineage.run.id).toBe(runId);

    expect(
      await codes(
        ['lineage', 'digits@staging'],
        ['lineage', 'nope@production'],
        ['lineage', 'digits@'],
      ),
    ).toEqual([4, 4, 2]);
  });
});
