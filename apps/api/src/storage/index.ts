export {
  contentKey,
  createObjectStore,
  ObjectNotFoundError,
  ObjectSizeError,
  readObject,
  type CreateObjectStoreOptions,
  type ObjectInfo,
  type ObjectStore,
  type PutObjectOptions,
  type StoredObject,
} from './objectStore.js';
export { startEmbeddedS3, type EmbeddedS3, type StartEmbeddedS3Args } from './embeddedS3.js';
