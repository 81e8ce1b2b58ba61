import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['browser/**/*.test.ts'],
    // One platform (API + worker + console) for every file, started and seeded once.
    globalSetup: ['browser/globalSetup.ts'],
    // Screenshots of the pages a failed test left open (tests/artifacts/failed-*.png).
    setupFiles: ['browser/failureShots.ts'],
    // A real browser, a real API and real training on 2 cores: one file at a time.
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
