/**
 * The commands of `graft-core` (loaded only when one runs, so that `--help` does not load tfjs).
 * Each writes its results to stdout and throws GraftErrors on bad input.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { backboneCatalog, loadBackbone } from '../backbones/catalog.js';
import type { Backbone } from '../backbones/types.js';
import { loadImageFolder } from '../data/imageFolder.js';
import { loadMnistDigits } from '../data/mnist.js';
import { splitDataset } from '../data/split.js';
import type { ImageSet } from '../data/types.js';
import { GraftError } from '../errors.js';
import {
  DirectoryBlobStore,
  exportLayersModel,
  exportOnnxModel,
  type ExportedFile,
} from '../export/index.js';
import { validateLineageRecord } from '../lineage/index.js';
import { UnsupportedLayerError } from '../onnx/compile.js';
import { applySurgery, validateSurgerySpec } from '../surgery/surgery.js';
import { DirectoryFeatureCache } from '../training/featureCache.js';
import { buildLineageRecord, type BuildLineageRecordArgs } from '../training/lineage.js';
import { trainTransferModel, type TrainResult } from '../training/train.js';
import { createReporter, type Reporter } from './progress.js';
import { finishSurgery, type LayersPlan, type TrainPlan } from './specFromArgs.js';
import {
  describeFreeze,
  formatBytes,
  formatClassMetrics,
  formatConfusionMatrix,
  formatCount,
  formatLayerTable,
  formatShape,
  formatTable,
} from './table.js';

/** Terminal width the tables are made to fit. */
const WIDTH = 100;
const out = (line = ''): void => void process.stdout.write(`${line}\n`);

/** Silences tfjs' console warnings (e.g. the banner suggesting tfjs-node); `--debug` keeps them. */
export function quietTfjs(): void {
  tf.enableProdMode();
}

export function backbones(json: boolean): void {
  if (json) {
    out(JSON.stringify(backboneCatalog, null, 2));
    return;
  }
  const table = formatTable({
    maxWidth: WIDTH,
    columns: [
      { header: 'id' },
      { header: 'name', shrink: true },
      { header: 'family' },
      { header: 'pretrained' },
      { header: 'input' },
    ],
    rows: backboneCatalog.map((e) => [
      e.id,
      e.name,
      e.family,
      e.pretrained ? 'yes' : 'no (random init)',
      formatShape(e.inputShape),
    ]),
  });
  table.forEach((l) => out(l));
}

export async function layers(plan: LayersPlan): Promise<void> {
  const backbone = await loadBackbone({ source: backboneSource(plan.backbone) });
  const spec = finishSurgery(plan.surgery, {
    input: plan.input,
    channels: backbone.inputShape[2],
    classes: plan.classes,
  });
  const s = await applySurgery({ backbone, spec });
  s.model.dispose();
  if (plan.json) {
    const { model: _model, ...rest } = s;
    out(JSON.stringify({ backbone: backbone.id, name: backbone.name, ...rest }, null, 2));
    return;
  }
  const backboneLayers = s.frozenLayers.length + s.trainableLayers.length;
  out(
    `${backbone.name} (${backbone.id}) at ${formatShape(s.inputShape)}, cut at '${s.cutAt}' (>), frozen: ${describeFreeze(s.freeze)}`,
  );
  out();
  formatLayerTable(s.layers, s.cutAt, WIDTH).forEach((l) => out(l));
  out();
  out(
    `layers: ${s.layers.length} (${backboneLayers} of the backbone, ${s.headLayers.length} of the head; ${s.removedLayers.length} removed by the cut)`,
  );
  const n = (x: number): string => formatCount(x).padStart(12);
  out(
    `frozen params:    ${n(s.frozenParams)}  (${plural(s.frozenLayers.length, 'backbone layer')})`,
  );
  out(
    `trainable params: ${n(s.trainableParams)}  (${plural(s.trainableLayers.length, 'backbone layer')}, ${plural(s.headLayers.length, 'head layer')})`,
  );
  out(`total params:     ${n(s.frozenParams + s.trainableParams)}`);
}

export async function train(plan: TrainPlan, started = Date.now()): Promise<void> {
  const outDir = resolve(plan.out);
  const report = createReporter(process.stderr);
  try {
    let t = Date.now();
    const backbone = await loadBackbone({ source: backboneSource(plan.backbone) });
    // Cut, freeze, input shape and head against the backbone, before the (maybe slow) data loading;
    // the classes come from the data, so placeholders stand in for them here.
    const placeholders = plan.surgery.head.classes ?? ['class_0', 'class_1'];
    validateSurgerySpec(
      backbone,
      finishSurgery(plan.surgery, {
        input: plan.input,
        channels: backbone.inputShape[2],
        classes: placeholders,
      }),
    );
    // Before the real work: a folder that cannot be made would lose the run.
    for (const [dir, what, field] of [
      [outDir, 'output', 'out'],
      [plan.cacheDir, 'feature cache', 'cacheDir'],
    ] as const) {
      await mkdir(dir, { recursive: true }).catch((err: Error) => {
        throw new GraftError(
          'NOT_WRITABLE',
          `cannot create the ${what} folder '${dir}': ${err.message}`,
          field,
        );
      });
    }
    report.info(
      `backbone ${backbone.id} (${backbone.name}, ${backbone.layerNames.length} layers, input ${formatShape(backbone.inputShape)}) loaded in ${secs(t)}`,
    );

    t = Date.now();
    const { set, skipped } = await loadData(plan, backbone, report);
    const data = splitDataset({
      set,
      seed: plan.data.splitSeed ?? plan.train.seed ?? 42,
      ...(plan.data.validationFraction !== undefined && {
        validationFraction: plan.data.validationFraction,
      }),
      ...(plan.data.testFraction !== undefined && { testFraction: plan.data.testFraction }),
    });
    report.info(
      `data ${set.name}: ${set.count} images, ${set.classes.length} classes (${set.classes.join(', ')})` +
        `${skipped ? `, ${skipped} corrupt skipped` : ''}; split ${data.train.count} train / ` +
        `${data.validation.count} validation / ${data.test.count} test; loaded in ${secs(t)}`,
    );

    const surgery = finishSurgery(plan.surgery, {
      input: plan.input,
      channels: backbone.inputShape[2],
      classes: set.classes,
    });
    report.info(
      `training: ${plan.train.mode}${surgery.freeze ? `, phase 2 frozen: ${describeFreeze(surgery.freeze)}` : ''}; feature cache ${plan.cacheDir}`,
    );
    const result = await trainTransferModel({
      backbone,
      data,
      surgery,
      train: plan.train,
      featureCache: new DirectoryFeatureCache(plan.cacheDir),
      onProgress: (p) => report.train(p),
      log: (line) => report.info(line),
    });
    report.close();

    const written = await writeOutputs({
      outDir,
      result,
      lineageArgs: { backbone, surgery, train: plan.train, data, result, skippedCorrupt: skipped },
    });
    printSummary(result, outDir, written);
    const seconds = Number(((Date.now() - started) / 1000).toFixed(1));
    out(
      JSON.stringify({
        train: 'done',
        testAccuracy: result.evaluation.accuracy,
        seconds,
        out: outDir,
        onnx: written.onnx ?? null,
      }),
    );
  } finally {
    report.close();
  }
}

interface Written {
  path: string;
  bytes: number;
  what: string;
}

/** What {@link writeOutputs} wrote, and why there is no `model.onnx` when there is none. */
interface Outputs {
  files: Written[];
  /** The single-file ONNX export, as listed in the lineage's artifacts. */
  onnx?: ExportedFile;
  /** The compiler's reason when the model has a layer ONNX cannot take. */
  onnxSkipped?: string;
}

/**
 * Writes the run into `outDir` through a DirectoryBlobStore (each file appears whole): the model
 * (model.json + weights.bin, and the same model as one model.onnx for ONNX Runtime or Triton),
 * evaluation.json, and lineage.json listing the model files, with their sha256, as artifacts.
 * A model the ONNX compiler cannot translate keeps its tfjs files only (the reason is returned).
 * Disposes the model.
 */
async function writeOutputs(a: {
  outDir: string;
  result: TrainResult;
  lineageArgs: Omit<BuildLineageRecordArgs, 'artifacts'>;
}): Promise<Outputs> {
  const store = new DirectoryBlobStore({ root: a.outDir });
  let models: ExportedFile[];
  let onnx: ExportedFile | undefined;
  let onnxSkipped: string | undefined;
  try {
    models = (await exportLayersModel({ model: a.result.model, store, prefix: '' })).files;
    try {
      const exported = await exportOnnxModel({
        model: a.result.model,
        store,
        prefix: '',
        classes: a.lineageArgs.surgery.head.classes,
        preprocessing: a.lineageArgs.backbone.preprocessing,
      });
      onnx = exported.file;
      models.push(onnx);
    } catch (err) {
      if (!(err instanceof UnsupportedLayerError)) throw err;
      onnxSkipped = err.message;
    }
  } finally {
    a.result.model.dispose();
  }
  const written: Written[] = models.map((f) => ({
    path: f.path,
    bytes: f.bytes,
    what: f === onnx ? 'model, one ONNX file (ONNX Runtime, Triton)' : 'model',
  }));
  const putJson = async (path: string, what: string, value: unknown): Promise<void> => {
    const bytes = new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);
    await store.put(path, bytes);
    written.push({ path, bytes: bytes.byteLength, what });
  };
  await putJson('evaluation.json', 'evaluation on the test split', a.result.evaluation);
  const lineage = await buildLineageRecord({ ...a.lineageArgs, artifacts: models });
  const problems = validateLineageRecord(JSON.parse(JSON.stringify(lineage)));
  if (problems.length > 0)
    throw new Error(`the lineage record is invalid: ${JSON.stringify(problems)}`);
  await putJson('lineage.json', 'lineage record', lineage);
  return { files: written, ...(onnx && { onnx }), ...(onnxSkipped && { onnxSkipped }) };
}

/** Test accuracy, phases, per-class metrics, confusion matrix and the files written (stdout). */
function printSummary(result: TrainResult, outDir: string, written: Outputs): void {
  const e = result.evaluation;
  out();
  out(
    `test accuracy ${e.accuracy.toFixed(4)} on ${e.count} images${e.loss !== undefined ? ` (loss ${e.loss.toFixed(4)})` : ''}`,
  );
  for (const p of result.phases) {
    const engine = p.engine?.kind === 'worker-pool' ? ` x${p.engine.workers} workers` : '';
    out(
      `phase ${p.name}: ${p.epochsRun}/${p.epochs} epochs${p.earlyStopped ? ` (stopped early, best epoch ${p.bestEpoch})` : ''}, ` +
        `${p.optimizer} lr ${p.learningRate}, ${formatCount(p.trainableParams)} trainable params`,
    );
    out(
      `  features ${p.featureCache.hit ? 'from cache' : `on ${p.backends.inference}${engine}`} (${p.featureSeconds.toFixed(1)}s), ` +
        `training on ${p.backends.training} (${p.trainSeconds.toFixed(1)}s)`,
    );
  }
  const [head, fineTune] = result.phases;
  if (head && fineTune && fineTune.trainableParams <= head.trainableParams) {
    out(
      `note: the fine-tune phase unfroze no backbone weights (the last blocks hold none); unfreeze more blocks`,
    );
  }
  out();
  formatClassMetrics(e, WIDTH).forEach((l) => out(l));
  out();
  out('confusion matrix (rows: true class, columns: predicted)');
  formatConfusionMatrix(e, WIDTH).forEach((l) => out(l));
  out();
  out(`wrote ${outDir}/`);
  for (const f of written.files)
    out(`  ${f.path.padEnd(16)} ${formatBytes(f.bytes).padStart(9)}  ${f.what}`);
  if (written.onnx) out(`  model.onnx sha256 ${written.onnx.sha256}`);
  if (written.onnxSkipped) out(`note: no model.onnx: ${written.onnxSkipped}`);
}

/** The plan's images: MNIST digits, or a folder decoded at the model's input size (or data.size). */
async function loadData(
  plan: TrainPlan,
  backbone: Backbone,
  report: Reporter,
): Promise<{ set: ImageSet; skipped: number }> {
  const spec = plan.data;
  if (spec.mnist) return { set: loadMnistDigits({ ...spec.mnist }), skipped: 0 };
  const inputShape = plan.input
    ? [plan.input, plan.input]
    : (plan.surgery.inputShape ?? backbone.inputShape);
  const size = spec.size ?? [inputShape[0]!, inputShape[1]!];
  const set = await loadImageFolder({
    dir: spec.folder!,
    size,
    channels: backbone.inputShape[2] === 1 ? 1 : 3,
    skipCorrupt: spec.skipCorrupt ?? false,
    onProgress: (done, total) => report.count(`decode images in ${spec.folder}`, done, total),
  });
  for (const s of set.skipped) report.info(`skipped corrupt image ${s.path}: ${s.reason}`);
  return { set, skipped: set.skipped.length };
}

/**
 * `loadBackbone` takes a bare name (`mymodel`) for a catalog id; a folder of that name in the cwd
 * is meant here, so it is passed as a path.
 */
function backboneSource(source: string): string {
  if (backboneCatalog.some((e) => e.id === source) || /^https?:\/\//.test(source)) return source;
  return existsSync(source) ? resolve(source) : source;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function secs(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)}s`;
}
