import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { guidedBackpropMethod } from '../../src/core/attribution/guided-backprop';
import { saliencyMethod } from '../../src/core/attribution/saliency';
import { cascadingRandomization } from '../../src/core/attribution/sanity-check';
import { type ConvNet, type WeightAccess, hasWeightAccess } from '../../src/core/convnet';
import { layersConvNet } from '../../src/core/layers-convnet';
import { type Tensor, tf } from '../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from './backends';

/**
 * A net solved by hand: a 2×2 grey image, a 1×1 depthwise conv scaling it by 1 (run by tfjs-layers
 * itself), a 1×1 conv with two filters (1 and −2, so the channels are x and −2x; run with plain ops),
 * ReLU, global average pooling and a dense layer giving logit₀ = g₀ − g₁ and logit₁ = g₁.
 * For x = [1, −2, 3, 0.5]: g₀ = 4.5/4 = 1.125, g₁ = 4/4 = 1, so the logits are [0.125, 1].
 */
const X = [1, -2, 3, 0.5];
function toyNet() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.depthwiseConv2d({ inputShape: [2, 2, 1], kernelSize: 1, name: 'scale' }),
      tfl.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'relu', name: 'conv' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 2, name: 'logits' }),
    ],
  });
  model.getLayer('scale').setWeights([tf.tensor4d([1], [1, 1, 1, 1]), tf.tensor1d([0])]);
  model.getLayer('conv').setWeights([tf.tensor4d([1, -2], [1, 1, 1, 2]), tf.tensor1d([0, 0])]);
  model.getLayer('logits').setWeights([tf.tensor2d([[1, 0], [-1, 1]]), tf.tensor1d([0, 0])]);
  return layersConvNet(model, { id: 'toy', title: 'Toy' });
}

/** A view made by withLayerWeights, which the adapter gives weight access too (so views compose). */
function weighted(net: ConvNet): ConvNet & WeightAccess {
  if (!hasWeightAccess(net)) throw new Error('the view has no weight access');
  return net;
}

function logitsOf(net: ConvNet, x: Tensor): number[] {
  const logits = tf.tidy(() => net.forward(x).logits);
  const values = Array.from(logits.dataSync());
  logits.dispose();
  return values;
}
const expectClose = (a: number[], b: number[]) => {
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
};

/** A small random net with a fused ReLU, a separate one, dropout and GAP (as convnet.test.ts builds). */
function randomNet(seed: number) {
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: seed + s });
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'c1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'p1' }),
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, kernelInitializer: init(2), biasInitializer: 'ones', name: 'c2' }),
      tfl.layers.reLU({ name: 'r2' }),
      tfl.layers.dropout({ rate: 0.5, name: 'drop' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: init(3), name: 'out' }),
    ],
  });
  return layersConvNet(model, { id: 'random', title: 'Random' });
}

describe.each(NODE_BACKENDS)('weight access of layers models on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('reads each layer’s trainable weights, borrowed', () => {
    const net = toyNet();
    expect(hasWeightAccess(net)).toBe(true);
    const [kernel, bias] = net.layerWeights('conv');
    expect(Array.from(kernel!.dataSync())).toEqual([1, -2]);
    expect(Array.from(bias!.dataSync())).toEqual([0, 0]);
    expect(net.layerWeights('gap')).toEqual([]);
    expect(net.layerWeights(net.layers[0]!.name)).toEqual([]);
    expect(net.layerWeights('scale').map((w) => w.shape)).toEqual([[1, 1, 1, 1], [1]]);
    expect(() => net.layerWeights('nope')).toThrow(/No layer named 'nope'/);
    net.dispose();
  });

  it('runs replaced weights, by hand, through plain ops and through tfjs-layers, and leaves the original alone', async () => {
    const net = toyNet();
    const x = tf.tensor4d(X, [1, 2, 2, 1]);
    expectClose(logitsOf(net, x), [0.125, 1]);
    const replacements = {
      // logit₀ = 2 g₀ + 1, logit₁ = 3 g₁ − 1: [3.25, 2].
      logits: [tf.tensor2d([[2, 0], [0, 3]]), tf.tensor1d([1, -1])],
      // both channels relu(x): g₀ = g₁ = 1.125, so logit₀ = 0, logit₁ = 1.125.
      conv: [tf.tensor4d([1, 1], [1, 1, 1, 2]), tf.tensor1d([0, 0])],
      // the image doubled: every ReLU and the GAP are positively homogeneous, so the logits double.
      scale: [tf.tensor4d([2], [1, 1, 1, 1]), tf.tensor1d([0])],
    };
    await expectNoLeak(() => {
      const dense = weighted(net.withLayerWeights({ logits: replacements.logits }));
      expectClose(logitsOf(dense, x), [3.25, 2]);
      expect(dense.layerWeights('logits')[1]).toBe(replacements.logits[1]);
      expectClose(logitsOf(net.withLayerWeights({ conv: replacements.conv }), x), [0, 1.125]);
      expectClose(logitsOf(net.withLayerWeights({ scale: replacements.scale }), x), [0.25, 2]);
      // Views compose: the dense and conv replacements together give 2 · 1.125 + 1 and 3 · 1.125 − 1.
      expectClose(logitsOf(dense.withLayerWeights({ conv: replacements.conv }), x), [3.25, 2.375]);
      // The gradient crosses the replaced weights: ∂logit₁/∂x = mean of relu'(x) = 1/4 where x > 0.
      const view = net.withLayerWeights({ conv: replacements.conv });
      const g = tf.tidy(() => tf.grad((v) => view.forward(v, { relu: 'guided' }).logits.slice([0, 1], [1, 1]).sum())(x));
      expectClose(Array.from(g.dataSync()), [0.25, 0, 0.25, 0.25]);
      g.dispose();
      // A view frees nothing: neither the model's weights nor the caller's replacements.
      dense.dispose();
      view.dispose();
    });
    expectClose(logitsOf(net, x), [0.125, 1]);
    expect(Array.from(net.layerWeights('logits')[0]!.dataSync())).toEqual([1, 0, -1, 1]);
    expect(Object.values(replacements).flat().every((t) => !t.isDisposed)).toBe(true);
    expect(() => net.withLayerWeights({ conv: replacements.logits })).toThrow(/shapes/);
    expect(() => net.withLayerWeights({ nope: [] })).toThrow(/No layer named/);
    tf.dispose([x, ...Object.values(replacements).flat()]);
    const before = tf.memory().numTensors;
    net.dispose();
    // The owner frees the model's six weights (2 per layer with weights).
    expect(before - tf.memory().numTensors).toBe(6);
  });

  it('takes part in cascading randomisation: step 0 is the trained map, the original is unchanged, no leaks', async () => {
    const net = randomNet(3);
    const rand = seededRandom(7);
    const image = tf.tensor4d(Array.from({ length: 8 * 8 * 3 }, () => rand()), [1, 8, 8, 3]);
    const before = logitsOf(net, image);
    const input = { net, image, target: { kind: 'class', index: 1 } as const };
    const steps = await expectNoLeak(() => cascadingRandomization(input, [saliencyMethod, guidedBackpropMethod], { seed: 2 }));
    expect(steps.map((s) => s.randomized)).toEqual([[], ['out'], ['out', 'c2'], ['out', 'c2', 'c1']]);
    for (const method of [saliencyMethod, guidedBackpropMethod]) {
      const trained = await method.attribute(input);
      expect(Array.from(steps[0]!.maps[method.id]!.data)).toEqual(Array.from(trained.data));
      expect(steps[steps.length - 1]!.spearman[method.id]).toBeLessThan(1);
    }
    expect(steps[0]!.maps.saliency!.data.length).toBe(64);
    expect(logitsOf(net, image)).toEqual(before);
    image.dispose();
    net.dispose();
  });
});
