#!/usr/bin/env node
/**
 * `graft-core`: the catalog, the layer table of a surgery, and transfer-learning runs from the
 * command line. Progress goes to stderr; results to stdout (for `train`, the last line is JSON).
 * Exit codes: 0 done, 1 unexpected error, 2 bad input (a GraftError: spec, layer, LR, images, flags).
 */
import { GraftError } from '../errors.js';
import { validateTrainSpec } from '../training/validate.js';
import {
  BACKBONES_OPTIONS,
  layersPlanFromArgs,
  parseFlags,
  trainPlanFromArgs,
  UsageError,
} from './specFromArgs.js';

const COMMANDS = ['backbones', 'layers', 'train'];
const out = (line = ''): void => void process.stdout.write(`${line}\n`);

/** The command-line way out of some errors (whose messages name the spec setting). */
const HINTS: Record<string, string> = {
  CORRUPT_IMAGES: 'pass --skip-corrupt to leave them out',
  DANGEROUS_LEARNING_RATE: 'lower --fine-tune-lr, or pass --allow-high-lr if you mean it',
};

const HELP: Record<string, string> = {
  main: `graft-core — backbone surgery and transfer learning with TensorFlow.js

usage: graft-core <command> [flags]

commands:
  backbones   list the backbone catalog
  layers      show the layer table of a backbone after surgery
  train       train a transfer model and write it, its evaluation and its lineage

Run 'graft-core <command> --help' for a command's flags. --debug prints stacks and tfjs warnings.
Exit codes: 0 done, 1 unexpected error, 2 bad input (spec, layer, learning rate, images, flags).

examples:
  graft-core backbones
  graft-core layers --backbone mobilenet_v2 --input 96
  graft-core train --backbone lenet5-mnist04 --mnist-digits 5-9 --out runs/mnist59`,

  backbones: `usage: graft-core backbones [--json]

Lists the catalog: id, name, family, whether the weights are pretrained, and the input shape.

  --json    print the catalog as JSON (with descriptions)

examples:
  graft-core backbones
  graft-core backbones --json | jq -r '.[].id'`,

  layers: `usage: graft-core layers --backbone <id|dir|url> [flags]

Prints the layer table of the model surgery builds (name, class, output shape, parameters, whether
the layer trains, origin), the cut layer marked '>', then the frozen/trainable parameter totals.
Surgery is always applied: without flags it uses its defaults (input of the backbone, cut at the
last feature layer, whole backbone frozen, a head for 2 dummy classes), so the table is what a
feature-extraction run would train.

  --backbone <id|dir|url>            catalog id (see 'graft-core backbones'), a directory holding
                                     model.json, or an http(s) URL of a model.json
  --input <n>                        input size n x n (channels stay the backbone's)
  --cut <layer>                      cut the backbone at this layer (default: last feature layer)
  --freeze-all-but-last-blocks <n>   unfreeze the last n blocks of the backbone
  --freeze-up-to <layer>             freeze up to and including this layer
  --freeze-pattern <regexp>          freeze the layers whose name matches
  --dense <units[,units]>            hidden dense layer(s) of the head
  --dropout <rate>                   dropout before the softmax layer
  --classes <a,b,...>                head classes (default: class_0,class_1)
  --json                             print the table and totals as JSON

examples:
  graft-core layers --backbone mobilenet_v2 --input 96
  graft-core layers --backbone mobilenet_v2 --input 96 --freeze-all-but-last-blocks 2
  graft-core layers --backbone lenet5 --cut conv2 --classes cat,dog --json`,

  train: `usage: graft-core train [--spec run.json] [flags] --out <dir>

Trains a transfer model: loads the backbone and the data, splits it (train/validation/test),
applies surgery, trains (frozen-prefix features are cached in --cache-dir), evaluates on the test
split, and writes to --out: model.json + weights.bin (tfjs layers model), model.onnx (the same
model as one ONNX file, for ONNX Runtime or Triton; left out, with a note, when a layer has no ONNX
translation), evaluation.json and lineage.json (which lists the model files with their sha256).
Progress goes to stderr (bars on a terminal, one line per stage/epoch otherwise); the summary goes
to stdout, whose last line is JSON:
  {"train":"done","testAccuracy":0.98,"seconds":12.3,"out":"/abs/dir",
   "onnx":{"path":"model.onnx","bytes":123456,"sha256":"..."}}

--spec file.json holds { "backbone", "data", "surgery", "train" } (all optional; flags override):
  "data": { "mnist": { "digits": [5, 6, 7, 8, 9] } }  or  { "folder": "path", "size": [h, w] },
          plus optional "splitSeed", "validationFraction", "testFraction", "skipCorrupt"
  "surgery": a SurgerySpec (head.classes default to the data's classes)
  "train": a TrainSpec

data:
  --backbone <id|dir|url>            the backbone (see 'graft-core backbones')
  --mnist-digits <5-9|0,2,4>         MNIST digits shipped with the 'mnist' package
  --limit <n>                        at most n MNIST images (balanced over the digits)
  --images <dir>                     a folder with one sub-folder of images per class
  --skip-corrupt                     leave undecodable images out (counted in the lineage)
                                     instead of failing
surgery:
  --input <n>                        input n x n x (channels of the backbone); folder images are
                                     also loaded at n x n (default: the backbone's input size)
  --cut <layer>                      cut the backbone at this layer
  --freeze-all-but-last-blocks <n>   fine-tuning: unfreeze the last n blocks in phase 2 (default 1)
  --freeze-up-to <layer>             fine-tuning: freeze up to and including this layer
  --freeze-pattern <regexp>          fine-tuning: freeze the layers whose name matches
  --dense <units[,units]>            hidden dense layer(s) of the head, e.g. 128
  --dropout <rate>                   dropout before the softmax layer, e.g. 0.5
training:
  --mode <feature-extraction|fine-tuning>
                                     default: fine-tuning when a freeze or fine-tune flag is
                                     given, else feature-extraction
  --epochs <n>                       head epochs (default 10, early stopping with patience 3)
  --lr <rate>                        head learning rate (default 1e-3)
  --fine-tune-epochs <n>             phase-2 epochs (default 5)
  --fine-tune-lr <rate>              phase-2 learning rate (default 1e-5; above 1e-3 is refused)
  --allow-high-lr                    accept a phase-2 learning rate above 1e-3
  --batch-size <n>                   default 32
  --seed <n>                         seed of initialisers, shuffling and the split (default 42)
  --workers <n>                      frozen-pass worker threads (default: one per core; 0: none)
  --engine <onnxruntime|tfjs-wasm|tfjs>
                                     force the engine of the frozen prefix (default: the first
                                     that can run it, in that order; a forced one that cannot fails)
  --cache-dir <dir>                  feature cache (default .graft/feature-cache)
  --out <dir>                        where to write the results (required)

examples:
  graft-core train --backbone lenet5-mnist04 --mnist-digits 5-9 --dense 128 --dropout 0.5 --out runs/a
  graft-core train --backbone mobilenet_v2 --input 96 --mnist-digits 5-9 --limit 2000 --out runs/b
  graft-core train --backbone mobilenet_v2 --images ./flowers --input 128 \\
      --mode fine-tuning --freeze-all-but-last-blocks 2 --fine-tune-lr 1e-5 --out runs/c
  graft-core train --spec run.json --epochs 3 --out runs/d`,
};

/** Runs a command line (the arguments after `graft-core`); returns the exit code. */
async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      const topic = command === 'help' ? rest[0] : undefined;
      out(HELP[topic && topic in HELP ? topic : 'main']);
      return 0;
    }
    if (!COMMANDS.includes(command)) {
      throw new UsageError(
        `unknown command '${command}'; commands are backbones, layers, train (see graft-core --help)`,
      );
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      out(HELP[command]);
      return 0;
    }
    // Flags are checked before the commands (and tfjs with them) are loaded: mistakes show at once.
    const started = Date.now();
    if (command === 'backbones') {
      const { json } = parseFlags(rest, BACKBONES_OPTIONS);
      (await loadCommands(debug)).backbones(json === true);
    } else if (command === 'layers') {
      const plan = layersPlanFromArgs(rest);
      await (await loadCommands(debug)).layers(plan);
    } else {
      const plan = trainPlanFromArgs(rest);
      // Mode, epochs, rates (a dangerous fine-tuning LR), engine: before anything is loaded.
      validateTrainSpec(plan.train, { freeze: plan.surgery.freeze, head: { classes: [] } });
      await (await loadCommands(debug)).train(plan, started);
    }
    return 0;
  } catch (err) {
    if (err instanceof GraftError) {
      process.stderr.write(`error: ${err.message}\n${err.field ? `field: ${err.field}\n` : ''}`);
      const hint = HINTS[err.code];
      if (hint) process.stderr.write(`hint: ${hint}\n`);
      if (err instanceof UsageError)
        process.stderr.write(
          `run 'graft-core ${command && COMMANDS.includes(command) ? `${command} ` : ''}--help' for usage\n`,
        );
      if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
      return 2;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    process.stderr.write(`error: ${debug ? (e.stack ?? e.message) : e.message}\n`);
    if (!debug) process.stderr.write('(run with --debug for the stack trace)\n');
    return 1;
  }
}

/** The commands module (tfjs and the rest of core), tfjs' warnings silenced unless `--debug`. */
async function loadCommands(debug: boolean): Promise<typeof import('./commands.js')> {
  const commands = await import('./commands.js');
  if (!debug) commands.quietTfjs();
  return commands;
}

// `graft-core layers ... | head`: a closed pipe ends the output, it is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});
process.exitCode = await main(process.argv.slice(2));
