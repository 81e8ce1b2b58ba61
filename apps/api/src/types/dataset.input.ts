import { Field, InputType, Int } from 'type-graphql';

@InputType({ description: 'A dataset shipped with the server.' })
export class BuiltinDatasetInput {
  @Field(() => [Int], {
    description: 'MNIST digits (0..9) to take, at least 2; classes are these.',
  })
  mnistDigits!: number[];
  @Field(() => Int, {
    nullable: true,
    description: 'Most images, balanced over the digits. Default: all of them.',
  })
  limit?: number;
}

@InputType({ description: 'A folder on the server with one sub-folder of images per class.' })
export class FolderDatasetInput {
  @Field(() => String) path!: string;
  @Field(() => [Int], { nullable: true, description: '[height, width]; default [224, 224].' })
  size?: number[];
  @Field(() => Int, { nullable: true, description: '1 or 3; default 3.' })
  channels?: number;
}

@InputType({ description: 'A new dataset: a name and exactly one source.' })
export class CreateDatasetInput {
  @Field(() => String) name!: string;
  @Field(() => BuiltinDatasetInput, { nullable: true })
  builtin?: BuiltinDatasetInput;
  @Field(() => FolderDatasetInput, {
    nullable: true,
    description: 'Embedded mode: the folder is read in place and only referenced.',
  })
  folder?: FolderDatasetInput;
}
