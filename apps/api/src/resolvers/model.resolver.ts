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
import { loaders } from '../loaders.js';
import {
  aliasHistory,
  archiveModelVersion,
  createModelVersion,
  getModelByName,
  lineageOf,
  listModels,
  promoteModelVersion,
} from '../services/model.service.js';
import {
  AliasEvent,
  Lineage,
  ModelAlias,
  ModelVersion,
  RegisteredModel,
} from '../types/model.type.js';

@Resolver(() => RegisteredModel)
export class ModelResolver {
  @Authorized('viewer')
  @Query(() => [RegisteredModel])
  models(@Ctx() ctx: GraphQLContext): Promise<RegisteredModel[]> {
    return listModels(ctx);
  }

  @Authorized('viewer')
  @Query(() => RegisteredModel, { description: 'A model by name; NOT_FOUND if there is none.' })
  model(
    @Arg('name', () => String) name: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RegisteredModel> {
    return getModelByName(ctx, name);
  }

  @FieldResolver(() => [ModelVersion], { description: 'Newest first.' })
  versions(@Root() model: RegisteredModel, @Ctx() ctx: GraphQLContext): Promise<ModelVersion[]> {
    return loaders(ctx).versionsOfModel.load(model.id);
  }

  @FieldResolver(() => [ModelAlias])
  aliases(@Root() model: RegisteredModel, @Ctx() ctx: GraphQLContext): Promise<ModelAlias[]> {
    return loaders(ctx).aliasesOfModel.load(model.id);
  }

  @FieldResolver(() => [AliasEvent], { description: 'Audit trail of alias moves, newest first.' })
  aliasHistory(@Root() model: RegisteredModel, @Ctx() ctx: GraphQLContext): Promise<AliasEvent[]> {
    return aliasHistory(ctx, model.id);
  }

  @Authorized('viewer')
  @Query(() => Lineage)
  lineage(
    @Arg('versionId', () => ID) versionId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Lineage> {
    return lineageOf(ctx, versionId) as Promise<Lineage>;
  }

  @Authorized('editor')
  @Mutation(() => ModelVersion, {
    description: 'The next version of `modelName` (created if new) from a succeeded run.',
  })
  createModelVersion(
    @Arg('runId', () => ID) runId: string,
    @Arg('modelName', () => String) modelName: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelVersion> {
    return createModelVersion(ctx, { runId, modelName, actor: ctx.auth?.keyId });
  }

  @Authorized('editor') // `production` needs maintainer (checked in the service)
  @Mutation(() => ModelVersion, {
    description: 'Points an alias at a version; the move is audited with its reason.',
  })
  promoteModelVersion(
    @Arg('versionId', () => ID) versionId: string,
    @Arg('alias', () => String) alias: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelVersion> {
    return promoteModelVersion(ctx, { versionId, alias, reason, actor: ctx.auth?.keyId });
  }

  @Authorized('maintainer')
  @Mutation(() => ModelVersion, {
    description: 'Archives a version and removes the aliases it held.',
  })
  archiveModelVersion(
    @Arg('versionId', () => ID) versionId: string,
    @Arg('reason', () => String, { nullable: true }) reason: string | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ModelVersion> {
    return archiveModelVersion(ctx, {
      versionId,
      ...(reason ? { reason } : {}),
      actor: ctx.auth?.keyId,
    });
  }
}

@Resolver(() => ModelVersion)
export class ModelVersionResolver {
  @FieldResolver(() => [String], { description: 'Aliases that point at this version.' })
  async aliases(@Root() version: ModelVersion, @Ctx() ctx: GraphQLContext): Promise<string[]> {
    const all = await loaders(ctx).aliasesOfModel.load(version.modelId);
    return all.filter((a) => a.versionId === version.id).map((a) => a.alias);
  }
}
