export type { DatasetSplit, ImageSet, Preprocessing } from './types.js';
export { loadMnistDigits, MNIST_SIZE, type LoadMnistDigitsArgs } from './mnist.js';
export {
  loadImageFolder,
  DEFAULT_IMAGE_EXTENSIONS,
  type ImageFolderSet,
  type LoadImageFolderArgs,
  type SkippedImage,
} from './imageFolder.js';
export { splitDataset, subsetImages, type SplitDatasetArgs } from './split.js';
export { datasetContentHash } from './hash.js';
export { imagesToTensor, labelsToOneHot, type ImagesToTensorArgs } from './tensors.js';
export {
  augmentBatch,
  augmentDecisions,
  type AugmentOptions,
  type AugmentDecision,
} from './augment.js';
