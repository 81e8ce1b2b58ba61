import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Images of one class.' })
export class ClassCount {
  @Field(() => String) className!: string;
  @Field(() => Int) count!: number;
}

@ObjectType({
  description: 'Images in the dataset; train/validation/test splits are drawn per run.',
})
export class DatasetCounts {
  @Field(() => Int) total!: number;
  @Field(() => [ClassCount]) perClass!: ClassCount[];
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
