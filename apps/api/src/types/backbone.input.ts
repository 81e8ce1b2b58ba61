import { Field, Float, InputType, Int } from 'type-graphql';

@InputType({ description: 'Pixel mapping x * scale + offset, and the channels the model expects.' })
export class PreprocessingInput {
  @Field(() => Float) scale!: number;
  @Field(() => Float) offset!: number;
  @Field(() => Int, { description: '1 or 3.' }) channels!: number;
}

@InputType()
export class RegisterBackboneInput {
  @Field(() => String, { description: 'Unique name: letters, digits, dots, dashes, underscores.' })
  name!: string;
  @Field(() => String, {
    description:
      'A server-side directory holding model.json, a model.json path, or an http(s) URL.',
  })
  sourceUri!: string;
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
