import { Field, Float, InputType, Int } from 'type-graphql';

@InputType({ description: 'Pixel mapping x * scale + offset, and the channels the model expects.' })
export class PreprocessingInput {
  @Field(() => Float) scale!: number;
  @Field(() => Float) offset!: number;
  @Field(() => Int, { description: '1 or 3.' }) channels!: number;
}

@InputType({ description: 'An archive uploaded with POST /uploads.' })
export class UploadedModelInput {
  @Field(() => String, { description: 'The key POST /uploads answered (sha256/<hex>).' })
  key!: string;
}

@InputType({ description: 'A tfjs LayersModel to register: a name and exactly one source.' })
export class RegisterBackboneInput {
  @Field(() => String, { description: 'Unique name: letters, digits, dots, dashes, underscores.' })
  name!: string;
  @Field(() => String, {
    nullable: true,
    description:
      'A server directory holding model.json or a model.json path (embedded mode), or an http(s) URL of a model.json (under GRAFT_BACKBONE_URL_PREFIXES).',
  })
  sourceUri?: string;
  @Field(() => UploadedModelInput, {
    nullable: true,
    description: 'A .tar or .tar.gz holding model.json and its weight files.',
  })
  upload?: UploadedModelInput;
  @Field(() => PreprocessingInput, {
    nullable: true,
    description: 'Default: pixels / 255 with the model input channels.',
  })
  preprocessing?: PreprocessingInput;
  @Field(() => String, {
    nullable: true,
    description: 'Default: the last layer before the classifier top.',
  })
  lastFeatureLayer?: string;
}
