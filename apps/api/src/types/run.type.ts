import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum RunStatus {
  queued = 'queued',
  running = 'running',
  succeeded = 'succeeded',
  failed = 'failed',
  cancelled = 'cancelled',
}
registerEnumType(RunStatus, {
  name: 'RunStatus',
  description: 'Where a training run is in its life.',
});

@ObjectType({ description: 'One epoch of one training phase.' })
export class RunEpoch {
  @Field(() => String) phase!: string;
  @Field(() => Int) epoch!: number;
  @Field(() => Float) loss!: number;
  @Field(() => Float, { nullable: true }) accuracy!: number | null;
  @Field(() => Float, { nullable: true }) valLoss!: number | null;
  @Field(() => Float, { nullable: true }) valAccuracy!: number | null;
  @Field(() => Float) seconds!: number;
}

@ObjectType({
  description: 'Live progress of a run: stage, phase, epoch, batch, metrics, throughput, ETA.',
})
export class RunProgress {
  @Field(() => ID) runId!: string;
  @Field(() => RunStatus) status!: RunStatus;
  @Field(() => String, { nullable: true, description: 'features, train or evaluate' })
  stage?: string;
  @Field(() => String, { nullable: true }) phase?: string;
  @Field(() => Int, { nullable: true }) epoch?: number;
  @Field(() => Int, { nullable: true }) epochs?: number;
  @Field(() => Int, { nullable: true }) batch?: number;
  @Field(() => Int, { nullable: true }) batches?: number;
  @Field(() => Float, { nullable: true }) loss?: number;
  @Field(() => Float, { nullable: true }) accuracy?: number;
  @Field(() => Float, { nullable: true }) valLoss?: number;
  @Field(() => Float, { nullable: true }) valAccuracy?: number;
  @Field(() => Float, { nullable: true }) imagesPerSec?: number;
  @Field(() => Float, { nullable: true }) etaSeconds?: number;
}

@ObjectType({ description: 'A file a run produced, stored under its content address.' })
export class RunArtifact {
  @Field(() => String) name!: string;
  @Field(() => String) kind!: string;
  @Field(() => String) key!: string;
  @Field(() => Float) bytes!: number;
  @Field(() => String) sha256!: string;
  @Field(() => String, {
    description: 'Presigned GET URL of the file; expires (GRAFT_PRESIGNED_URL_TTL_SECONDS).',
  })
  url!: string;
}

@ObjectType({ description: 'A transfer-learning training run.' })
export class Run {
  @Field(() => ID) id!: string;
  @Field(() => ID) backboneId!: string;
  @Field(() => ID) datasetId!: string;
  @Field(() => RunStatus) status!: RunStatus;
  @Field(() => String) mode!: string;
  @Field(() => GraphQLJSON, {
    description: 'The surgery requested and, once trained, the resolved layer table.',
  })
  surgery!: unknown;
  @Field(() => GraphQLJSON, { description: 'The TrainSpec.' }) train!: unknown;
  @Field(() => Float, { nullable: true }) headLr!: number | null;
  @Field(() => Float, { nullable: true }) fineTuneLr!: number | null;
  @Field(() => Float, { nullable: true }) frozenParams!: number | null;
  @Field(() => Float, { nullable: true }) trainableParams!: number | null;
  @Field(() => Float, { nullable: true }) bestValAccuracy!: number | null;
  @Field(() => Float, { nullable: true }) testAccuracy!: number | null;
  @Field(() => GraphQLJSON, { nullable: true }) backends!: unknown;
  @Field(() => GraphQLJSON, { nullable: true }) evaluation!: unknown;
  @Field(() => GraphQLJSON, {
    nullable: true,
    description: 'The LineageRecord (JSON Schema in @graft/core).',
  })
  lineage!: unknown;
  @Field(() => String) log!: string;
  @Field(() => String, { nullable: true }) error!: string | null;
  @Field(() => [String]) tags!: string[];
  @Field(() => Int) attempt!: number;
  @Field(() => Date) createdAt!: Date;
  @Field(() => Date, { nullable: true }) startedAt!: Date | null;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
}

@ObjectType({ description: 'A page of runs; pass `endCursor` as `after` for the next.' })
export class RunPage {
  @Field(() => [Run]) items!: Run[];
  @Field(() => String, { nullable: true }) endCursor!: string | null;
  @Field(() => Boolean) hasNextPage!: boolean;
}
