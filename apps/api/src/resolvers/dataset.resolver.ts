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
  createDataset,
  datasetCounts,
  getDataset,
  listDatasets,
  type DatasetRow,
} from '../services/dataset.service.js';
import { CreateDatasetInput } from '../types/dataset.input.js';
import { Dataset, DatasetCounts } from '../types/dataset.type.js';

@Resolver(() => Dataset)
export class DatasetResolver {
  @Authorized('viewer')
  @Query(() => [Dataset], { description: 'Every dataset, oldest first.' })
  datasets(@Ctx() ctx: GraphQLContext): Promise<Dataset[]> {
    return listDatasets(ctx) as unknown as Promise<Dataset[]>;
  }

  @Authorized('viewer')
  @Query(() => Dataset, { description: 'One dataset; NOT_FOUND for an unknown id.' })
  dataset(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Dataset> {
    return getDataset(ctx, id) as unknown as Promise<Dataset>;
  }

  @FieldResolver(() => DatasetCounts)
  counts(@Root() row: Dataset): DatasetCounts {
    return datasetCounts(row as unknown as DatasetRow);
  }

  @Authorized('editor')
  @Mutation(() => Dataset, {
    description:
      'Registers a dataset (builtin MNIST digits or a server-side image folder): BAD_USER_INPUT for fewer than 2 classes, unknown digits or corrupt images; CONFLICT for a taken name.',
  })
  createDataset(
    @Arg('input', () => CreateDatasetInput) input: CreateDatasetInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Dataset> {
    return createDataset(ctx, input) as unknown as Promise<Dataset>;
  }
}
