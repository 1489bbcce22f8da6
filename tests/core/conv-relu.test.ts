import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConvNet } from '../../src/core/convnet';
import { convRelu } from '../../src/core/conv-relu';
import { layersConvNet } from '../../src/core/layers-convnet';
import { RELU_RULES, type ReluRule, reluWithRule } from '../../src/core/relu-rules';
import { type Tensor, type Tensor4D, tf } from '../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from './backends';

/** max |a − b| / max |b|. */
function relativeError(a: Tensor, b: Tensor): number {
  const [va, vb] = [a.dataSync(), b.dataSync()];
  expect(va.length).toBe(vb.length);
  let [diff, scale] = [0, 0];
  vb.forEach((v, i) => ((diff = Math.max(diff, Math.abs(va[i]! - v))), (scale = Math.max(scale, Math.abs(v)))));
  return diff / scale;
}

const randomTensor = (shape: number[], seed: number) => {
  const rand = seededRandom(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1), shape);
};

/**
 * Convolutions followed by a ReLU layer (fused by the adapter), one with its ReLU in the layer itself,
 * one read by two layers (not fused), strided and 'valid' ones, a bias-free one, and max pooling.
 */
function model(): tfl.LayersModel {
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: s });
  const bias = (s: number) => tfl.initializers.randomUniform({ minval: -0.2, maxval: 0.2, seed: s });
  const input = tfl.input({ shape: [12, 12, 3] });
  const c1 = tfl.layers.conv2d({ filters: 5, kernelSize: 5, padding: 'same', kernelInitializer: init(1), biasInitializer: bias(1), name: 'c1' }).apply(input);
  const r1 = tfl.layers.reLU({ name: 'r1' }).apply(c1);
  const c2 = tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, kernelInitializer: init(2), biasInitializer: bias(2), name: 'c2' }).apply(r1);
  const r2 = tfl.layers.activation({ activation: 'relu', name: 'r2' }).apply(c2);
  const c3 = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(3), biasInitializer: bias(3), name: 'c3' }).apply(r2);
  const c4 = tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', useBias: false, kernelInitializer: init(4), name: 'c4' }).apply(c3);
  const r4 = tfl.layers.reLU({ name: 'r4' }).apply(c4);
  const skip = tfl.layers.add({ name: 'skip' }).apply([r4, c4] as tfl.SymbolicTensor[]);
  const pool = tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool' }).apply(skip);
  const c5 = tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', kernelInitializer: init(5), biasInitializer: bias(5), name: 'c5' }).apply(pool);
  const r5 = tfl.layers.reLU({ name: 'r5' }).apply(c5);
  const gap = tfl.layers.globalAveragePooling2d({ name: 'gap' }).apply(r5);
  const out = tfl.layers.dense({ units: 3, kernelInitializer: init(6), name: 'logits' }).apply(gap) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/** The same network as plain ops: conv2d, add, and the rule's ReLU each on its own, as the adapter ran it before. */
function unfused(m: tfl.LayersModel, x: Tensor, rule: ReluRule): Tensor {
  const relu = reluWithRule(rule);
  const conv = (name: string, y: Tensor, strides: number, padding: 'same' | 'valid') => {
    const [kernel, bias] = m.getLayer(name).getWeights();
    const z = tf.conv2d(y as Tensor4D, kernel as Tensor4D, strides, padding);
    return bias ? tf.add(z, bias) : z;
  };
  const r3 = relu(conv('c3', relu(conv('c2', relu(conv('c1', x, 1, 'same')), 2, 'valid')), 1, 'same'));
  const c4 = conv('c4', r3, 1, 'same');
  const pooled = tf.maxPool(tf.add(relu(c4), c4) as Tensor4D, 2, 2, 'valid');
  const gap = tf.mean(relu(conv('c5', pooled, 1, 'same')), [1, 2]);
  const [kernel, bias] = m.getLayer('logits').getWeights();
  return tf.add(tf.matMul(gap as tf.Tensor2D, kernel as tf.Tensor2D), bias!);
}

describe.each(NODE_BACKENDS)('convolution, bias and ReLU as one kernel on %s', (backend) => {
  let m: tfl.LayersModel;
  let net: ConvNet;
  let x: Tensor4D;
  beforeAll(async () => {
    await useBackend(backend);
    m = model();
    net = layersConvNet(m, { id: 'fused', title: 'Fused' });
    x = randomTensor([2, 12, 12, 3], 7) as Tensor4D;
  });
  afterAll(() => {
    x.dispose();
    net.dispose();
  });

  it.each(RELU_RULES)('gives the logits and the input gradient of the plain ops under the %s rule', (rule) => {
    tf.tidy(() => {
      const score = (f: (x: Tensor) => Tensor) => (v: Tensor) => tf.sum(tf.mul(f(v), tf.tensor1d([1, -2, 0.5])));
      const fused = (v: Tensor) => net.forward(v, { relu: rule }).logits;
      const plain = (v: Tensor) => unfused(m, v, rule);
      expect(relativeError(fused(x), plain(x))).toBeLessThan(1e-6);
      expect(relativeError(tf.grad(score(fused))(x), tf.grad(score(plain))(x))).toBeLessThan(1e-6);
    });
  });

  it('still captures a fused convolution\'s pre-activation, its ReLU output, and starts from either', () => {
    tf.tidy(() => {
      const { activations, logits } = net.forward(x, { capture: ['c1', 'r1', 'c2', 'r2'] });
      expect(Math.min(...activations['c1']!.dataSync())).toBeLessThan(0);
      expect(relativeError(activations['r1']!, tf.relu(activations['c1']!))).toBe(0);
      expect(relativeError(activations['r2']!, tf.relu(activations['c2']!))).toBe(0);
      expect(relativeError(logits, net.forward(x).logits)).toBeLessThan(1e-6);
      expect(relativeError(net.forward(activations['c2']!, { from: 'c2' }).logits, logits)).toBeLessThan(1e-6);
      expect(relativeError(net.forward(activations['r1']!, { from: 'r1' }).logits, logits)).toBeLessThan(1e-6);
    });
  });

  it('differentiates from an inner layer through fused layers (the CAM family\'s path)', () => {
    tf.tidy(() => {
      const a = net.forward(x, { capture: ['r1'] }).activations['r1']!;
      const fused = tf.grad((v) => tf.sum(net.forward(v, { from: 'r1' }).logits))(a);
      const captured = tf.grad((v) => tf.sum(net.forward(v, { from: 'r1', capture: ['c2', 'c4', 'c5'] }).logits))(a);
      expect(relativeError(fused, captured)).toBeLessThan(1e-6);
    });
  });

  it('fuses every convolution that only a ReLU reads, unless its own output is captured', async () => {
    const kernels = async (capture: string[]) => {
      const names = (await tf.profile(() => net.forward(x, { capture }).logits)).kernels.map((k) => k.name);
      return { fused: names.filter((k) => k === 'FusedConv2D').length, plain: names.filter((k) => k === 'Conv2D').length };
    };
    // c4 is read by its ReLU and by the skip connection, so it runs alone.
    expect(await kernels([])).toEqual({ fused: 4, plain: 1 });
    expect(await kernels(['c1', 'r5'])).toEqual({ fused: 3, plain: 2 });
  });

  it('leaks nothing, forward or backward', async () => {
    await expectNoLeak(() => tf.dispose(tf.grad((v) => tf.sum(net.forward(v, { relu: 'guided' }).logits))(x)));
    await expectNoLeak(() => tf.dispose(convRelu(x, m.getLayer('c1').getWeights()[0] as Tensor4D, undefined, { strides: [1, 1], padding: 'same' }, 'backprop')));
  });
});
