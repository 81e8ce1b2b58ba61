import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Images of one class.' })
export class ClassCount {
  @Field(() => String) className!: string;
  @Field(() => Int) count!: number;
}

@ObjectType({
  description:
    "Images in the dataset, and in each part of the split runs train, validate and test on (stratified 70/15/15 per class: a run's seed changes which images fall in each part, not how many).",
})
export class DatasetCounts {
  @Field(() => Int) total!: number;
  @Field(() => [ClassCount]) perClass!: ClassCount[];
  @Field(() => Int, {
    nullable: true,
    description: 'Null for datasets registered before splits were counted.',
  })
  train!: number | null;
  @Field(() => Int, { nullable: true }) validation!: number | null;
  @Field(() => Int, { nullable: true }) test!: number | null;
}

@ObjectType({ description: 'A labelled image set runs train and evaluate on.' })
export class Dataset {
  @Field(() => ID) id!: string;
  @Field(() => String) name!: string;
  @Field(() => [String], { description: 'Class names; labels index into this list.' })
  classes!: string[];
  @Field(() => DatasetCounts) counts!: DatasetCounts;
  @Field(() => String, { description: 'sha256 over classes, image shape, pixels and labels.' })
  contentHash!: string;
  @Field(() => GraphQLJSON, {
    description:
      "Where the images come from: { kind: 'builtin', name: 'mnist-digits', options } or { kind: 'folder', path, size, channels }.",
  })
  source!: unknown;
  @Field(() => Date) createdAt!: Date;
}
