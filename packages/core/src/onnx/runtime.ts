/** ONNX Runtime (onnxruntime-node), loaded lazily: core works without it. */
import type * as Ort from 'onnxruntime-node';

export type OrtModule = typeof Ort;
export type OrtSession = Ort.InferenceSession;

let loaded: Promise<{ ort: OrtModule } | { error: string }> | undefined;

/** Loads onnxruntime-node once per process; `error` says why it is unavailable. */
export function loadOnnxRuntime(): Promise<{ ort: OrtModule } | { error: string }> {
  loaded ??= (async () => {
    try {
      const mod = (await import('onnxruntime-node')) as OrtModule & { default?: OrtModule };
      const ort = mod.InferenceSession ? mod : mod.default!;
      if (!ort?.InferenceSession) return { error: 'onnxruntime-node has no InferenceSession' };
      return { ort };
    } catch (err) {
      return { error: (err as Error).message ?? String(err) };
    }
  })();
  return loaded;
}

/** Version of onnxruntime-node when it loads, for the lineage. */
export async function onnxRuntimeVersion(): Promise<string | undefined> {
  const r = await loadOnnxRuntime();
  return 'ort' in r ? r.ort.env.versions.node : undefined;
}

/** Default intra-op threads: 2 (the machines this was measured on have 2 cores). */
export const DEFAULT_ORT_THREADS = 2;

/**
 * An inference session over compiled ONNX bytes: CPU execution provider, all graph optimisations
 * (level `all` includes the NCHWc layout transform that ORT's fast convolutions need: `extended`
 * alone measured about 2x slower on MobileNetV2), no spinning unless asked.
 */
export async function createOrtSession(
  bytes: Uint8Array,
  options: { intraOpThreads?: number; spinning?: boolean } = {},
): Promise<OrtSession> {
  const r = await loadOnnxRuntime();
  if (!('ort' in r)) throw new Error(`onnxruntime-node is not available: ${r.error}`);
  return r.ort.InferenceSession.create(bytes, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.intraOpThreads ?? DEFAULT_ORT_THREADS,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    // Spinning (idle pool threads busy-wait for the next operator) is opt-in: it made the frozen
    // forward pass ~5-10% faster here, so the feature pass asks for it; sessions that run now and
    // then (exports, tests) leave the cores to other work.
    extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } },
  });
}

/**
 * Runs `session` on one NHWC batch (float32, or the uint8 pixels of a graph that preprocesses
 * them); returns one Float32Array per output, in order.
 */
export async function runOrt(
  session: OrtSession,
  input: { name: string; data: Float32Array | Uint8Array; shape: number[] },
  outputNames: string[],
): Promise<Float32Array[]> {
  const r = await loadOnnxRuntime();
  if (!('ort' in r)) throw new Error(`onnxruntime-node is not available: ${r.error}`);
  const tensor =
    input.data instanceof Uint8Array
      ? new r.ort.Tensor('uint8', input.data, input.shape)
      : new r.ort.Tensor('float32', input.data, input.shape);
  const feeds = { [input.name]: tensor };
  const out = await session.run(feeds, outputNames);
  return outputNames.map((n) => {
    const t = out[n]!;
    return t.data as Float32Array;
  });
}
