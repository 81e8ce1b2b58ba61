import { ApolloServer } from '@apollo/server';
import { describe, expect, it } from 'vitest';
import { AuthorizationError } from 'type-graphql';
import { createLogger } from '../logger.js';
import { BadUserInputError, createFormatError, NotFoundError } from './index.js';

/** A DrizzleQueryError-like wrapper around a node-postgres unique violation. */
function uniqueViolation(constraint: string): Error {
  const pgError = Object.assign(
    new Error(`duplicate key value violates unique constraint "${constraint}"`),
    {
      code: '23505',
      constraint,
    },
  );
  return new Error('Failed query: insert into "backbones" ("name") values ($1)', {
    cause: pgError,
  });
}

const throwing: Record<string, () => never> = {
  badInput: () => {
    throw new BadUserInputError('invalid run spec', [
      { path: 'surgery.cutAt', message: "unknown layer 'block_99'" },
    ]);
  },
  notFound: () => {
    throw new NotFoundError('run', '42');
  },
  duplicateBackbone: () => {
    throw uniqueViolation('backbones_name_unique');
  },
  duplicateOther: () => {
    throw uniqueViolation('some_new_constraint');
  },
  denied: () => {
    throw new AuthorizationError();
  },
  bug: () => {
    throw new Error('relation "runs" does not exist: select * from runs');
  },
};

function server(logged: unknown[]) {
  const logger = createLogger('error', {}, (line) => logged.push(JSON.parse(line)));
  return new ApolloServer({
    typeDefs: `type Query { ${Object.keys(throwing)
      .map((k) => `${k}: String`)
      .join(' ')} }`,
    resolvers: { Query: throwing },
    formatError: createFormatError(logger),
    includeStacktraceInErrorResponses: false,
  });
}

async function errorOf(query: string, logged: unknown[] = []) {
  const response = await server(logged).executeOperation({ query });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  return response.body.singleResult.errors?.[0];
}

describe('formatError', () => {
  it('keeps client errors: message, code and field errors', async () => {
    expect(await errorOf('{ badInput }')).toEqual({
      message: 'invalid run spec',
      locations: [{ line: 1, column: 3 }],
      path: ['badInput'],
      extensions: {
        code: 'BAD_USER_INPUT',
        fieldErrors: [{ path: 'surgery.cutAt', message: "unknown layer 'block_99'" }],
      },
    });
    expect(await errorOf('{ notFound }')).toMatchObject({
      message: "run '42' not found",
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it('turns unique violations into CONFLICT without SQL', async () => {
    expect(await errorOf('{ duplicateBackbone }')).toMatchObject({
      message: 'a backbone with this name already exists',
      extensions: { code: 'CONFLICT' },
    });
    const other = await errorOf('{ duplicateOther }');
    expect(other).toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(JSON.stringify(other)).not.toMatch(/insert|some_new_constraint/);
  });

  it("maps type-graphql's UNAUTHORIZED to FORBIDDEN", async () => {
    expect(await errorOf('{ denied }')).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  });

  it('masks unexpected errors and logs them', async () => {
    const logged: unknown[] = [];
    const error = await errorOf('{ bug }', logged);
    expect(error).toEqual({
      message: 'Internal server error',
      locations: [{ line: 1, column: 3 }],
      path: ['bug'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    // The details go to the log, with the stack.
    expect(logged).toMatchObject([
      { level: 'error', error: { message: expect.stringContaining('relation "runs"') } },
    ]);
  });

  it('passes errors about the request document through', async () => {
    expect(await errorOf('{ nope }')).toMatchObject({
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(await errorOf('{')).toMatchObject({ extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
  });
});
