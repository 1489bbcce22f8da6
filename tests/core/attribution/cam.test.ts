import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../../src/core/tf';
import { cam } from '../../../src/core/attribution/cam';
import { counterfactualGradCam, gradCam } from '../../../src/core/attribution/grad-cam';
import { guidedBackprop } from '../../../src/core/attribution/guided-backprop';
import { guidedGradCam } from '../../../src/core/attribution/guided-grad-cam';
import { upsampleMap } from '../../../src/core/attribution/maps';
import { gradCamPlusPlus, plusPlusAlpha, plusPlusWeights } from '../../../src/core/attribution/grad-cam-plus-plus';
import { gradCamPlusPlusReference } from '../../../src/core/attribution/grad-cam-plus-plus-reference';
import { scoreFromLayer, weightedCam } from '../../../src/core/attribution/pipeline';
import type { AttributionMap, Target } from '../../../src/core/attribution/types';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { HAND_IMAGE, handGapNet, plusPlusNet, randomImage, scalarOf, twoConvNet } from './toys';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  Array.from(a).forEach((v, i) => expect(Math.abs(v - b[i]!), `entry ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol));
};
const CLASS_0: Target = { kind: 'class', index: 0 };
const relu = (v: number) => Math.max(v, 0);

describe.each(NODE_BACKENDS)('class activation maps on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const hand = () => {
    const net = handGapNet();
    return { net, image: tf.tensor4d(HAND_IMAGE, [1, 4, 4, 1]), done: () => net.dispose() };
  };

  it('solves the hand GAP net: CAM, Grad-CAM, counterfactual and Grad-CAM++', async () => {
    const { net, image, done } = hand();
    const input = { net, image, target: CLASS_0 };
    // Maps relu(x), relu(−x); class 0 weights (2, −3); logit = 2·mean relu(x) − 3·mean relu(−x) + 0.5.
    const c = await cam(input);
    close(c.extras!.weights as Float32Array, [2, -3], 1e-6);
    close(c.data, HAND_IMAGE.map((x) => (x > 0 ? 2 * x : 3 * x)), 1e-6);
    expect(c.signed).toBe(true);
    const g = await gradCam(input);
    close(g.extras!.weights as Float32Array, [2 / 16, -3 / 16], 1e-7);
    close(g.data, HAND_IMAGE.map((x) => (x > 0 ? (2 * x) / 16 : 0)), 1e-6);
    const cf = await counterfactualGradCam(input);
    close(cf.extras!.weights as Float32Array, [-2 / 16, 3 / 16], 1e-7);
    close(cf.data, HAND_IMAGE.map((x) => (x < 0 ? (-3 * x) / 16 : 0)), 1e-6);
    // Grad-CAM++: g is W/16 everywhere, Σ relu(x) = 7.5, Σ relu(−x) = 6, so α = 1 / (2 + Σ A · g) per channel.
    const pp = await gradCamPlusPlus(input);
    const alpha = [1 / (2 + 7.5 * 0.125), 1 / (2 - 6 * 0.1875)];
    close(pp.extras!.alpha as Float32Array, HAND_IMAGE.flatMap(() => alpha), 1e-6);
    close(pp.extras!.weights as Float32Array, [16 * alpha[0]! * 0.125, 0], 1e-6);
    close(pp.data, HAND_IMAGE.map((x) => 2 * alpha[0]! * relu(x)), 1e-6);
    expect(pp.extras!.score).toBeCloseTo(2 * (7.5 / 16) - 3 * (6 / 16) + 0.5, 5);
    image.dispose();
    done();
  });

  it('guided Grad-CAM on the hand net is guided backprop times Grad-CAM', async () => {
    const { net, image, done } = hand();
    // Guided signal: only the relu(x) map (weight 2/16 > 0) passes, where x > 0: 0.125 · [x > 0].
    const map = await guidedGradCam({ net, image, target: CLASS_0 });
    close(map.channels!.data, HAND_IMAGE.map((x) => (x > 0 ? 0.125 * ((2 * x) / 16) : 0)), 1e-7);
    expect([map.width, map.height]).toEqual([4, 4]);
    image.dispose();
    done();
  });

  it('guided Grad-CAM, one forward pass for both maps, is exactly guided backprop times upsampled Grad-CAM', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    for (const layer of [undefined, net.convLayers[0]]) {
      const input = { net, image, target: { kind: 'class', index: 2 } as Target, ...(layer ? { layer } : {}) };
      const [combined, guided, coarse] = [await guidedGradCam(input), await guidedBackprop(input), await gradCam(input)];
      const { data: l } = await upsampleMap(coarse, guided.width, guided.height);
      expect(combined.data).toEqual(guided.data.map((v, i) => v * l[i]!));
      expect(combined.extras).toEqual(coarse.extras);
    }
    await expect(expectNoLeak(() => guidedGradCam({ net, image, target: { kind: 'neuron', layer: net.convLayers[0]!, channel: 0 }, layer: net.convLayers[1]! }))).rejects.toThrow(/comes before/);
    image.dispose();
    net.dispose();
  });

  it('CAM equals Grad-CAM on the pooled layer up to the positive factor Z = H·W, ReLU included', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    for (const index of [0, 1, 2]) {
      const input = { net, image, target: { kind: 'class', index } as Target, layer: net.camLayer! };
      const [c, g] = [await cam(input), await gradCam(input)];
      // CAM's weights are the dense layer's column for the class.
      const dense = net.layerWeights('logits')[0]!.arraySync() as number[][];
      close(c.extras!.weights as Float32Array, dense.map((row) => row[index]!), 1e-5);
      close(g.data.map((v) => v * c.width * c.height), c.data.map(relu), 1e-5);
    }
    image.dispose();
    net.dispose();
  });

  it('counterfactual Grad-CAM is Grad-CAM of the negated gradients and differs where evidence is negative', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const input = { net, image, target: { kind: 'class', index: 2 } as Target, layer: 'relu1' };
    const [g, cf] = [await gradCam(input), await counterfactualGradCam(input)];
    const negated = await weightedCam(input, ({ gradient }) => ({ weights: tf.mean(tf.neg(gradient), [0, 1, 2]) as tf.Tensor1D }));
    close(cf.data, negated.data, 1e-7);
    close(cf.extras!.weights as Float32Array, (g.extras!.weights as Float32Array).map((w) => -w), 1e-7);
    const signedSum = await weightedCam(input, ({ gradient }) => ({ weights: tf.mean(gradient, [0, 1, 2]) as tf.Tensor1D }), { layer: 'relu1', relu: false });
    signedSum.data.forEach((v, i) => {
      expect(g.data[i]).toBeCloseTo(relu(v), 6);
      expect(cf.data[i]).toBeCloseTo(relu(-v), 6);
    });
    expect(signedSum.data.some((v) => v < -1e-4) && signedSum.data.some((v) => v > 1e-4)).toBe(true);
    image.dispose();
    net.dispose();
  });

  it('Grad-CAM explains an inner neuron at an earlier layer, and refuses one before the layer', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const neuron: Target = { kind: 'neuron', layer: 'relu2', channel: 3 };
    const map = await gradCam({ net, image, target: neuron, layer: 'pool1' });
    expect([map.width, map.height]).toEqual([4, 4]);
    await expect(gradCam({ net, image, target: { kind: 'neuron', layer: 'conv1', channel: 0 }, layer: 'relu2' })).rejects.toThrow(/before/);
    await expect(gradCam({ net, image, target: CLASS_0, layer: 'gap' })).rejects.toThrow(/cannot explain|not a layer/);
    image.dispose();
    net.dispose();
  });

  it('Grad-CAM++: the closed form equals the explicit higher derivatives when the net after the layer is piecewise linear', async () => {
    const net = plusPlusNet('relu');
    const image = randomImage(net, 4);
    for (const index of [0, 1]) {
      const input = { net, image, target: { kind: 'class', index } as Target, layer: 'relu1' };
      const [closed, explicit] = [await gradCamPlusPlus(input), await gradCamPlusPlusReference(input)];
      close(explicit.extras!.alpha as Float32Array, closed.extras!.alpha as Float32Array, 1e-4);
      close(explicit.extras!.weights as Float32Array, closed.extras!.weights as Float32Array, 1e-5);
      close(explicit.data, closed.data, 1e-5);
    }
    image.dispose();
    net.dispose();
  });

  it('Grad-CAM++ reference: its derivatives match finite differences on a smooth net, where the closed form departs', async () => {
    const net = plusPlusNet('cubic');
    const image = randomImage(net, 4);
    const input = { net, image, target: CLASS_0, layer: 'relu1' };
    const explicit = await gradCamPlusPlusReference(input);
    const closed = await gradCamPlusPlus(input);
    // s(t) = S(A + t e) is a cubic polynomial in t here, so these differences are exact up to rounding.
    const a = tf.tidy(() => net.forward(image, { capture: ['relu1'] }).activations.relu1!);
    const rest = scoreFromLayer(net, 'relu1', CLASS_0);
    const unit = (e: number) => Float32Array.from({ length: a.size }, (_, i) => (i === e ? 1 : 0));
    const s = (e: number, t: number) => scalarOf(() => rest(tf.add(a, tf.mul(tf.tensor(unit(e), a.shape), t))));
    const h = 0.1;
    const derivatives = Array.from({ length: a.size }, (_, e) => {
      const [m2, m1, p1, p2] = [s(e, -2 * h), s(e, -h), s(e, h), s(e, 2 * h)];
      return [(p1 - m1) / (2 * h), (p1 - 2 * s(e, 0) + m1) / (h * h), (p2 - 2 * p1 + 2 * m1 - m2) / (2 * h ** 3)];
    });
    const fd = tf.tidy(() => {
      const [s1, s2, s3] = tf.unstack(tf.tensor2d(derivatives), 1).map((d) => tf.reshape(d, a.shape));
      const alpha = plusPlusAlpha(a, tf.add(tf.square(s1!), s2!), tf.add(tf.add(tf.pow(s1!, 3), tf.mul(3, tf.mul(s1!, s2!))), s3!));
      return { alpha, weights: plusPlusWeights(alpha, s1!) };
    });
    close(explicit.extras!.weights as Float32Array, fd.weights.dataSync(), 2e-3);
    expect(derivatives.some(([, s2]) => Math.abs(s2!) > 1e-2)).toBe(true);
    const gap = (closed.extras!.weights as Float32Array).map((w, k) => Math.abs(w - (explicit.extras!.weights as Float32Array)[k]!));
    expect(Math.max(...gap)).toBeGreaterThan(1e-2);
    tf.dispose([a, fd.alpha, fd.weights]);
    image.dispose();
    net.dispose();
  });

  it('leaks no tensors', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const input = { net, image, target: { kind: 'class', index: 1 } as Target };
    const maps: AttributionMap[] = [];
    for (const f of [cam, gradCam, counterfactualGradCam, guidedGradCam, gradCamPlusPlus]) maps.push(await expectNoLeak(() => f(input)));
    maps.forEach((m) => expect(m.data.every(Number.isFinite)).toBe(true));
    const small = plusPlusNet('cubic');
    const smallImage = randomImage(small);
    await expectNoLeak(() => gradCamPlusPlusReference({ net: small, image: smallImage, target: CLASS_0 }));
    await expectNoLeak(() => tf.tidy(() => plusPlusWeights(plusPlusAlpha(tf.ones([1, 2, 2, 1]), tf.ones([1, 2, 2, 1]), tf.zeros([1, 2, 2, 1])), tf.ones([1, 2, 2, 1]))).dispose());
    await expect(expectNoLeak(() => cam({ ...input, target: { kind: 'neuron', layer: 'relu2', channel: 0 } }))).rejects.toThrow(/class/);
    tf.dispose([image, smallImage] as Tensor[]);
    small.dispose();
    net.dispose();
  });
});
