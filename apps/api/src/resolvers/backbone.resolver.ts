import {
  Arg,
  Ctx,
  FieldResolver,
  ID,
  Mutation,
  Query,
  Resolver,
  Root,
  Authorized,
} from 'type-graphql';
import type { GraphQLContext } from '../context.js';
import {
  getBackbone,
  isPretrained,
  listBackbones,
  registerBackbone,
  type BackboneRow,
} from '../services/backbone.service.js';
import { RegisterBackboneInput } from '../types/backbone.input.js';
import { Backbone } from '../types/backbone.type.js';

@Resolver(() => Backbone)
export class BackboneResolver {
  @Authorized('viewer')
  @Query(() => [Backbone], { description: 'Every registered backbone, oldest first.' })
  backbones(@Ctx() ctx: GraphQLContext): Promise<Backbone[]> {
    return listBackbones(ctx) as unknown as Promise<Backbone[]>;
  }

  @Authorized('viewer')
  @Query(() => Backbone, { description: 'One backbone; NOT_FOUND for an unknown id.' })
  backbone(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Backbone> {
    return getBackbone(ctx, id) as unknown as Promise<Backbone>;
  }

  @FieldResolver(() => Boolean)
  pretrained(@Root() row: Backbone): boolean {
    return isPretrained(row as unknown as BackboneRow);
  }

  @Authorized('editor')
  @Mutation(() => Backbone, {
    description:
      'Loads a tfjs LayersModel (an upload, a server folder, an allowed URL) and registers a stored copy: BAD_USER_INPUT when it cannot be loaded or the source is not allowed, CONFLICT for a taken name.',
  })
  registerBackbone(
    @Arg('input', () => RegisterBackboneInput) input: RegisterBackboneInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Backbone> {
    return registerBackbone(ctx, input) as unknown as Promise<Backbone>;
  }
}
