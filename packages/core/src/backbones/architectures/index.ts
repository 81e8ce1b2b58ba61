import { buildAlexNet } from './alexnet.js';
import { buildGoogLeNet } from './googlenet.js';
import { buildLeNet5 } from './lenet5.js';
import { buildResNet50 } from './resnet50.js';
import type { ArchitectureBuilder, ArchitectureId } from './types.js';
import { buildVgg16 } from './vgg16.js';

export type {
  ArchitectureArgs,
  ArchitectureBuilder,
  ArchitectureId,
  BuiltArchitecture,
} from './types.js';
export { ALEXNET_MIN_INPUT_SIZE, buildAlexNet } from './alexnet.js';
export {
  GOOGLENET_MIN_INPUT_SIZE,
  GOOGLENET_MODULES,
  buildGoogLeNet,
  type InceptionSpec,
} from './googlenet.js';
export { LENET5_MIN_INPUT_SIZE, buildLeNet5 } from './lenet5.js';
export { RESNET50_MIN_INPUT_SIZE, buildResNet50 } from './resnet50.js';
export { VGG16_MIN_INPUT_SIZE, buildVgg16 } from './vgg16.js';
export { DEFAULT_SEED } from './common.js';

/** Every architecture builder, by catalog id. */
export const architectures: Record<ArchitectureId, ArchitectureBuilder> = {
  lenet5: buildLeNet5,
  alexnet: buildAlexNet,
  vgg16: buildVgg16,
  resnet50: buildResNet50,
  googlenet: buildGoogLeNet,
};
