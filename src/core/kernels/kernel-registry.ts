/**
 * Registering the book's kernels so that they stay registered.
 *
 * Some of the book's kernels fill gaps in a backend, others replace a stock
 * kernel that is wrong or slow (wasm-backprop.ts, webgl-max-pool-grad.ts). A
 * replacement must win whatever registers the backend later: a second copy of
 * a backend (its Node build beside the ESM one, a second bundle on an
 * embedding page) registers its stock kernels again when it loads, and those
 * of its kernels that are not replaced need setting up on the backend that is
 * already running.
 */
import { engine, getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig } from '@tensorflow/tfjs-core';

/** The key tfjs-core's kernel registry files a kernel under (its `makeKey`). */
const registryKey = (kernelName: string, backendName: string) => `${backendName}_${kernelName}`;

/**
 * tfjs-core's kernel registry: one `Map` in the global `_tfGlobals`, shared by
 * every copy of tfjs-core and of each backend loaded into the page or process.
 * Undefined if a later tfjs keeps it elsewhere (the test of a second
 * registration then fails).
 */
function kernelRegistry(): Map<string, KernelConfig> | undefined {
  const globals = (globalThis as { _tfGlobals?: Map<string, unknown> })._tfGlobals;
  const registry = globals?.get('kernelRegistry');
  return registry instanceof Map ? (registry as Map<string, KernelConfig>) : undefined;
}

/** The book's replacements, by registry key: a later write of one of these keys stores ours instead. */
const kept = new Map<string, KernelConfig>();
/** The registry whose `set` this module has wrapped. */
let guarded: Map<string, KernelConfig> | null = null;

/**
 * A kernel registered after its backend has started (a second copy of the backend loading its kernels into
 * a running engine) gets the setup the engine gave every kernel when the backend started: without it, a
 * stock WASM kernel has no compiled function to call ("wasmFunc is not a function"). The engine sets up
 * every kernel again when a backend is set, which a page that loads its own copy may never do.
 */
function setUpOnStartedBackend(config: KernelConfig): void {
  if (!config.setupFunc) return;
  const backend = engine().registry[config.backendName];
  if (backend !== undefined) config.setupFunc(backend);
}

/**
 * Wraps the shared registry's `set`, once, so that it keeps the book's replacements (the entries of
 * `kept`) against any later registration of another function under their names, and sets up a kernel
 * registered on a backend that has already started.
 *
 * Re-registering ours when the engine starts or before each map would leave a window (anything loaded
 * after that check) and need a call at every entry point; hooking one copy's `registerKernel` would miss
 * the others. The one place every copy writes to is the shared registry `Map`. The wrapper calls whatever
 * `set` it found, so it chains with any other.
 */
function guardRegistry(registry: Map<string, KernelConfig>): void {
  if (guarded === registry) return;
  guarded = registry;
  const set = registry.set;
  registry.set = function keepReplacements(this: Map<string, KernelConfig>, key: string, config: KernelConfig) {
    const ours = kept.get(key);
    const stored = ours !== undefined && config.kernelFunc !== ours.kernelFunc ? ours : config;
    const before = this.get(key);
    set.call(this, key, stored);
    if (stored !== before) setUpOnStartedBackend(stored);
    return this;
  };
}

/**
 * Registers each of `configs` on its backend. A kernel named in `replaced`
 * replaces the stock one for good (see `guardRegistry`); any other is added
 * only where the backend lacks it, so a registration of it by anyone else (a
 * later tfjs with native ones) is left alone. Idempotent.
 */
export function replaceKernels(configs: readonly KernelConfig[], replaced: ReadonlySet<string>): void {
  for (const config of configs) {
    const current = getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current != null) {
      if (!replaced.has(config.kernelName)) continue;
      unregisterKernel(config.kernelName, config.backendName);
    }
    registerKernel(config);
  }
  // The first replacement kept for a key stays kept, as the registry then holds it.
  for (const c of configs) {
    const key = registryKey(c.kernelName, c.backendName);
    if (replaced.has(c.kernelName) && !kept.has(key)) kept.set(key, c);
  }
  const registry = kernelRegistry();
  if (registry !== undefined) guardRegistry(registry);
}
