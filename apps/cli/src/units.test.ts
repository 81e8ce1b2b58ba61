import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCommand } from './cli.js';
import { errorOfGraphQL } from './client.js';
import { graphqlEndpoint, readConfig, resolveCredentials, writeConfig } from './config.js';
import { parseModelRef } from './commands/lineage.js';
import { parseVersionNumber } from './commands/models.js';
import { checkSpec, describeProgress, fractionOf } from './commands/run.js';
import { ExitCode } from './errors.js';
import { table, tree } from './format.js';

describe('format', () => {
  it('aligns table columns on plain text, colours or not', () => {
    const rows = [
      { a: 'x', n: '1' },
      { a: 'longer', n: '1,000' },
    ];
    const columns = [
      { header: 'NAME', value: (r: (typeof rows)[number]) => r.a, color: () => 'red' as const },
      { header: 'N', value: (r: (typeof rows)[number]) => r.n, align: 'right' as const },
    ];
    expect(table(rows, columns, false)).toBe('NAME        N\nx           1\nlonger  1,000');
    // eslint-disable-next-line no-control-regex
    const plain = table(rows, columns, true).replace(/\x1b\[\d+m/g, '');
    expect(plain).toBe(table(rows, columns, false));
  });

  it('draws trees', () => {
    expect(
      tree([{ label: 'a', children: [{ label: 'b' }, { label: 'c' }] }, { label: 'd' }]),
    ).toEqual(['├─ a', '│  ├─ b', '│  └─ c', '└─ d']);
  });
});

describe('arguments', () => {
  it('finds commands and group defaults', () => {
    expect(findCommand(['runs']).command.name).toBe('runs ls');
    expect(findCommand(['runs', '--status', 'failed']).args).toEqual(['--status', 'failed']);
    expect(findCommand(['run', 'watch', 'x']).args).toEqual(['x']);
    expect(() => findCommand(['run'])).toThrow(/missing sub-command/);
    expect(() => findCommand(['models', 'rm'])).toThrow(/unknown command 'graft models rm'/);
  });

  it('parses model references and version numbers', () => {
    expect(parseModelRef('digits@production')).toEqual({ name: 'digits', ref: 'production' });
    expect(parseModelRef('digits')).toEqual({ name: 'digits', ref: null });
    expect(() => parseModelRef('@3')).toThrow();
    expect(parseVersionNumber('v3')).toBe(3);
    expect(parseVersionNumber('3')).toBe(3);
    expect(parseVersionNumber('three')).toBeNull();
  });

  it('checks the shape of run specs', () => {
    expect(checkSpec({ backbone: 'b', datasetId: 'd', train: {} }).errors).toEqual([]);
    expect(checkSpec([]).errors).toEqual([{ path: '(root)', message: 'must be a JSON object' }]);
    const paths = checkSpec({ backbone: 'b', backboneId: 'x', tags: [1], train: 2 }).errors.map(
      (e) => e.path,
    );
    expect(paths).toEqual(['backbone', 'datasetId', 'train', 'tags.0']);
  });
});

describe('errors', () => {
  it('maps GraphQL codes to exit codes and keeps field errors', () => {
    const e = errorOfGraphQL([
      {
        message: 'bad',
        extensions: { code: 'BAD_USER_INPUT', fieldErrors: [{ path: 'a.b', message: 'no' }] },
      },
    ]);
    expect(e.exitCode).toBe(ExitCode.VALIDATION);
    expect(e.fieldErrors).toEqual([{ path: 'a.b', message: 'no' }]);
    const codes = [
      'NOT_FOUND',
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'CONFLICT',
      'INTERNAL_SERVER_ERROR',
    ];
    expect(
      codes.map((code) => errorOfGraphQL([{ message: 'm', extensions: { code } }]).exitCode),
    ).toEqual([4, 5, 6, 8, 1]);
  });
});

describe('progress', () => {
  it('describes an event and how far its phase is', () => {
    const e = {
      runId: 'r',
      status: 'running',
      stage: 'train',
      phase: 'head',
      epoch: 2,
      epochs: 4,
      batch: 5,
      batches: 10,
      loss: 0.123456,
      valAccuracy: 0.9,
      imagesPerSec: 1234.5,
      etaSeconds: 75,
    };
    expect(describeProgress(e)).toBe(
      'running  train/head  epoch 2/4  batch 5/10  loss 0.1235  val acc 90.0%  1,235 img/s  ETA 1m15s',
    );
    expect(fractionOf(e)).toBeCloseTo(0.375);
    expect(fractionOf({ runId: 'r', status: 'queued' })).toBeNull();
  });
});

describe('config', () => {
  it('writes 0600, reads back, and lets the environment override', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'graft-config-'));
    try {
      const env = { GRAFT_CONFIG: join(dir, 'sub', 'config.json') };
      expect(await readConfig(env)).toBeNull();
      await writeConfig({ url: 'http://a:1', key: 'k1' }, env);
      expect((await stat(env.GRAFT_CONFIG)).mode & 0o777).toBe(0o600);
      expect(await resolveCredentials(env)).toEqual({ url: 'http://a:1', key: 'k1' });
      expect(await resolveCredentials({ ...env, GRAFT_KEY: 'k2' })).toEqual({
        url: 'http://a:1',
        key: 'k2',
      });
      await expect(
        resolveCredentials({ GRAFT_CONFIG: join(dir, 'none.json') }),
      ).rejects.toMatchObject({
        exitCode: ExitCode.UNAUTHENTICATED,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(graphqlEndpoint('http://h:4000/')).toBe('http://h:4000/graphql');
    expect(graphqlEndpoint('http://h:4000/graphql')).toBe('http://h:4000/graphql');
  });
});
