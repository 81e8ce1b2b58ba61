export type { Backbone, BackboneFingerprint, ModelArtifactsInMemory } from './types.js';
export {
  backboneCatalog,
  loadBackbone,
  directoryIOHandler,
  assetsDir,
  type CatalogEntry,
  type LoadBackboneArgs,
} from './catalog.js';
export {
  modelToArtifacts,
  artifactsToModel,
  fingerprintArtifacts,
  canonicalJson,
} from './artifacts.js';
export { architectures } from './architectures/index.js';
export type {
  ArchitectureArgs,
  BuiltArchitecture,
  ArchitectureBuilder,
} from './architectures/types.js';
