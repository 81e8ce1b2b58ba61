/** `@graft/core/export`: blob storage and the standard tfjs model layout inside it. */
export {
  BlobNotFoundError,
  blobKeySegments,
  DirectoryBlobStore,
  InvalidBlobKeyError,
  type BlobStore,
  type DirectoryBlobStoreArgs,
} from './blobStore.js';
export {
  blobStoreIOHandler,
  exportLayersModel,
  InvalidModelJsonError,
  type BlobStoreIOHandler,
  type BlobStoreIOHandlerArgs,
  type ExportedFile,
  type ExportedModel,
  type ExportLayersModelArgs,
} from './tfjsExport.js';
export {
  exportOnnxModel,
  onnxExportBytes,
  type ExportedOnnxModel,
  type ExportOnnxModelArgs,
  type OnnxExport,
  type OnnxExportBytesArgs,
} from './onnxExport.js';
