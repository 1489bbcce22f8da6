/**
 * Every registered attribution map of a test image, computed on a chosen
 * backend, for the benchmark page's cross-backend check
 * (tests/browser/backend-maps.spec.ts): the same map must come out on CPU,
 * WASM and WebGL, which the Node tests cannot check for WebGL.
 */
import { ATTRIBUTION_METHODS } from '../core/attribution/registry';
import type { BackendName } from '../core/backend';
import { loadProjectModel } from '../core/model-loader';
import { tf } from '../core/tf';
import { simdVariant } from '../core/kernels/simd-module';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { assetBase } from './assets';
import { sampleTensor, testSample } from './workbench';

/** Per method id, its map (channel values where the method has them) as plain numbers. */
export type MapsByMethod = Record<string, number[]>;

/** Which build of the book's SIMD kernels the WASM backend runs (simd-module.ts), or null for the stock kernels. */
export async function wasmKernels(): Promise<string | null> {
  if (!(await tf.setBackend('wasm'))) throw new Error('The wasm backend did not start.');
  return simdVariant(tf.backend() as BackendWasm);
}

/** The maps of every method but SmoothGrad's (random by design) of test image `index` of `modelId` on `backend`. */
export async function attributionMaps(backend: BackendName, modelId: string, index: number): Promise<MapsByMethod> {
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend did not start.`);
  const net = await loadProjectModel(modelId, assetBase());
  const image = sampleTensor(net, await testSample(modelId, index));
  try {
    const predicted = tf.tidy(() => net.forward(image).logits.argMax(1));
    const target = { kind: 'class', index: (await predicted.data())[0]! } as const;
    predicted.dispose();
    const maps: MapsByMethod = {};
    for (const [id, method] of Object.entries(ATTRIBUTION_METHODS).filter(([id]) => !id.startsWith('smooth-grad'))) {
      const map = await method.attribute({ net, image, target });
      maps[id] = Array.from(map.channels?.data ?? map.data);
    }
    return maps;
  } finally {
    image.dispose();
    net.dispose();
  }
}

/** The max-pool input gradient of a ReLU output full of ties (zeros), weighted so every window's dy differs. */
export async function maxPoolGradOfTies(backend: BackendName): Promise<number[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend did not start.`);
  const x = tf.tidy(() => tf.relu(tf.sub(tf.tensor4d(Array.from({ length: 8 * 8 * 4 }, (_, i) => (i * 37) % 11), [1, 8, 8, 4]), 8)));
  const weights = tf.tidy(() => tf.range(1, 4 * 4 * 4 + 1).reshape([1, 4, 4, 4]));
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid'), weights)))(x);
  const out = Array.from(await dx.data());
  tf.dispose([x, weights, dx]);
  return out;
}
