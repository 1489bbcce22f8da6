import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor, type Tensor4D } from '../../../src/core/tf';
import {
  type Objective,
  channel,
  classLogit,
  featureMatch,
  imageL2,
  layerEnergy,
  neuron,
  totalVariation,
  totalVariationOf,
} from '../../../src/core/optvis/objectives';
import type { ConvNet } from '../../../src/core/convnet';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { centralDifferences, randomImage, scalarOf, twoConvNet } from '../attribution/toys';

const evaluate = (net: ConvNet, objective: Objective) => (image: Tensor) =>
  objective.value({ result: net.forward(image, { capture: objective.capture }), image: image as Tensor4D, range: net.inputRange });

describe.each(NODE_BACKENDS)('objectives on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('total variation by hand: one pixel with both neighbours, and its gradient', () => {
    // [[0, 1], [2, 4]]: only (0, 0) has a right and a lower neighbour: dx = 1, dy = 2.
    const image = tf.tensor4d([0, 1, 2, 4], [1, 2, 2, 1]);
    expect(scalarOf(() => totalVariationOf(image, 2, [0, 1]))).toBeCloseTo(5, 5);
    expect(scalarOf(() => totalVariationOf(image, 1, [0, 1]))).toBeCloseTo(Math.sqrt(5), 4);
    // In units of the range: a range of width 2 halves the differences, quartering the squares.
    expect(scalarOf(() => totalVariationOf(image, 2, [-1, 1]))).toBeCloseTo(5 / 4, 5);
    // ∂/∂x00 = −2·1 − 2·2, ∂/∂x01 = 2·1, ∂/∂x10 = 2·2, ∂/∂x11 = 0.
    const g = tf.tidy(() => tf.grad((x) => totalVariationOf(x as Tensor4D, 2, [0, 1]))(image));
    expect(Array.from(g.dataSync())).toEqual([-6, 2, 4, 0]);
    tf.dispose([image, g]);
  });

  it('total variation of order β: gradient against central differences', () => {
    const net = twoConvNet();
    const image = randomImage(net, 4);
    for (const beta of [1, 1.5, 2]) {
      const f = (x: Tensor) => totalVariationOf(x as Tensor4D, beta, [0, 1]);
      const g = tf.tidy(() => tf.grad(f)(image));
      const at = [0, 17, 50, 101, 150, 191];
      const fd = centralDifferences((x) => scalarOf(() => f(x)), image, at, 1e-3);
      at.forEach((i, k) => expect(g.dataSync()[i]).toBeCloseTo(fd[k]!, 1));
      g.dispose();
    }
    tf.dispose(image);
    net.dispose();
  });

  it('each objective: the value it names, and a gradient that matches central differences', () => {
    const net = twoConvNet();
    const image = randomImage(net, 9);
    const code = tf.tidy(() => tf.add(net.forward(randomImage(net, 5), { capture: ['relu1'] }).activations['relu1']!, 0));
    const target = { layer: 'relu1', shape: code.shape.slice(1), data: code.dataSync() as Float32Array };
    const objectives: Objective[] = [
      classLogit(2),
      neuron('relu2', 1, 1, 2),
      channel('conv2', 3),
      layerEnergy('relu1'),
      featureMatch(target),
      imageL2(),
      totalVariation(2),
      classLogit(0).minus(imageL2().times(0.1)).plus(channel('relu2', 0).times(2)),
    ];
    const { logits, activations } = tf.tidy(() => {
      const r = net.forward(image, { capture: ['relu1', 'relu2', 'conv2'] });
      return { logits: r.logits.dataSync(), activations: Object.fromEntries(Object.entries(r.activations).map(([k, v]) => [k, v.arraySync()])) };
    });
    const a1 = activations['relu1'] as number[][][][];
    const a2 = activations['relu2'] as number[][][][];
    const c2 = activations['conv2'] as number[][][][];
    const pixels = Array.from(image.dataSync());
    const meanOf = (a: number[][][][], k: number) => a[0]!.flat().reduce((s, cell) => s + cell[k]!, 0) / (a[0]!.length * a[0]![0]!.length);
    const l2 = pixels.reduce((s, v) => s + (v - 0.5) ** 2, 0);
    const codeData = target.data;
    const flat1 = a1.flat(3);
    const match = -flat1.reduce((s, v, i) => s + (v - codeData[i]!) ** 2, 0) / codeData.reduce((s, v) => s + v * v, 0);
    const expected = [
      logits[2]!,
      a2[0]![1]![2]![1]!,
      meanOf(c2, 3),
      flat1.reduce((s, v) => s + v * v, 0) / flat1.length,
      match,
      l2,
      undefined,
      logits[0]! - 0.1 * l2 + 2 * meanOf(a2, 0),
    ];
    objectives.forEach((objective, n) => {
      const f = evaluate(net, objective);
      const value = scalarOf(() => f(image));
      if (expected[n] !== undefined) expect(value).toBeCloseTo(expected[n]!, 4);
      const g = tf.tidy(() => tf.grad(f)(image));
      const at = [3, 40, 77, 128, 190];
      const fd = centralDifferences((x) => scalarOf(() => f(x)), image, at, 1e-3);
      const scale = Math.max(...fd.map(Math.abs), 1e-3);
      at.forEach((i, k) => expect(Math.abs(g.dataSync()[i]! - fd[k]!) / scale, `${objective.formula} at ${i}`).toBeLessThan(0.05));
      g.dispose();
    });
    expect(objectives[7]!.formula).toBe('S_0(x) − 0.1·‖x‖² + 2·mean relu2[:,:,0]');
    expect([...objectives[7]!.capture]).toEqual(['relu2']);
    tf.dispose([image, code]);
    net.dispose();
  });

  it('evaluating an objective leaves no tensor behind', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const objective = classLogit(1).minus(totalVariation(1.5).times(0.5)).plus(layerEnergy('relu2'));
    await expectNoLeak(() => scalarOf(() => tf.grad(evaluate(net, objective))(image)));
    image.dispose();
    net.dispose();
  });
});
