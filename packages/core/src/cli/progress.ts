/**
 * Progress on stderr: a cli-progress bar per stage (and per epoch) when the stream is a terminal,
 * plain lines otherwise (one per finished stage or epoch), so that logs stay readable.
 */
import cliProgress from 'cli-progress';
import type { TrainProgress } from '../training/fit.js';
import { formatDuration } from './table.js';

export interface Reporter {
  /** An information line, printed above any bar. */
  info(line: string): void;
  /** A counted task outside training (decoding images): `done` of `total`. */
  count(label: string, done: number, total: number): void;
  /** `trainTransferModel`'s `onProgress`. */
  train(p: TrainProgress): void;
  /** Leaves the terminal clean (stops a running bar). */
  close(): void;
}

const rate = (r: number): string => `${r >= 100 ? r.toFixed(0) : r.toFixed(1)} img/s`;
const four = (x: number | undefined): string => (x === undefined ? '?' : x.toFixed(4));

/** The plain line for a progress event, or undefined when the event does not end a stage or an epoch. */
export function progressLine(p: TrainProgress): string | undefined {
  if (p.stage === 'features' && p.batch === p.batches) {
    return `features ${p.phase}: ${p.batches} images, ${rate(p.imagesPerSec)}`;
  }
  if (p.stage === 'train' && p.valLoss !== undefined) {
    return (
      `train ${p.phase} epoch ${p.epoch}/${p.epochs}: loss ${four(p.loss)} acc ${four(p.accuracy)} ` +
      `val_loss ${four(p.valLoss)} val_acc ${four(p.valAccuracy)} (${rate(p.imagesPerSec)}` +
      `${p.epoch < p.epochs ? `, ETA ${formatDuration(p.etaSeconds)}` : ''})`
    );
  }
  if (p.stage === 'evaluate') return 'evaluate: predicting the test split';
  return undefined;
}

/** Reports as plain lines. */
export function lineReporter(write: (line: string) => void): Reporter {
  return {
    info: write,
    count: (label, done, total) => {
      if (done === total) write(`${label}: ${done}/${total}`);
    },
    train: (p) => {
      const line = progressLine(p);
      if (line) write(line);
    },
    close: () => undefined,
  };
}

/** Reports with bars on a terminal stream. */
export function barReporter(stream: NodeJS.WriteStream): Reporter {
  let bar: cliProgress.SingleBar | undefined;
  let key = '';
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
    key = '';
  };
  /** The bar for `k`, started with `total` (a new bar for a new key). */
  const barFor = (k: string, total: number, label: string): cliProgress.SingleBar => {
    if (bar && key === k) return bar;
    stop();
    key = k;
    bar = new cliProgress.SingleBar({
      stream,
      format: '{label} [{bar}] {value}/{total} {suffix}',
      barsize: 24,
      hideCursor: false,
      gracefulExit: false,
      clearOnComplete: false,
      linewrap: false,
      fps: 10,
      barCompleteChar: '█',
      barIncompleteChar: '░',
    });
    bar.start(total, 0, { label, suffix: '' });
    return bar;
  };
  return {
    info: (line) => {
      stop();
      stream.write(`${line}\n`);
    },
    count: (label, done, total) => {
      const b = barFor(`count:${label}`, total, label);
      b.update(done, { label, suffix: '' });
      if (done === total) stop();
    },
    train: (p) => {
      if (p.stage === 'features') {
        const label = `features ${p.phase}`;
        const b = barFor(`features:${p.phase}`, p.batches, label);
        const eta = p.batch < p.batches ? ` | ETA ${formatDuration(p.etaSeconds)}` : '';
        b.update(p.batch, { label, suffix: `images | ${rate(p.imagesPerSec)}${eta}` });
        if (p.batch === p.batches) stop();
      } else if (p.stage === 'train') {
        // One bar per epoch: a finished epoch stays on screen as its summary line.
        const label = `train ${p.phase} epoch ${p.epoch}/${p.epochs}`;
        const b = barFor(`train:${p.phase}:${p.epoch}`, p.batches, label);
        const metrics = `loss ${four(p.loss)} acc ${four(p.accuracy)}`;
        const end = p.valLoss !== undefined;
        const suffix = end
          ? `| ${metrics} val_loss ${four(p.valLoss)} val_acc ${four(p.valAccuracy)} | ${rate(p.imagesPerSec)}`
          : `| ${metrics} | ${rate(p.imagesPerSec)} | ETA ${formatDuration(p.etaSeconds)}`;
        b.update(p.batch, { label, suffix });
        if (end) stop();
      } else {
        stop();
        stream.write(`${progressLine(p)}\n`);
      }
    },
    close: stop,
  };
}

/** Bars when `stream` is a terminal, lines otherwise. */
export function createReporter(stream: NodeJS.WriteStream = process.stderr): Reporter {
  return stream.isTTY ? barReporter(stream) : lineReporter((line) => stream.write(`${line}\n`));
}
