import { readFile } from 'node:fs/promises';
import { buildSchema } from 'graphql';
import { expect, it } from 'vitest';
import { buildGraphQLSchema, printGraphQLSchema, SCHEMA_FILE } from './schema.js';

it('matches the checked-in schema.graphql (regenerate: npm run build && npm run schema:emit)', async () => {
  const fromCode = printGraphQLSchema(await buildGraphQLSchema());
  // Reprinted so that formatting (prettier) does not count, only the schema itself.
  const checkedIn = printGraphQLSchema(buildSchema(await readFile(SCHEMA_FILE, 'utf8')));
  expect(fromCode).toBe(checkedIn);
});
