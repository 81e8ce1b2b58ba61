import type { TestProject } from 'vitest/node';
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
