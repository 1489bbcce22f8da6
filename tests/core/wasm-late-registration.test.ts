/**
 * A second copy of the WASM backend that registers its kernels into an engine already running on WASM,
 * as an embedding page that loads its own TensorFlow.js after the book's figures have started may do,
 * and never sets the backend again: its stock kernels replace the running ones, and each needs the setup
 * the engine gave the others when the backend started (kernel-registry.ts). Without it the first stock
 * kernel called fails ("wasmFunc is not a function"). The core's replacements must still run too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getKernel } from '@tensorflow/tfjs-core';
import { deconvnet } from '../../src/core/attribution/deconvnet';
import { saliency } from '../../src/core/attribution/saliency';
import type { ConvNet } from '../../src/core/convnet';
import { wasmBackpropKernelConfigs } from '../../src/core/kernels/wasm-backprop';
import { tf, type Tensor4D } from '../../src/core/tf';
import { loadSecondWasmBackend, useBackend } from './backends';
import { imageTensor, loadTrained, relativeToMax, tieImages } from './trained';

const target = { kind: 'class', index: 0 } as const;
let net: ConvNet;
const onCpu: Record<string, Float32Array[]> = { saliency: [], deconvnet: [] };
let addBefore: unknown;

beforeAll(async () => {
  await useBackend('cpu');
  net = await loadTrained('scenes-cnn');
  for (const image of tieImages(net)) {
    const x = imageTensor(net, image);
    onCpu['saliency']!.push((await saliency({ net, image: x, target })).data);
    onCpu['deconvnet']!.push((await deconvnet({ net, image: x, target })).data);
    x.dispose();
  }
  await useBackend('wasm');
  tf.tidy(() => tf.add(tf.ones([2]), tf.ones([2])).dataSync());
  addBefore = getKernel('Add', 'wasm');
  // From here on nothing sets the backend again.
  await loadSecondWasmBackend();
});

describe('a second copy of the WASM backend registered while the engine runs on it', () => {
  it('replaced the stock kernels, and the engine is still on the same WASM backend', () => {
    expect(getKernel('Add', 'wasm')).not.toBe(addBefore);
    expect(tf.getBackend()).toBe('wasm');
    for (const config of wasmBackpropKernelConfigs) expect(getKernel(config.kernelName, 'wasm'), config.kernelName).toBe(config);
  });

  it('its stock kernels run at once: addition, max pooling, convolution', () => {
    const [sum, pooled, conv] = tf.tidy(() => [
      tf.add(tf.tensor1d([1, 2, 3]), tf.tensor1d([10, 20, 30])),
      tf.maxPool(tf.tensor4d([1, 5, 2, 0, 3, 4, 8, 6, 0, 0, 1, 2, 9, 0, 3, 7], [1, 4, 4, 1]), 2, 2, 'valid'),
      tf.conv2d(tf.ones([1, 3, 3, 1]) as Tensor4D, tf.ones([3, 3, 1, 1]) as Tensor4D, 1, 'same'),
    ].map((t) => Array.from(t.dataSync())));
    expect(sum).toEqual([11, 22, 33]);
    expect(pooled).toEqual([5, 8, 9, 7]);
    expect(conv).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
  });

  it("the trained network's saliency and deconvnet maps equal the CPU backend's, images with ties included", async () => {
    const images = tieImages(net);
    for (let i = 0; i < images.length; i++) {
      const x = imageTensor(net, images[i]!);
      for (const [name, method] of [['saliency', saliency], ['deconvnet', deconvnet]] as const) {
        const map = await method({ net, image: x, target });
        expect(relativeToMax(map.data, onCpu[name]![i]!), `${name}, ${images[i]!.name}`).toBeLessThan(1e-5);
      }
      x.dispose();
    }
    expect(tf.getBackend()).toBe('wasm');
  });
});
