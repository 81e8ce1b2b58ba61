import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { resolvers } from './resolvers/index.js';

/** The checked-in SDL (`apps/api/schema.graphql`); a test fails when the code drifts from it. */
export const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));

/** Builds the executable schema from the type-graphql resolvers in `src/resolvers/`. */
export function buildGraphQLSchema(): Promise<GraphQLSchema> {
  // Inputs are validated in the services (zod, @graft/core validators), not by class-validator.
  return buildSchema({ resolvers, validate: false });
}

/** The schema as SDL, types sorted so that the file's diffs show real changes only. */
export function printGraphQLSchema(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
