import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The API's own test fixture (a real embedded API: PGlite, S3 server, worker).
import { startTestServer, type TestServer } from '@graft/api/testing/apiServer';

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

/** `script` from util-linux runs a command under a pseudo-terminal (Debian's bsdutils has it). */
const SCRIPT = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Runs `graft` on a pseudo-terminal (`script -qefc`: quiet, flush, the child's exit code), so
 * that its stdout is a TTY, as for a person at a terminal. stdout and stderr both arrive in the
 * captured terminal output, with CRLF line ends.
 */
function graftInTerminal(args: string[]): Promise<{ code: number; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const command = [process.execPath, MAIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qefc', command, '/dev/null'], {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: dir,
        GRAFT_CONFIG: join(dir, 'config.json'),
        GRAFT_URL: api.server.url,
        GRAFT_KEY: key,
      },
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 25_000,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

async function gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const res = await api.gql<T>(query, variables);
  expect(res.errors).toBeUndefined();
  return res.data!;
}

/** A head that barely trains (learning rate 1e-7, one epoch): a much worse run than GOOD_SPEC's. */
const WEAK_SPEC = {
  backbone: 'lenet5-mnist04',
  dataset: 'digits-5-6',
  train: {
    mode: 'feature-extraction',
    epochs: 1,
    learningRate: 1e-7,
    earlyStopping: false,
    engine: { workers: 0 },
  },
  tags: ['cli-weak'],
};

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
  let weakRunId: string;

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

  it('watches a run as JSON lines (--json): one progress event a line, to the end', async () => {
    const spec = join(dir, 'weak.json');
    await writeFile(spec, JSON.stringify(WEAK_SPEC));
    const started = await graft(['run', 'start', '-f', spec, '--json']);
    expect(started.code).toBe(0);
    weakRunId = (JSON.parse(started.stdout) as { startRun: { id: string } }).startRun.id;

    const watched = await graft(['run', 'watch', weakRunId, '--json']);
    expect(watched.stderr).toBe('');
    expect(watched.code).toBe(0);
    const lines = watched.stdout.trimEnd().split('\n');
    // Only events: no header, no summary line.
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.length).toBeGreaterThanOrEqual(2);
    for (const e of events) {
      expect(e['runId']).toBe(weakRunId);
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['status', 'epoch', 'imagesPerSec']));
    }
    // Statuses only move forward, and the stream ends with the run.
    const order = ['queued', 'running', 'succeeded'];
    const ranks = events.map((e) => order.indexOf(e['status'] as string));
    expect(ranks).not.toContain(-1);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(events.at(-1)).toMatchObject({
      status: 'succeeded',
      stage: 'train',
      epoch: 1,
      epochs: 1,
    });
    expect(events.some((e) => ((e['imagesPerSec'] as number | null) ?? 0) > 0)).toBe(true);
  });

  it.runIf(SCRIPT)('draws a progress bar on a terminal', async () => {
    const spec = join(dir, 'spec.json');
    const started = await graft(['run', 'start', '-f', spec, '--json']);
    const id = (JSON.parse(started.stdout) as { startRun: { id: string } }).startRun.id;

    const { code, output: raw } = await graftInTerminal(['run', 'watch', id]);
    expect(code, raw).toBe(0);
    // Escape characters made visible, to match the terminal's control sequences.
    const output = raw.replaceAll('\x1b', '<ESC>');
    // cli-progress hides the cursor, redraws its line in place (cursor to column 1, erase to
    // the end of the line) and shows the cursor again.
    expect(output).toContain('<ESC>[?25l');
    expect(output).toContain('<ESC>[?25h');
    const draws = [...output.matchAll(/<ESC>\[1G([=-]{24}) (\d+)% {2}(.*?)<ESC>\[0K/g)];
    expect(draws.length, output).toBeGreaterThanOrEqual(2);
    const percents = draws.map((d) => Number(d[2]));
    expect(percents[0]).toBeLessThan(100); // drawn while the run was queued or running
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    const last = draws.at(-1)!;
    expect(last[1]).toBe('='.repeat(24));
    expect(last[2]).toBe('100');
    // On a terminal the status is coloured (green), and the info has the epoch, loss and speed.
    expect(last[3]).toMatch(
      /^<ESC>\[32msucceeded {2}train\/head {2}epoch 2\/2 .*loss \d.*img\/s<ESC>\[39m$/,
    );
    // One line for the header, the bar redrawn in place, one for the summary: no line per event.
    const lines = output.split(/\r?\n/).filter(Boolean);
    expect(lines, output).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(`^Run ${id}: feature-extraction, lenet5-mnist04 on digits-5-6`),
    );
    expect(lines[2]).toMatch(
      new RegExp(`^Run ${id} <ESC>\\[32msucceeded<ESC>\\[39m: best val accuracy \\d+\\.\\d%`),
    );
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
    type Page = { runs: { items: { id: string; status: string; testAccuracy: number | null }[] } };
    const best = (JSON.parse(succeeded.stdout) as Page).runs.items;
    expect(best.every((r) => r.status === 'succeeded')).toBe(true);
    expect(best.map((r) => r.id)).toEqual(expect.arrayContaining([runId, weakRunId]));
    expect(cancelled.stdout).not.toContain(runId);
    expect(cancelled.stdout).toMatch(/ cancelled /);
    expect((JSON.parse(limited.stdout) as Page).runs.items).toHaveLength(1);
    expect(none.stdout).toBe('No runs.\n');
    expect(unknown.code).toBe(4);
  });

  it('sorts runs best first, unfinished last (--sort)', async () => {
    type Row = {
      id: string;
      status: string;
      bestValAccuracy: number | null;
      testAccuracy: number | null;
    };
    const page = async (...args: string[]) => {
      const r = await graft(['runs', 'ls', '--limit', '100', '--json', ...args]);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { runs: { items: Row[] } }).runs.items;
    };
    const [byDate, byTest, byVal, table] = await Promise.all([
      page(),
      page('--sort', 'testAccuracy'),
      page('--sort', 'bestValAccuracy'),
      graft(['runs', 'ls', '--status', 'succeeded', '--sort', 'testAccuracy']),
    ]);
    // The weak run is newer than the good one, so newest first puts it before...
    const ids = byDate.map((r) => r.id);
    expect(ids.indexOf(weakRunId)).toBeLessThan(ids.indexOf(runId));
    // ...and best first after it: the order comes from the metric, not from the dates.
    for (const [rows, metric] of [
      [byTest, 'testAccuracy'],
      [byVal, 'bestValAccuracy'],
    ] as const) {
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
      const values = rows.map((r) => r[metric]);
      const known = values.filter((v): v is number => v !== null);
      expect(new Set(known).size, `${metric}: distinct values to order`).toBeGreaterThanOrEqual(2);
      expect(known).toEqual([...known].sort((a, b) => b - a));
      // Runs without the metric (the cancelled one) come last.
      expect(values.slice(known.length).every((v) => v === null)).toBe(true);
      expect(values.slice(0, known.length).every((v) => v !== null)).toBe(true);
      expect(values.at(-1)).toBeNull();
      const at = rows.map((r) => r.id);
      expect(at.indexOf(runId), metric).toBeLessThan(at.indexOf(weakRunId));
    }
    // The table keeps that order.
    const lines = table.stdout.trimEnd().split('\n').slice(1);
    const testAcc = lines.map((l) => Number(/ (\d+\.\d)% +(\d+\.\d)% /.exec(l)?.[2]));
    expect(testAcc).toEqual(
      byTest
        .filter((r) => r.status === 'succeeded')
        .map((r) => Number((r.testAccuracy! * 100).toFixed(1))),
    );
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
      `mutation { createApiKey(name: "v", role: viewer) { key } }`,
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

  it('fine-tunes a registered version from a spec ("from": model@alias), which the lineage shows', async () => {
    const spec = join(dir, 'from.json');
    await writeFile(
      spec,
      JSON.stringify({
        from: 'digits@production',
        datasetId,
        train: { mode: 'feature-extraction', epochs: 1, engine: { workers: 0 } },
      }),
    );
    const started = await graft(['run', 'start', '-f', spec, '--watch']);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/: digits\.v1 on digits-5-6/);
    const childRun = /Started run ([0-9a-f-]{36})/.exec(started.stdout)![1]!;
    await gql(`mutation($id: ID!) { createModelVersion(runId: $id, modelName: "digits") { id } }`, {
      id: childRun,
    });
    const tree = await graft(['lineage', 'digits@1']);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(/fine-tuned into[\s\S]*digits v2/);

    await writeFile(spec, JSON.stringify({ from: 'digits', backbone: 'x', datasetId, train: {} }));
    const bad = await graft(['run', 'start', '-f', spec]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/from: must be <model>@<alias\|version>/);
    expect(bad.stderr).toMatch(/backbone: give either from or backbone, not both/);
  });
});

describe('graft (server errors)', () => {
  // Real faults of the real API, no mock: the database loses a table a request needs (as a bad
  // migration or a restore in progress would do), then gets it back.
  async function withoutTable<T>(table: string, work: () => Promise<T>): Promise<T> {
    const pool = api.server.database.pool;
    await pool.query(`ALTER TABLE ${table} RENAME TO ${table}_unavailable`);
    try {
      return await work();
    } finally {
      await pool.query(`ALTER TABLE ${table}_unavailable RENAME TO ${table}`);
    }
  }

  it('exits 1 on a masked INTERNAL_SERVER_ERROR (a resolver failing)', async () => {
    const r = await withoutTable('backbones', () => graft(['backbones', 'ls']));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: server error \(INTERNAL_SERVER_ERROR\): /);
    // Masked: nothing of the SQL error reaches the client.
    expect(r.stderr).not.toMatch(/backbones_unavailable|relation|does not exist|select/i);
    expect((await graft(['backbones', 'ls'])).code).toBe(0);
  });

  it('exits 1 on an HTTP 500 (the key cannot be checked)', async () => {
    const [raw, r] = await withoutTable('api_keys', async () => {
      const response = await fetch(`${api.server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify({ query: '{ me { name } }' }),
      });
      return [
        { status: response.status, body: await response.text() },
        await graft(['models', 'ls']),
      ] as const;
    });
    expect(raw.status).toBe(500);
    const body = JSON.parse(raw.body) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0]?.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: server error \(INTERNAL_SERVER_ERROR\): /);
    expect(r.stderr).not.toMatch(/api_keys_unavailable|relation|does not exist/i);
    expect((await graft(['models', 'ls'])).code).toBe(0);
  });
});
