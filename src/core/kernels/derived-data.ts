/**
 * Data a WASM kernel derives from a tensor's bytes once (a flipped filter, a
 * packed filter) and keeps until the tensor is freed.
 *
 * A network's weights stay the same from one map to the next, so a kernel
 * that rearranges a filter before it runs should do it once per filter, not
 * once per call. A tensor's data never changes under its data id (a
 * variable's `assign` takes the new tensor's id), so the id is a safe key; a
 * reshape shares the id, so callers put the shape into `key`. The backend's
 * `disposeData` is wrapped once per backend so that freeing a tensor frees
 * everything derived from it; a derived tensor freed that way frees what was
 * derived from it in turn.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

interface Derived {
  value: unknown;
  free: () => void;
}

/** Each backend's derived data, by the data id it was made from, then by key. */
const caches = new WeakMap<BackendWasm, Map<object, Map<string, Derived>>>();

function cacheOf(backend: BackendWasm): Map<object, Map<string, Derived>> {
  let cache = caches.get(backend);
  if (cache) return cache;
  const made = (cache = new Map<object, Map<string, Derived>>());
  caches.set(backend, made);
  const dispose = backend.disposeData.bind(backend);
  backend.disposeData = (dataId, force) => {
    const freed = dispose(dataId, force);
    const derived = made.get(dataId);
    if (freed && derived) {
      made.delete(dataId);
      for (const d of derived.values()) d.free();
    }
    return freed;
  };
  return cache;
}

/**
 * The value `make` derives from `t` under `key`, made on the first call and
 * handed to `free` when `t`'s data is freed.
 */
export function derivedOf<T>(backend: BackendWasm, t: TensorInfo, key: string, make: () => T, free: (value: T) => void): T {
  const cache = cacheOf(backend);
  let byKey = cache.get(t.dataId);
  if (!byKey) cache.set(t.dataId, (byKey = new Map()));
  const found = byKey.get(key);
  if (found) return found.value as T;
  const value = make();
  byKey.set(key, { value, free: () => free(value) });
  return value;
}

/** How many tensors have derived data on `backend` (for tests). */
export function derivedCount(backend: BackendWasm): number {
  return caches.get(backend)?.size ?? 0;
}
