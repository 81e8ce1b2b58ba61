import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, registerEnumType } from 'type-graphql';
import { RunStatus } from './run.type.js';

@InputType({
  description:
    'What to train: a backbone (or a model version to fine-tune), a dataset, and the core SurgerySpec and TrainSpec as JSON.',
})
export class StartRunInput {
  @Field(() => ID, {
    nullable: true,
    description: 'The backbone to start from; or give parentVersionId.',
  })
  backboneId?: string;
  @Field(() => ID, {
    nullable: true,
    description:
      "A model version to start from instead of a backbone: its trained model becomes the run's backbone (`<model>.v<n>`; a default cut replaces its head) and the run, and any version made from it, descends from it in the lineage.",
  })
  parentVersionId?: string;
  @Field(() => ID) datasetId!: string;
  @Field(() => GraphQLJSON, {
    description: 'SurgerySpec; head.classes defaults to the dataset classes.',
  })
  surgery!: Record<string, unknown>;
  @Field(() => GraphQLJSON, {
    description: 'TrainSpec (mode, epochs, learningRate, fineTune, ...).',
  })
  train!: Record<string, unknown>;
  @Field(() => [String], { nullable: true }) tags?: string[];
}

@InputType()
export class RunFilter {
  @Field(() => RunStatus, { nullable: true }) status?: RunStatus;
  @Field(() => ID, { nullable: true }) backboneId?: string;
  @Field(() => ID, { nullable: true }) datasetId?: string;
  @Field(() => String, { nullable: true }) mode?: string;
  @Field(() => String, { nullable: true }) tag?: string;
}

export enum RunOrder {
  createdAt = 'createdAt',
  testAccuracy = 'testAccuracy',
  bestValAccuracy = 'bestValAccuracy',
}
registerEnumType(RunOrder, {
  name: 'RunOrder',
  description: 'Newest first, or best final metric first.',
});
