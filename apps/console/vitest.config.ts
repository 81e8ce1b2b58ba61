import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Unit tests of the console's pure helpers, next to them (`x.test.ts`); no browser, no Next. */
export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  test: {
    include: ['src/**/*.test.ts'],
    // The freeze preview is checked against @graft/core on its real backbones (tfjs in Node).
    testTimeout: 60_000,
  },
});
