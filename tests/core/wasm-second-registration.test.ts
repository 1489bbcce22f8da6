/**
 * A second copy of the WASM backend loaded into the same process, before the
 * engine starts (as a script that imports both its Node and its ESM build
 * does), re-registers every stock kernel; the core's replacements must still
 * be the ones that run. (tests/core/attribution/backend-equality.test.ts
 * loads the copy after the engine has started.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getKernel } from '@tensorflow/tfjs-core';
import { simdConvKernelConfigs } from '../../src/core/kernels/simd-conv';
import { wasmBackpropKernelConfigs } from '../../src/core/kernels/wasm-backprop';
import { deconvnet } from '../../src/core/attribution/deconvnet';
import { tf, type Tensor4D } from '../../src/core/tf';
import { loadSecondWasmBackend, useBackend } from './backends';
import { imageTensor, loadTrained, relativeToMax, tieImages } from './trained';

/** A stock kernel the core never replaces: its config object changes when a copy registers the backend again. */
const STOCK = 'MaxPool';
let stockBefore: unknown;

beforeAll(async () => {
  stockBefore = getKernel(STOCK, 'wasm');
  await loadSecondWasmBackend();
});

describe('after a second copy of the WASM backend registers its kernels', () => {
  it('the copy did register its stock kernels again', () => {
    expect(getKernel(STOCK, 'wasm')).toBeDefined();
    expect(getKernel(STOCK, 'wasm')).not.toBe(stockBefore);
  });

  it('every kernel of the core is still registered, the replaced stock ones included', () => {
    for (const config of [...wasmBackpropKernelConfigs, ...simdConvKernelConfigs()]) expect(getKernel(config.kernelName, 'wasm'), config.kernelName).toBe(config);
  });

  it('the max-pool gradient gives non-positive windows and ties their gradient, as on the CPU backend', async () => {
    // 2×2 windows: all negative, all zero (top), a tie at a positive and at a negative value (bottom).
    const x = [-1, -2, 0, 0, -3, -4, 0, 0, 3, 1, -5, -5, 3, 2, -6, -7];
    const grad = async (backend: 'cpu' | 'wasm') => {
      await useBackend(backend);
      const input = tf.tensor4d(x, [1, 4, 4, 1]);
      const g = tf.grad((v) => tf.sum(tf.maxPool(v as Tensor4D, 2, 2, 'valid')))(input);
      const values = await g.data();
      tf.dispose([input, g]);
      return Array.from(values);
    };
    const cpu = await grad('cpu');
    expect(cpu).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
    expect(await grad('wasm')).toEqual(cpu);
  });

  it('the deconvnet map of the trained scenes-cnn matches the CPU backend on every test image', async () => {
    const net = await loadTrained('scenes-cnn');
    const target = { kind: 'class', index: 0 } as const;
    for (const image of tieImages(net)) {
      const map = async (backend: 'cpu' | 'wasm') => {
        await useBackend(backend);
        const x = imageTensor(net, image);
        const m = await deconvnet({ net, image: x, target });
        x.dispose();
        return m.data;
      };
      const cpu = await map('cpu');
      expect(relativeToMax(await map('wasm'), cpu), image.name).toBeLessThan(1e-5);
    }
    net.dispose();
  });
});
