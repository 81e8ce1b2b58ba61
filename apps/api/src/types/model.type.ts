import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A version of a registered model, made from one succeeded run.' })
export class ModelVersion {
  @Field(() => ID) id!: string;
  @Field(() => ID) modelId!: string;
  @Field(() => Int) version!: number;
  @Field(() => ID) runId!: string;
  @Field(() => Boolean, { description: 'An archived version holds no alias.' }) archived!: boolean;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'One move of an alias: who, when, why, from which version to which.' })
export class AliasEvent {
  @Field(() => String) alias!: string;
  @Field(() => ID, { nullable: true, description: 'null when the alias was created' })
  fromVersion!: string | null;
  @Field(() => ID, { nullable: true, description: 'null when the alias was removed' }) toVersion!:
    string | null;
  @Field(() => ID, { nullable: true, description: 'API key that moved it' }) actor!: string | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => Date) at!: Date;
}

@ObjectType({
  description: 'A named model whose versions come from runs; aliases point at versions.',
})
export class RegisteredModel {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true }) description!: string | null;
  @Field(() => Date) createdAt!: Date;
}

@ObjectType({ description: 'An alias and the version it points at.' })
export class ModelAlias {
  @Field(() => String) alias!: string;
  @Field(() => ID) versionId!: string;
  @Field(() => Date) updatedAt!: Date;
}

@ObjectType({ description: 'Where a model version comes from, and what was fine-tuned from it.' })
export class Lineage {
  @Field(() => ModelVersion) version!: ModelVersion;
  @Field(() => RegisteredModel) model!: RegisteredModel;
  @Field(() => GraphQLJSON, { description: 'The backbone row: name, source URI, fingerprints.' })
  backbone!: unknown;
  @Field(() => GraphQLJSON, {
    description: 'The dataset row: name, classes, content hash, source.',
  })
  dataset!: unknown;
  @Field(() => GraphQLJSON, { description: 'The run: id, specs, status, metrics.' }) run!: unknown;
  @Field(() => GraphQLJSON, { nullable: true, description: "The run's LineageRecord." })
  record!: unknown;
  @Field(() => ModelVersion, { nullable: true, description: 'The version this run fine-tuned.' })
  parent!: ModelVersion | null;
  @Field(() => [ModelVersion], { description: 'Versions made from runs that fine-tuned this one.' })
  children!: ModelVersion[];
}
