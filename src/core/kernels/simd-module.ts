/**
 * The book's WebAssembly SIMD kernels (simd/simd.as.ts), instantiated on the
 * WASM backend's own heap.
 *
 * The module imports the backend's `WebAssembly.Memory`, so a kernel reads and
 * writes tensors where they lie and no tensor is copied in or out. It is
 * built four ways (scripts/build-kernels.ts): with relaxed SIMD, whose fused
 * multiply-add the convolution uses, where the engine runs it, else plain
 * SIMD; each for an unshared memory or a shared one (the backend's threaded
 * build, which runs whenever the page is cross-origin isolated).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { SIMD_WASM } from './simd/simd-wasm';

type Variant = keyof typeof SIMD_WASM;

/** The module's exports; every pointer is a byte address in the backend's heap. */
export interface SimdExports {
  conv2d(x: number, w: number, b: number, y: number, h: number, w_: number, cin: number, cout: number, kh: number, kw: number, wp: number, relu: number): void;
  narrowConv2d(x: number, w: number, b: number, y: number, h: number, w_: number, cin: number, cout: number, kh: number, kw: number, wp: number, relu: number): void;
  maxPoolGradTiled(x: number, dy: number, dx: number, batch: number, inH: number, inW: number, c: number, outH: number, outW: number, fh: number, fw: number): void;
  winogradFilter(g: number, u: number, cin: number, cout: number): void;
  winogradScratchBytes(cin: number, cout: number): number;
  winograd(x: number, u: number, b: number, y: number, h: number, w: number, cin: number, cout: number, wp: number, relu: number, scratch: number): void;
}

/** The parts of the backend's emscripten module the kernels use (both builds have them). */
export interface Heap {
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
}

export interface SimdInstance {
  exports: SimdExports;
  memory: WebAssembly.Memory;
  heap: Heap;
  variant: Variant;
}

const decode = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** Whether this engine runs relaxed SIMD: the relaxed build validates. */
export const hasRelaxedSimd = (() => {
  let known: boolean | undefined;
  return () => (known ??= WebAssembly.validate(decode(SIMD_WASM.relaxed)));
})();

/**
 * Which kernels run: the relaxed-SIMD build (where the engine has it, else the
 * plain one), the plain SIMD build, or none (the stock kernels of the backend).
 */
export type SimdBuild = 'relaxed' | 'plain' | 'stock';
let wanted: SimdBuild = 'relaxed';

/** Each backend's instance; null where the kernels cannot run (no memory to share, no SIMD) or are off. */
let instances = new WeakMap<BackendWasm, SimdInstance | null>();

/**
 * Chooses the build for the next kernel call on any backend (for tests and
 * benchmarks of each). Returns the previous choice.
 */
export function setSimdBuild(build: SimdBuild): SimdBuild {
  const before = wanted;
  wanted = build;
  instances = new WeakMap();
  return before;
}

const modules = new Map<Variant, WebAssembly.Module>();
const compiling = new Map<Variant, Promise<void>>();

/** Forgets every compiled module and instance, as a page that has compiled nothing yet (for tests). */
export function forgetCompiledModules(): void {
  modules.clear();
  compiling.clear();
  instances = new WeakMap();
}

/** Compiles `variant` in the background, once; the kernels start running when it is done. */
function compileLater(variant: Variant): Promise<void> {
  let done = compiling.get(variant);
  if (!done) {
    done = WebAssembly.compile(decode(SIMD_WASM[variant])).then((m) => void modules.set(variant, m), () => {});
    compiling.set(variant, done);
  }
  return done;
}

/**
 * The compiled module of `variant`, compiled once; undefined while it is being
 * compiled in the background, where an engine refuses to compile a module of
 * this size synchronously (older Chromium on the main thread, over 4 KB).
 */
function moduleOf(variant: Variant): WebAssembly.Module | undefined {
  let module = modules.get(variant);
  if (module) return module;
  try {
    modules.set(variant, (module = new WebAssembly.Module(decode(SIMD_WASM[variant]))));
    return module;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    void compileLater(variant);
    return undefined;
  }
}

/** Which of the four builds runs on `memory`. */
function variantFor(memory: WebAssembly.Memory): Variant {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const relaxed = wanted === 'relaxed' && hasRelaxedSimd();
  return relaxed ? (shared ? 'relaxedShared' : 'relaxed') : shared ? 'plainShared' : 'plain';
}

const memoryOf = (backend: BackendWasm): WebAssembly.Memory | undefined => {
  const heap = backend.wasm as unknown as Heap;
  return heap.wasmMemory ?? heap.asm?.memory;
};

/**
 * Compiles the build `backend` will run, so that its first kernel call finds
 * it ready (the engine awaits this when it starts WASM).
 */
export async function prepareSimdKernels(backend: BackendWasm): Promise<void> {
  const memory = memoryOf(backend);
  if (wanted === 'stock' || !(memory instanceof WebAssembly.Memory)) return;
  const variant = variantFor(memory);
  if (!modules.has(variant)) await compileLater(variant);
}

/** Threads in the backend's XNNPACK pool (1 without cross-origin isolation, and in Node). */
function threadsOf(backend: BackendWasm): number {
  const tfjs = (backend.wasm as unknown as { tfjs?: { getThreadsCount?: () => number } }).tfjs;
  return tfjs?.getThreadsCount?.() ?? 1;
}

/**
 * The kernels' instance on `backend`, made on first use; null if the stock
 * kernels must run. They run on one thread, the page's: where the backend
 * has a pool of several (a cross-origin-isolated page on a machine with 4 or
 * more cores), XNNPACK spreads each convolution over it and the stock kernels
 * run instead.
 */
export function simdInstance(backend: BackendWasm): SimdInstance | null {
  if (instances.has(backend)) return instances.get(backend)!;
  let instance: SimdInstance | null = null;
  try {
    const memory = memoryOf(backend);
    if (wanted !== 'stock' && memory instanceof WebAssembly.Memory && threadsOf(backend) === 1) {
      const variant = variantFor(memory);
      const module = moduleOf(variant);
      // Not compiled yet: the stock kernels run until it is, and nothing is cached.
      if (!module) return null;
      const { exports } = new WebAssembly.Instance(module, { env: { memory } });
      instance = { exports: exports as unknown as SimdExports, memory, heap: backend.wasm as unknown as Heap, variant };
    }
  } catch {
    instance = null; // No SIMD, or a memory the module cannot import: the stock kernels run.
  }
  instances.set(backend, instance);
  return instance;
}

/** Which build of the kernels `backend` runs, or null if it runs the stock kernels only. */
export function simdVariant(backend: BackendWasm): Variant | null {
  return simdInstance(backend)?.variant ?? null;
}

/** The byte address of a tensor's data in the backend's heap. */
export const heapOffset = (backend: BackendWasm, t: TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;
