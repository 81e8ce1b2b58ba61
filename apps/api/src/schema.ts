import 'reflect-metadata';
import { fileURLToPath } from 'node:url';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { authChecker } from './auth/index.js';
import { resolvers } from './resolvers/index.js';

/** The checked-in SDL (`apps/api/schema.graphql`); a test fails when the code drifts from it. */
export const SCHEMA_FILE = fileURLToPath(new URL('../schema.graphql', import.meta.url));

/**
 * Subscriptions here bring their own `subscribe` (a run's progress is polled from the database,
 * which every API replica and worker shares), so no in-process topic bus is used. type-graphql
 * still wants a PubSub; this one refuses topics.
 */
const noTopics = {
  publish: (): void => undefined,
  subscribe: (): never => {
    throw new Error('subscriptions use their own subscribe(), not pubsub topics');
  },
};

/** Builds the executable schema from the type-graphql resolvers in `src/resolvers/`. */
export function buildGraphQLSchema(): Promise<GraphQLSchema> {
  // Inputs are validated in the services (zod, @graft/core validators), not by class-validator.
  // authChecker: `@Authorized('editor')` means "at least editor" (src/auth/roles.ts).
  return buildSchema({ resolvers, validate: false, pubSub: noTopics, authChecker });
}

/** The schema as SDL, types sorted so that the file's diffs show real changes only. */
export function printGraphQLSchema(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
