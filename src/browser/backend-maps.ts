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
import { setSimdBuild, simdVariant, type SimdBuild } from '../core/kernels/simd-module';
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

/** What one build of the SIMD kernels gave on the page: the build that ran and each case's output. */
export interface SimdBuildRun {
  variant: string | null;
  outputs: number[][];
}

/**
 * A 3×3 convolution (the Winograd kernel), a 5×5 one onto 3 channels (the
 * direct kernel), each with its input gradient, and a 2×2 max-pool gradient,
 * on WASM under each build of the book's SIMD kernels: the stock kernels, the
 * plain SIMD build and the relaxed one, on this page's memory (shared where the
 * page is cross-origin isolated, which the Node tests cannot reach).
 */
export async function simdBuildRuns(): Promise<Record<SimdBuild, SimdBuildRun>> {
  if (!(await tf.setBackend('wasm'))) throw new Error('The wasm backend did not start.');
  const before = setSimdBuild('relaxed');
  try {
    const runs = {} as Record<SimdBuild, SimdBuildRun>;
    for (const build of ['stock', 'plain', 'relaxed'] as const) {
      setSimdBuild(build);
      const outputs = tf.tidy(() => {
        const random = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
        const x = random([2, 13, 11, 16], 1) as tf.Tensor4D;
        const f3 = random([3, 3, 16, 24], 2) as tf.Tensor4D;
        const f5 = random([5, 5, 16, 3], 3) as tf.Tensor4D;
        const bias = random([24], 4) as tf.Tensor1D;
        const conv3 = (v: tf.Tensor) => tf.fused.conv2d({ x: v as tf.Tensor4D, filter: f3, bias, strides: 1, pad: 'same', activation: 'relu' });
        const conv5 = (v: tf.Tensor) => tf.conv2d(v as tf.Tensor4D, f5, 1, 'same');
        const pooled = (v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(tf.relu(v) as tf.Tensor4D, 2, 2, 'valid'), 0.5));
        return [conv3(x), tf.grad((v) => tf.sum(conv3(v)))(x), conv5(x), tf.grad((v) => tf.sum(conv5(v)))(x), tf.grad(pooled)(x)]
          .map((t) => Array.from(t.dataSync()));
      });
      runs[build] = { variant: simdVariant(tf.backend() as BackendWasm), outputs };
    }
    return runs;
  } finally {
    setSimdBuild(before);
  }
}

/**
 * The map of every registered method of test image `index` of `modelId` on
 * `backend`. SmoothGrad's noise comes from a seed and does not depend on the
 * backend; two samples (`SMOOTH_GRAD_CHECK`) show that it keeps the agreement of
 * the maps it averages.
 */
export async function attributionMaps(backend: BackendName, modelId: string, index: number): Promise<MapsByMethod> {
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend did not start.`);
  const net = await loadProjectModel(modelId, assetBase());
  const image = sampleTensor(net, await testSample(modelId, index));
  try {
    const predicted = tf.tidy(() => net.forward(image).logits.argMax(1));
    const target = { kind: 'class', index: (await predicted.data())[0]! } as const;
    predicted.dispose();
    const maps: MapsByMethod = {};
    for (const [id, method] of Object.entries(ATTRIBUTION_METHODS)) {
      const map = await method.attribute({ net, image, target, options: SMOOTH_GRAD_CHECK });
      maps[id] = Array.from(map.channels?.data ?? map.data);
    }
    return maps;
  } finally {
    image.dispose();
    net.dispose();
  }
}

/** SmoothGrad's settings in {@link attributionMaps}: few samples, a fixed seed. */
export const SMOOTH_GRAD_CHECK = { samples: 2, seed: 7 } as const;

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
