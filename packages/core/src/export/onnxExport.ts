import type * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '../data/types.js';
import { compileToOnnx, ONNX_OPSET } from '../onnx/compile.js';
import { sha256 } from '../util/hash.js';
import { blobKeySegments, type BlobStore } from './blobStore.js';
import type { ExportedFile } from './tfjsExport.js';

/** Arguments of {@link exportOnnxModel}. */
export interface ExportOnnxModelArgs {
  /** The whole trained model: frozen prefix + trained suffix + head, as one LayersModel. */
  model: tf.LayersModel;
  store: BlobStore;
  /** Folder key; the file is `<prefix>/<fileName>`. Leading and trailing `/` are ignored. */
  prefix: string;
  /** Default `'model.onnx'`. */
  fileName?: string;
  /** Class names of the softmax outputs, in order (stored in the file's metadata). */
  classes?: string[];
  /** How raw pixels become the model input (stored in the file's metadata: servers must apply it). */
  preprocessing?: Preprocessing;
}

/** What {@link exportOnnxModel} wrote. */
export interface ExportedOnnxModel {
  file: ExportedFile;
  /** Graph input (NHWC float32, `[batch, h, w, c]`, batch dynamic) and output names. */
  inputName: string;
  outputNames: string[];
  inputShape: number[];
  opset: number;
}

/**
 * Exports a trained model as one self-contained ONNX file (opset 13, weights inside, BatchNorm
 * folded) for ONNX Runtime or Triton, and returns it with its size and sha256. The input is NHWC
 * like the tfjs model's, already preprocessed (`metadata_props` `graft.preprocessing` says how);
 * the output is the head's softmax. Metadata also carries `graft.classes` and `graft.inputShape`.
 * @throws UnsupportedLayerError naming a layer the compiler does not translate.
 */
export async function exportOnnxModel(args: ExportOnnxModelArgs): Promise<ExportedOnnxModel> {
  const folder = args.prefix.replace(/^\/+|\/+$/g, '');
  const name = args.fileName ?? 'model.onnx';
  const key = folder === '' ? name : `${folder}/${name}`;
  blobKeySegments(key);
  const metadata: Record<string, string> = {
    'graft.inputShape': JSON.stringify(args.model.inputs[0]!.shape.slice(1)),
    'graft.inputLayout': 'NHWC',
  };
  if (args.classes) metadata['graft.classes'] = JSON.stringify(args.classes);
  if (args.preprocessing) metadata['graft.preprocessing'] = JSON.stringify(args.preprocessing);
  const compiled = compileToOnnx(args.model, { metadata });
  await args.store.put(key, compiled.bytes);
  return {
    file: { path: key, bytes: compiled.bytes.byteLength, sha256: sha256(compiled.bytes) },
    inputName: compiled.inputName,
    outputNames: compiled.outputNames,
    inputShape: compiled.inputShape,
    opset: ONNX_OPSET,
  };
}
