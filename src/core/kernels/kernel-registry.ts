/**
 * Registering the book's kernels so that they stay registered.
 *
 * Some of the book's kernels fill gaps in a backend, others replace a stock
 * kernel that is wrong or slow (wasm-backprop.ts, webgl-max-pool-grad.ts). A
 * replacement must win whatever registers the backend later: a second copy of
 * a backend (its Node build beside the ESM one, a second bundle on an
 * embedding page) registers its stock kernels again when it loads.
 */
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
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

/**
 * Makes the registry keep each of `kept` against any later registration of
 * another function under its name.
 *
 * Re-registering ours when the engine starts or before each map would leave a
 * window (anything loaded after that check) and need a call at every entry
 * point; hooking one copy's `registerKernel` would miss the others. The one
 * place every copy writes to is the shared registry `Map`, so its `set` is
 * wrapped there: a write of a kept kernel's key stores ours instead. The
 * wrapper calls whatever `set` it found, so wrappers chain, and the first one
 * installed for a key wins.
 */
function keepInRegistry(registry: Map<string, KernelConfig>, kept: readonly KernelConfig[]): void {
  const ours = new Map(kept.map((c) => [registryKey(c.kernelName, c.backendName), c]));
  const set = registry.set;
  registry.set = function keepReplacements(this: Map<string, KernelConfig>, key: string, config: KernelConfig) {
    const kept = ours.get(key);
    return set.call(this, key, kept !== undefined && config.kernelFunc !== kept.kernelFunc ? kept : config);
  };
}

/** Registry keys whose replacement is already kept by this module. */
const guarded = new Set<string>();

/**
 * Registers each of `configs` on its backend. A kernel named in `replaced`
 * replaces the stock one for good (see `keepInRegistry`); any other is added
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
  const registry = kernelRegistry();
  const unguarded = configs.filter((c) => replaced.has(c.kernelName) && !guarded.has(registryKey(c.kernelName, c.backendName)));
  if (registry !== undefined && unguarded.length > 0) {
    keepInRegistry(registry, unguarded);
    for (const c of unguarded) guarded.add(registryKey(c.kernelName, c.backendName));
  }
}
