/**
 * The browser's compute engine: registers WebGL next to the core's WASM and
 * CPU backends, fetches the WASM binaries from the asset base (assets.ts),
 * reads the reader's choice from the URL, caches calibration results, and
 * recovers from a lost WebGL context. Every component awaits
 * {@link getEngine} before computing, so the backend is chosen once per page.
 * Importing this module loads TensorFlow.js: only live figures do, and the
 * header learns of the start through engine-signals.ts.
 */
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BACKENDS, type BackendInfo, type BackendName, isBackendName, startEngine, type WebGLReport } from '../core/backend';
import { tf } from '../core/tf';
import { assetUrl } from './assets';
import { BACKEND_PARAM, ENGINE_CHANGE_EVENT, announceEngineStart, requestedBackend } from './engine-signals';
import { rejectUrlState } from './url-state';

export { BACKEND_PARAM, ENGINE_CHANGE_EVENT, requestedBackend, switchBackend } from './engine-signals';

const CACHE_KEY = `inside-the-convnet:backend:${tf.version_core}`;

/** Whether WebGL exists here and which renderer backs it (a GPU or a software rasterizer). */
export function probeWebGL(): WebGLReport {
  try {
    const canvas = document.createElement('canvas');
    const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
    if (!gl) return { available: false };
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return { available: true, renderer };
  } catch {
    return { available: false };
  }
}

function readCache(): BackendName | null {
  try {
    const entry = JSON.parse(localStorage.getItem(CACHE_KEY) ?? 'null') as { ua: string; name: string } | null;
    return entry && entry.ua === navigator.userAgent && isBackendName(entry.name) ? entry.name : null;
  } catch {
    return null;
  }
}

function writeCache(info: BackendInfo): void {
  if (Object.keys(info.timings).length < 2) return;
  try {
    localStorage.setItem(CACHE_KEY, JSON.stringify({ ua: navigator.userAgent, name: info.name }));
  } catch {
    // Storage can be disabled; calibration then simply runs on each visit.
  }
}

/** Reports a `?backend=` the book does not know and takes it out of the URL, so the automatic choice shows there too. */
function rejectUnknownBackend(): void {
  const value = new URLSearchParams(location.search).get(BACKEND_PARAM);
  if (value === null || isBackendName(value)) return;
  rejectUrlState(
    BACKEND_PARAM,
    `The link asks for the backend “${value}”, which the book does not have (it has ${BACKENDS.join(', ')}), so the book chose one itself.`,
  );
}

let current: BackendInfo | null = null;

function watchContextLoss(): void {
  if (tf.getBackend() !== 'webgl') return;
  const canvas = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl?.canvas;
  canvas?.addEventListener?.('webglcontextlost', () => void recoverFromContextLoss(), { once: true });
}

async function recoverFromContextLoss(): Promise<void> {
  const info = await startEngine({ override: 'wasm', calibrate: false });
  current = { ...info, reason: 'the GPU context was lost, so the book moved to WASM' };
  window.dispatchEvent(new CustomEvent(ENGINE_CHANGE_EVENT, { detail: current }));
}

let starting: Promise<BackendInfo> | null = null;

/** Starts the engine once per page and resolves to the active backend. */
export function getEngine(): Promise<BackendInfo> {
  starting ??= (async () => {
    announceEngineStart();
    // Read when the engine starts, not at import, so that the page's asset base is known by then.
    setWasmPaths(assetUrl('wasm/'));
    rejectUnknownBackend();
    const info = await startEngine({ override: requestedBackend(), cached: readCache(), webgl: probeWebGL() });
    writeCache(info);
    current = info;
    watchContextLoss();
    return info;
  })();
  return starting.then(() => current!);
}
