import type * as tf from '@tensorflow/tfjs';

/** Options every architecture builder accepts. */
export interface ArchitectureArgs {
  /** [height, width, channels]; default is the architecture's classic size. */
  inputShape?: [number, number, number];
  /** Classes of the classification top; default 1000 (10 for LeNet-5). */
  numClasses?: number;
  /** Include the classifier top (dense layers + softmax); default true. */
  includeTop?: boolean;
  /**
   * Seed for every initializer (derive a distinct seed per layer from it, e.g. seed + layerIndex),
   * so the same seed builds identical weights. Default 42.
   */
  seed?: number;
}

/** A randomly initialised model and what surgery needs to know about it. */
export interface BuiltArchitecture {
  model: tf.LayersModel;
  /**
   * Name of the layer that ends each block, in topological order (VGG: block1_pool..block5_pool;
   * ResNet50: each conv{N}_block{M}_out; GoogLeNet: the stem stages then each inception_*_concat;
   * LeNet/AlexNet: each conv(+pool) stage's last layer). Used to freeze "all but the last N blocks".
   */
  blockEnds: string[];
  /** The last layer of the feature extractor (before the classifier top), e.g. block5_pool for VGG16. */
  lastFeatureLayer: string;
  /**
   * Smallest input height/width the architecture accepts (e.g. 32 for VGG16/ResNet50 in Keras);
   * the builder throws a clear Error below it.
   */
  minInputSize: number;
}

export type ArchitectureBuilder = (args?: ArchitectureArgs) => BuiltArchitecture;

/** Ids of the architectures this folder builds. */
export type ArchitectureId = 'lenet5' | 'alexnet' | 'vgg16' | 'resnet50' | 'googlenet';
