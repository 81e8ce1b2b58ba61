import { Field, ID, ObjectType } from 'type-graphql';
import { Run, RunEpoch } from './run.type.js';

@ObjectType({
  description: 'One parameter across the compared runs (values as JSON, in run order).',
})
export class ComparedParameter {
  @Field(() => String) name!: string;
  @Field(() => [String], { description: 'JSON of the value in each run; "null" when unset.' })
  values!: string[];
  @Field(() => Boolean, { description: 'True when not every run has the same value.' })
  differs!: boolean;
}

@ObjectType({
  description: 'One layer across the compared runs: frozen, trainable, head, or absent (cut away).',
})
export class ComparedLayer {
  @Field(() => String) name!: string;
  @Field(() => [String]) states!: string[];
  @Field(() => Boolean) differs!: boolean;
}

@ObjectType({ description: "One run's per-epoch metrics." })
export class RunSeries {
  @Field(() => ID) runId!: string;
  @Field(() => [RunEpoch]) epochs!: RunEpoch[];
}

@ObjectType({
  description:
    'Runs side by side: parameters with a differs flag, the frozen/trainable diff per layer, metric series.',
})
export class RunComparison {
  @Field(() => [Run]) runs!: Run[];
  @Field(() => [ComparedParameter]) parameters!: ComparedParameter[];
  @Field(() => [ComparedLayer]) layers!: ComparedLayer[];
  @Field(() => [RunSeries]) series!: RunSeries[];
  @Field(() => ID, { nullable: true, description: 'The run with the best test accuracy.' })
  bestRunId!: string | null;
}
