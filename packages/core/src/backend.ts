import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { packageVersion } from './util/packageVersion.js';
import { registerTrainingKernels } from './kernels/register.js';

/** Backends Graft knows, best first. `tensorflow` is tfjs-node(-gpu)'s native backend. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Which backends a process can use, and which tfjs-node package (if any) provided `tensorflow`. */
export interface BackendAvailability {
  tensorflow: false | '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';
  wasm: boolean;
  cpu: true;
}

const require = createRequire(import.meta.url);
let availability: Promise<BackendAvailability> | undefined;

/**
 * Loads what can be loaded: tfjs-node-gpu, then tfjs-node (both optional: they cannot be installed
 * offline, so they are not dependencies), then the wasm backend. Memoised per process.
 */
export function detectBackends(): Promise<BackendAvailability> {
  availability ??= (async () => {
    let tensorflow: BackendAvailability['tensorflow'] = false;
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const) {
      try {
        require(pkg);
        tensorflow = pkg;
        break;
      } catch {
        // optional: not installed here
      }
    }
    let wasm = false;
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      wasm = tf.findBackendFactory('wasm') != null;
    } catch {
      wasm = false;
    }
    registerTrainingKernels();
    return { tensorflow, wasm, cpu: true };
  })();
  return availability;
}

/** The backends a training run will use, by role. */
export interface BackendPlan {
  /** Runs the frozen prefix (inference only). */
  inference: BackendName;
  /**
   * Trains the trainable suffix when `training` lacks a gradient kernel one of its layers needs
   * (see `missingGradientKernels`).
   */
  fallbackTraining: BackendName;
  /** Trains the trainable suffix. */
  training: BackendName;
}

/**
 * tfjs-node(-gpu) when present does everything; otherwise wasm for inference and training (with
 * Graft's gradient kernels it trains every layer type of the catalog backbones), with cpu as the
 * fallback for a layer whose gradients wasm still lacks.
 */
export async function planBackends(): Promise<BackendPlan> {
  const a = await detectBackends();
  if (a.tensorflow)
    return { inference: 'tensorflow', training: 'tensorflow', fallbackTraining: 'tensorflow' };
  if (a.wasm) return { inference: 'wasm', training: 'wasm', fallbackTraining: 'cpu' };
  return { inference: 'cpu', training: 'cpu', fallbackTraining: 'cpu' };
}

/** Makes `name` the active tfjs backend (initialising it the first time). */
export async function useBackend(name: BackendName): Promise<void> {
  await detectBackends();
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
}

/** Versions of the libraries that shape numerical results, for the lineage. */
export async function libraryVersions(): Promise<Record<string, string>> {
  const a = await detectBackends();
  const versions: Record<string, string> = {
    '@tensorflow/tfjs': tf.version.tfjs,
    node: process.versions.node,
  };
  const pkgs = ['@tensorflow/tfjs-backend-wasm', 'nsfwjs', 'sharp', 'mnist'];
  if (a.tensorflow) pkgs.push(a.tensorflow);
  for (const p of pkgs) {
    const v = packageVersion(p);
    if (v) versions[p] = v;
  }
  return versions;
}
