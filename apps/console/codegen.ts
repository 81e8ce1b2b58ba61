import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents from the API's checked-in schema: every `graphql(...)` call in the console is
 * checked against apps/api/schema.graphql (no hand-written copies of API types).
 */
const config: CodegenConfig = {
  schema: '../api/schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: true,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTimeISO: 'string', JSON: 'unknown' },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
