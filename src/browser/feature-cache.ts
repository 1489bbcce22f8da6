/**
 * The vectors of a test subset, computed once per network and shared by the
 * page's figures (nearest neighbours, PCA, t-SNE), so that three figures cost
 * one pass over the data. A figure that leaves stops listening but does not
 * stop the pass another figure may await; the entry goes when the network is
 * garbage-collected, or at once when a pass fails.
 */
import type { ConvNet } from '../core/convnet';
import { type VectorSet, extractFeatures, pixelVectors } from '../core/features/features';
import { type TestDataset, testImageSet } from './test-set';

/** Which vectors: a layer's features, or pixels averaged to at most `side` × `side` (full size when 0). */
export type VectorKind = { space: 'features'; layer: string } | { space: 'pixels'; side: number };

interface Entry {
  result: Promise<VectorSet>;
  listeners: Set<(done: number, total: number) => void>;
}

const cache = new WeakMap<ConvNet, Map<string, Entry>>();

/**
 * The vectors of `dataset`'s test subset for `net`. `onProgress` hears the
 * shared pass; `signal` stops only this caller's wait (the promise rejects).
 */
export function testVectors(
  net: ConvNet,
  dataset: TestDataset,
  kind: VectorKind,
  { signal, onProgress }: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<VectorSet> {
  const key = `${dataset}/${kind.space}/${kind.space === 'features' ? kind.layer : kind.side}`;
  let entries = cache.get(net);
  if (!entries) cache.set(net, (entries = new Map()));
  let entry = entries.get(key);
  if (!entry) {
    const listeners = new Set<(done: number, total: number) => void>();
    const progress = (done: number, total: number) => listeners.forEach((l) => l(done, total));
    const result = testImageSet(dataset, net).then((set) =>
      kind.space === 'features' ? extractFeatures(net, set, { layer: kind.layer, onProgress: progress }) : pixelVectors(set, { side: kind.side, onProgress: progress }),
    );
    entry = { result, listeners };
    entries.set(key, entry);
    const map = entries;
    result.catch(() => map.delete(key));
  }
  const { result, listeners } = entry;
  if (onProgress) listeners.add(onProgress);
  const stopListening = () => onProgress && listeners.delete(onProgress);
  return new Promise<VectorSet>((resolve, reject) => {
    const abort = () => (stopListening(), reject(signal!.reason));
    if (signal?.aborted) return abort();
    signal?.addEventListener('abort', abort, { once: true });
    result.then(
      (v) => (stopListening(), signal?.removeEventListener('abort', abort), resolve(v)),
      (e) => (stopListening(), signal?.removeEventListener('abort', abort), reject(e)),
    );
  });
}
