import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql 16 has no "exports": Node (and so type-graphql, Apollo) loads its CommonJS
    // index.js, while Vite would pick the "module" index.mjs for test files — two graphql
    // instances ("Cannot use GraphQLSchema from another module or realm"). Pin tests to Node's.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    include: ['src/**/*.test.ts'],
    // PGlite, pg-boss and s3rver each take a moment to start; Postgres databases are created per file.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
