/** ONNX: compile tfjs LayersModels (or their frozen prefixes) to ONNX and run them on ONNX Runtime. */
export {
  compileToOnnx,
  samePads,
  ONNX_OPSET,
  SUPPORTED_LAYER_TYPES,
  UnsupportedLayerError,
  type CompiledOnnx,
  type CompileOptions,
} from './compile.js';
export {
  CompiledGraphCache,
  compiledGraphCache,
  ONNX_COMPILER_VERSION,
  type GraphCacheHit,
} from './cache.js';
export {
  createOrtSession,
  DEFAULT_ORT_THREADS,
  loadOnnxRuntime,
  onnxRuntimeVersion,
  runOrt,
  type OrtModule,
  type OrtSession,
} from './runtime.js';
