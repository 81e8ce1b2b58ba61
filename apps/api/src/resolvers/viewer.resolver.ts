import {
  Arg,
  Authorized,
  Ctx,
  Field,
  ID,
  Mutation,
  ObjectType,
  Query,
  Resolver,
} from 'type-graphql';
import { createApiKey, revokeApiKey, type Role } from '../auth/index.js';
import type { GraphQLContext } from '../context.js';
import { BadUserInputError, NotFoundError } from '../errors/index.js';
import { RoleEnum } from '../types/role.type.js';
import { assertUuid } from '../services/ids.js';

@ObjectType({ description: 'The API key a request came with.' })
export class Viewer {
  @Field(() => String, { description: "The key's display name." }) name!: string;
  @Field(() => RoleEnum) role!: Role;
}

@ObjectType({ description: 'A new API key; `key` is shown this once (only its hash is stored).' })
export class CreatedApiKey {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => RoleEnum) role!: Role;
  @Field(() => String) key!: string;
}

@Resolver()
export class ViewerResolver {
  /** What the caller may do: clients hide the controls a role cannot use. */
  @Authorized('viewer')
  @Query(() => Viewer, {
    description: 'The caller: key name and role; UNAUTHENTICATED without a key.',
  })
  me(@Ctx() ctx: GraphQLContext): Viewer {
    return { name: ctx.auth!.name, role: ctx.auth!.role };
  }

  @Authorized('maintainer')
  @Mutation(() => CreatedApiKey, {
    description: 'A new API key with a role (viewer, editor or maintainer); maintainers only.',
  })
  async createApiKey(
    @Arg('name', () => String) name: string,
    // GraphQL itself refuses a role that is not a value of the enum.
    @Arg('role', () => RoleEnum) role: Role,
    @Ctx() ctx: GraphQLContext,
  ): Promise<CreatedApiKey> {
    if (!name.trim())
      throw new BadUserInputError('name is empty', [{ path: 'name', message: 'required' }]);
    const created = await createApiKey(ctx.db, { name: name.trim(), role });
    return { id: created.id, name: created.name, role: created.role, key: created.key };
  }

  @Authorized('maintainer')
  @Mutation(() => Boolean, { description: 'Revokes an API key; maintainers only.' })
  async revokeApiKey(
    @Arg('id', () => ID) id: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<boolean> {
    assertUuid('API key', id);
    if (!(await revokeApiKey(ctx.db, id))) throw new NotFoundError('API key', id);
    return true;
  }
}
