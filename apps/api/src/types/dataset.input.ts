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

@InputType({ description: 'An archive uploaded with POST /uploads.' })
export class ArchiveDatasetInput {
  @Field(() => String, { description: 'The key POST /uploads answered (sha256/<hex>).' })
  key!: string;
  @Field(() => String, { nullable: true }) filename?: string;
}

@InputType({ description: 'A new dataset: a name and exactly one source.' })
export class CreateDatasetInput {
  @Field(() => String) name!: string;
  @Field(() => BuiltinDatasetInput, { nullable: true })
  builtin?: BuiltinDatasetInput;
  @Field(() => ArchiveDatasetInput, {
    nullable: true,
    description: 'A .tar or .tar.gz with one sub-folder of images (jpg, png, webp) per class.',
  })
  archive?: ArchiveDatasetInput;
  @Field(() => FolderDatasetInput, {
    nullable: true,
    description: 'Embedded mode: the folder is read in place and only referenced.',
  })
  folder?: FolderDatasetInput;
}
