import type * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../data/types.js';
import { compileToOnnx, ONNX_OPSET } from '../onnx/compile.js';
import { sha256 } from '../util/hash.js';
import { blobKeySegments, type BlobStore } from './blobStore.js';
import type { ExportedFile } from './tfjsExport.js';

/** Arguments of {@link onnxExportBytes}. */
export interface OnnxExportBytesArgs {
  /** The whole trained model: frozen prefix + trained suffix + head, as one LayersModel. */
  model: tf.LayersModel;
  /** Class names of the softmax outputs, in order (stored in the file's metadata). */
  classes?: string[];
  /** How raw pixels become the model input (stored in the file's metadata: servers must apply it). */
  preprocessing?: Preprocessing;
}

/** A trained model as one ONNX file, in memory (see {@link onnxExportBytes}). */
export interface OnnxExport {
  /** The serialised ModelProto: what `model.onnx` holds. */
  bytes: Uint8Array;
  /** Hex sha256 of `bytes` (the lineage's artifact checksum). */
  sha256: string;
  /** Graph input (NHWC float32, `[batch, h, w, c]`, batch dynamic) and output names. */
  inputName: string;
  outputNames: string[];
  /** Per-image input shape [h, w, c]. */
  inputShape: number[];
  opset: number;
}

/**
 * A trained model as one self-contained ONNX file (opset 13, weights inside, BatchNorm folded)
 * for ONNX Runtime or Triton, in memory with its sha256, for callers that store it themselves
 * (an object store keyed by content). The input is NHWC like the tfjs model's, already
 * preprocessed (`metadata_props` `graft.preprocessing` says how); the output is the head's softmax.
 * Metadata also carries `graft.classes`, `graft.inputShape` and `graft.inputLayout`. Call it before
 * disposing the model.
 * @throws UnsupportedLayerError naming a layer the compiler does not translate (a custom
 *   backbone's): the tfjs files are then the only export.
 */
export function onnxExportBytes(args: OnnxExportBytesArgs): OnnxExport {
  const metadata: Record<string, string> = {
    'graft.inputShape': JSON.stringify(args.model.inputs[0]!.shape.slice(1)),
    'graft.inputLayout': 'NHWC',
  };
  if (args.classes) metadata['graft.classes'] = JSON.stringify(args.classes);
  if (args.preprocessing) metadata['graft.preprocessing'] = JSON.stringify(args.preprocessing);
  const compiled = compileToOnnx(args.model, { metadata });
  return {
    bytes: compiled.bytes,
    sha256: sha256(compiled.bytes),
    inputName: compiled.inputName,
    outputNames: compiled.outputNames,
    inputShape: compiled.inputShape,
    opset: ONNX_OPSET,
  };
}

/** Arguments of {@link exportOnnxModel}. */
export interface ExportOnnxModelArgs extends OnnxExportBytesArgs {
  store: BlobStore;
  /** Folder key; the file is `<prefix>/<fileName>`. Leading and trailing `/` are ignored. */
  prefix: string;
  /** Default `'model.onnx'`. */
  fileName?: string;
}

/** What {@link exportOnnxModel} wrote. */
export interface ExportedOnnxModel {
  /** The stored file: an entry for the lineage's `artifacts` list. */
  file: ExportedFile;
  /** Graph input (NHWC float32, `[batch, h, w, c]`, batch dynamic) and output names. */
  inputName: string;
  outputNames: string[];
  inputShape: number[];
  opset: number;
}

/**
 * Writes {@link onnxExportBytes}' file into a {@link BlobStore} at `<prefix>/<fileName>` and
 * returns it with its size and sha256.
 * @throws UnsupportedLayerError naming a layer the compiler does not translate (nothing is written).
 */
export async function exportOnnxModel(args: ExportOnnxModelArgs): Promise<ExportedOnnxModel> {
  const folder = args.prefix.replace(/^\/+|\/+$/g, '');
  const name = args.fileName ?? 'model.onnx';
  const key = folder === '' ? name : `${folder}/${name}`;
  blobKeySegments(key);
  const { bytes, sha256: digest, ...graph } = onnxExportBytes(args);
  await args.store.put(key, bytes);
  return { file: { path: key, bytes: bytes.byteLength, sha256: digest }, ...graph };
}
