import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The tests load the API (../../api/dist) in-process: graphql 16 has no "exports", so Node
    // (and type-graphql, Apollo) loads its CommonJS index.js while Vite would pick index.mjs —
    // two graphql instances ("Cannot use GraphQLSchema from another module or realm"). Pin
    // tests to Node's, as apps/api does.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['src/**/*.test.ts'],
    // One embedded API server per file (PGlite, pg-boss, s3rver, the worker) takes a while.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
