import { Field, Float, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'How raw uint8 pixels map to the backbone input: x * scale + offset.' })
export class Preprocessing {
  @Field(() => Float) scale!: number;
  @Field(() => Float) offset!: number;
  @Field(() => Int, { description: '1 (grayscale) or 3 (RGB).' }) channels!: number;
}

@ObjectType({ description: 'One layer of a backbone, in topological order.' })
export class BackboneLayer {
  @Field(() => String) name!: string;
  @Field(() => String) className!: string;
  @Field(() => [Int], {
    nullable: 'items',
    description: 'Output shape without the batch dimension (null for a free dimension).',
  })
  outputShape!: (number | null)[];
  @Field(() => Int) params!: number;
}

@ObjectType({ description: 'Registered pretrained weights that runs start from.' })
export class Backbone {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: 'Unique name (catalog id for catalog backbones).' })
  name!: string;
  @Field(() => String) family!: string;
  @Field(() => String, { description: '`npm:...` for catalog backbones, else a path or URL.' })
  sourceUri!: string;
  @Field(() => Boolean) pretrained!: boolean;
  @Field(() => String) topologySha256!: string;
  @Field(() => String) weightsSha256!: string;
  @Field(() => [Int], { description: '[height, width, channels] the weights were trained at.' })
  inputShape!: number[];
  @Field(() => Preprocessing) preprocessing!: Preprocessing;
  @Field(() => String, { description: 'Default cut: the last layer of the feature extractor.' })
  lastFeatureLayer!: string;
  @Field(() => [String], { description: 'Layers ending each block, for allButLastBlocks.' })
  blockEnds!: string[];
  @Field(() => [BackboneLayer], {
    description: 'Every layer of the full topology (input layer and classifier top included).',
  })
  layers!: BackboneLayer[];
  @Field(() => Date) createdAt!: Date;
}
