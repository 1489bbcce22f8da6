/**
 * Picks the TensorFlow.js backend the book computes on.
 *
 * Order of preference is WebGL on a real GPU, then WASM (SIMD, and threads
 * where the page is cross-origin isolated), then CPU. Capability alone is not
 * enough: a WebGL context backed by a software rasterizer (SwiftShader,
 * llvmpipe) is several times slower than WASM SIMD, so when more than one
 * backend initialises, a short calibration on the probe network decides.
 * Environment-specific facts (URL override, cached choice, WebGL renderer
 * string) are passed in, so this module runs unchanged in Node.
 */
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { prepareSimdKernels } from './kernels/simd-module';
import { createProbeNet } from './probe-net';
import { median, timeRuns } from './stats';
import { tf } from './tf';
import { type BackendName, isSoftwareRenderer } from './backend-names';

export { BACKENDS, type BackendName, isBackendName, isSoftwareRenderer } from './backend-names';

/** Untimed and timed runs of the probe during calibration: enough for a stable median, short enough for page load. */
export const CALIBRATION = { warmup: 2, runs: 5 } as const;

/** What the environment says about WebGL, measured by the caller (a DOM concern). */
export interface WebGLReport {
  available: boolean;
  /** Unmasked renderer string, when the browser reveals it. */
  renderer?: string;
}

/** Inputs to {@link startEngine}. */
export interface EngineOptions {
  /** A backend the reader asked for (URL parameter or control); honoured when it initialises. */
  override?: BackendName | null;
  /** The winner of an earlier calibration in this browser; reused to skip calibrating. */
  cached?: BackendName | null;
  /** WebGL availability; omit where WebGL cannot exist (Node). */
  webgl?: WebGLReport;
  /** Set false to take the first backend that initialises instead of timing them. */
  calibrate?: boolean;
}

/** The active backend and how it was chosen: what the book shows the reader. */
export interface BackendInfo {
  name: BackendName;
  /** WASM only: SIMD instructions in use. */
  simd: boolean;
  /** WASM only: threads in XNNPACK's pool (1 without cross-origin isolation). */
  threads: number;
  /** WebGL renderer string, when known. */
  renderer?: string;
  /** Why this backend, in one sentence for the reader. */
  reason: string;
  /** Median milliseconds of the probe per backend, when calibration ran. */
  timings: Partial<Record<BackendName, number>>;
}

/** Backends worth trying automatically, in order of preference, with notes on those left out. */
export function automaticCandidates(webgl: WebGLReport | undefined): { order: BackendName[]; notes: string[] } {
  const notes: string[] = [];
  const order: BackendName[] = [];
  if (webgl?.available && !(webgl.renderer && isSoftwareRenderer(webgl.renderer))) order.push('webgl');
  else if (webgl?.available) notes.push(`WebGL is software-emulated (${webgl.renderer})`);
  else if (webgl) notes.push('WebGL is unavailable');
  order.push('wasm', 'cpu');
  return { order, notes };
}

async function tryBackend(name: BackendName): Promise<boolean> {
  if (!tf.findBackendFactory(name)) return false;
  try {
    const started = await tf.setBackend(name);
    // The book's SIMD kernels compiled before the first figure runs (simd-module.ts).
    if (started && name === 'wasm') await prepareSimdKernels(tf.backend() as BackendWasm);
    return started;
  } catch {
    return false;
  }
}

/** Median milliseconds of the probe's forward + input gradient on the active backend. */
export async function timeProbe(runs: { warmup: number; runs: number } = CALIBRATION): Promise<number> {
  const probe = createProbeNet();
  try {
    return median(await timeRuns(() => probe.run(), runs));
  } finally {
    probe.dispose();
  }
}

async function describe(name: BackendName, reason: string, timings: BackendInfo['timings'], renderer?: string): Promise<BackendInfo> {
  const wasm = name === 'wasm';
  return {
    name,
    simd: wasm && Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
    threads: wasm ? getThreadsCount() : 0,
    renderer: name === 'webgl' ? renderer : undefined,
    reason,
    timings,
  };
}

/**
 * Initialises and activates the best backend, and says why. The reader's
 * override wins when it initialises; then an earlier calibration; then the
 * fastest of the automatic candidates that initialise (CPU is timed only when
 * nothing else works, since WASM always beats it). Calibration runs only when
 * WebGL and WASM are both candidates: with one, there is nothing to compare,
 * and timing it would only delay the page's first figure.
 */
export async function startEngine(options: EngineOptions = {}): Promise<BackendInfo> {
  const renderer = options.webgl?.renderer;
  const failed: string[] = [];
  if (options.override) {
    if (await tryBackend(options.override)) return describe(options.override, 'chosen by the reader', {}, renderer);
    failed.push(`${options.override} (asked for) did not start`);
  }
  const { order, notes } = automaticCandidates(options.webgl);
  if (options.cached && order.includes(options.cached) && (await tryBackend(options.cached))) {
    return describe(options.cached, 'fastest when this browser was last measured', {}, renderer);
  }
  const timings: BackendInfo['timings'] = {};
  const started: BackendName[] = [];
  const calibrate = options.calibrate !== false && order.filter((name) => name !== 'cpu').length > 1;
  for (const name of order) {
    if (name === 'cpu' && started.length > 0) break;
    if (!(await tryBackend(name))) {
      failed.push(`${name} did not start`);
      continue;
    }
    started.push(name);
    if (!calibrate) break;
    timings[name] = await timeProbe();
  }
  if (started.length === 0) throw new Error(`No TensorFlow.js backend could start: ${failed.join('; ')}.`);
  const best = started.reduce((a, b) => ((timings[b] ?? Infinity) < (timings[a] ?? Infinity) ? b : a));
  if (tf.getBackend() !== best) await tf.setBackend(best);
  const why = [
    started.length > 1 ? `fastest in a short calibration` : `the best backend that started`,
    ...notes,
    ...failed,
  ].join('; ');
  return describe(best, why, timings, renderer);
}
