import 'reflect-metadata';
import { ApolloServer } from '@apollo/server';
import { beforeAll, describe, expect, it } from 'vitest';
import { Arg, Authorized, Ctx, Mutation, Query, Resolver, buildSchema } from 'type-graphql';
import { createFormatError } from '../errors/index.js';
import {
  authChecker,
  requireRole,
  type AuthCarrier,
  type AuthIdentity,
  type Role,
} from './index.js';

// A test-only schema: one field per required role, and an argument-dependent check.
@Resolver()
class RoleMatrixResolver {
  @Query(() => String)
  open(): string {
    return 'ok';
  }

  @Authorized()
  @Query(() => String)
  anyKey(): string {
    return 'ok';
  }

  @Authorized('viewer')
  @Query(() => String)
  viewerField(): string {
    return 'ok';
  }

  @Authorized('editor')
  @Mutation(() => String)
  editorField(): string {
    return 'ok';
  }

  @Authorized('maintainer')
  @Mutation(() => String)
  maintainerField(): string {
    return 'ok';
  }

  @Authorized('editor')
  @Mutation(() => String)
  promote(@Arg('alias', () => String) alias: string, @Ctx() ctx: AuthCarrier): string {
    if (alias === 'production') requireRole(ctx, 'maintainer');
    return alias;
  }
}

let apollo: ApolloServer<AuthCarrier>;

beforeAll(async () => {
  const schema = await buildSchema({
    resolvers: [RoleMatrixResolver],
    authChecker,
    validate: false,
  });
  apollo = new ApolloServer<AuthCarrier>({ schema, formatError: createFormatError() });
});

const identity = (role: Role): AuthIdentity => ({ keyId: `id-${role}`, name: role, role });

async function codeOf(query: string, auth: AuthIdentity | null): Promise<string> {
  const response = await apollo.executeOperation({ query }, { contextValue: { auth } });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  const { errors } = response.body.singleResult;
  return (errors?.[0]?.extensions?.['code'] as string | undefined) ?? 'OK';
}

describe('role matrix', () => {
  const operations = {
    '{ open }': ['OK', 'OK', 'OK', 'OK'],
    '{ anyKey }': ['UNAUTHENTICATED', 'OK', 'OK', 'OK'],
    '{ viewerField }': ['UNAUTHENTICATED', 'OK', 'OK', 'OK'],
    'mutation { editorField }': ['UNAUTHENTICATED', 'FORBIDDEN', 'OK', 'OK'],
    'mutation { maintainerField }': ['UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN', 'OK'],
    'mutation { promote(alias: "staging") }': ['UNAUTHENTICATED', 'FORBIDDEN', 'OK', 'OK'],
    'mutation { promote(alias: "production") }': [
      'UNAUTHENTICATED',
      'FORBIDDEN',
      'FORBIDDEN',
      'OK',
    ],
  } as const;
  const callers = [null, identity('viewer'), identity('editor'), identity('maintainer')];

  it.each(Object.entries(operations))(
    '%s → %j (none, viewer, editor, maintainer)',
    async (query, expected) => {
      const codes = await Promise.all(callers.map((auth) => codeOf(query, auth)));
      expect(codes).toEqual(expected);
    },
  );

  it('tells a too-weak key which role it needs', async () => {
    const response = await apollo.executeOperation(
      { query: 'mutation { promote(alias: "production") }' },
      { contextValue: { auth: identity('editor') } },
    );
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    expect(response.body.singleResult.errors?.[0]?.message).toBe(
      "this operation needs the 'maintainer' role; your API key 'editor' is 'editor'",
    );
  });
});
