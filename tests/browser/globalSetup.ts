import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { ARTIFACTS, FAILED_PREFIX } from './browser.js';
import { startPlatform, type Platform } from './platform.js';
import { seed, type Seeded } from './seed.js';

export interface PlatformInfo extends Seeded {
  apiUrl: string;
  consoleUrl: string;
  maintainerKey: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    platform: PlatformInfo;
  }
}

let platform: Platform | undefined;

/** Starts the API and the console once for every browser test file, and seeds them. */
export async function setup(project: TestProject) {
  // Failure screenshots describe the run that took them: drop the previous run's.
  const stale = await readdir(ARTIFACTS).catch(() => [] as string[]);
  await Promise.all(
    stale
      .filter((f) => f.startsWith(FAILED_PREFIX))
      .map((f) => rm(path.join(ARTIFACTS, f), { force: true })),
  );
  platform = await startPlatform();
  try {
    const seeded = await seed(platform.apiUrl, platform.maintainerKey);
    project.provide('platform', {
      apiUrl: platform.apiUrl,
      consoleUrl: platform.consoleUrl,
      maintainerKey: platform.maintainerKey,
      ...seeded,
    });
  } catch (err) {
    const logs = platform.logs();
    await platform.close();
    throw new Error(`seeding the platform failed: ${(err as Error).message}\n${logs}`);
  }
}

export async function teardown() {
  await platform?.close();
}
