import { beforeAll, describe, expect, it } from 'vitest';
import * as tfl from '@tensorflow/tfjs-layers';
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../../../src/core/tf';
import {
  ConditionalInstanceNorm, InstanceNorm, NORM_EPSILON, conditionalInstanceNorm, instanceNorm, normalisePerInstance,
} from '../../../src/core/fast-style/instance-norm';
import { NODE_BACKENDS, seededRandom, useBackend } from '../backends';

/** Runs `fn` and checks it leaves only its result behind. */
function onlyResult<T extends Tensor>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  expect(tf.memory().numTensors).toBe(before + 1);
  return out;
}

const values = (t: Tensor) => Array.from(t.dataSync());
const randomMap = (shape: [number, number, number, number], seed: number) => {
  const rand = seededRandom(seed);
  return tf.tensor4d(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, () => rand() * 4 - 1), shape);
};

/** Mean and variance of image n, channel c, computed in plain JavaScript. */
function stats(t: Tensor4D, n: number, c: number) {
  const [, h, w, channels] = t.shape;
  const data = t.dataSync();
  const xs: number[] = [];
  for (let i = 0; i < h * w; i++) xs.push(data[(n * h * w + i) * channels + c]!);
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  return { mean, variance: xs.reduce((s, v) => s + (v - mean) ** 2, 0) / xs.length };
}

describe.each(NODE_BACKENDS)('instance normalisation on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('normalises a hand case: [1, 2, 3, 4] has mean 2.5 and variance 1.25', () => {
    const [x, gamma, beta] = [tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), tf.tensor1d([2]), tf.tensor1d([0.5])];
    const out = onlyResult(() => instanceNorm(x, gamma, beta));
    const s = Math.sqrt(1.25 + NORM_EPSILON);
    const expected = [1, 2, 3, 4].map((v) => (2 * (v - 2.5)) / s + 0.5);
    values(out).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    tf.dispose([x, gamma, beta, out]);
  });

  it('gives each image and channel its own statistics: mean β, variance γ² σ²/(σ² + ε)', () => {
    const x = randomMap([2, 5, 4, 3], 1);
    const gamma = tf.tensor1d([1, 0.5, 2]);
    const beta = tf.tensor1d([0, -1, 3]);
    const y = onlyResult(() => instanceNorm(x, gamma, beta));
    for (let n = 0; n < 2; n++) {
      for (let c = 0; c < 3; c++) {
        const before = stats(x, n, c);
        const after = stats(y, n, c);
        const g = [1, 0.5, 2][c]!;
        expect(after.mean).toBeCloseTo([0, -1, 3][c]!, 5);
        expect(after.variance).toBeCloseTo((g * g * before.variance) / (before.variance + NORM_EPSILON), 4);
      }
    }
    // Unlike batch norm, an image's output does not depend on the other images of the batch.
    const alone = tf.tidy(() => instanceNorm(tf.slice(x, [1, 0, 0, 0], [1, -1, -1, -1]), gamma, beta));
    const inBatch = tf.slice(y, [1, 0, 0, 0], [1, -1, -1, -1]);
    values(alone).forEach((v, i) => expect(v).toBeCloseTo(values(inBatch)[i]!, 5));
    tf.dispose([x, gamma, beta, y, alone, inBatch]);
  });

  it('has the gradient of finite differences', () => {
    const x = randomMap([1, 3, 2, 2], 2);
    const r = randomMap([1, 3, 2, 2], 3);
    const f = (t: Tensor) => tf.sum(tf.mul(normalisePerInstance(t as Tensor4D), r));
    const grad = onlyResult(() => tf.grad(f)(x));
    const h = 1e-2;
    const base = x.dataSync();
    for (const i of [0, 3, 7, 10]) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i]! += h;
      minus[i]! -= h;
      const fd = tf.tidy(() => (f(tf.tensor4d(plus, x.shape)).dataSync()[0]! - f(tf.tensor4d(minus, x.shape)).dataSync()[0]!) / (2 * h));
      expect(grad.dataSync()[i]!).toBeCloseTo(fd, 2);
    }
    tf.dispose([x, r, grad]);
  });
});

describe.each(NODE_BACKENDS)('conditional instance normalisation on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const gammas = () => tf.tensor2d([[1, 2], [0.5, -1], [3, 0.25]]);
  const betas = () => tf.tensor2d([[0, 1], [-2, 0.5], [1, 1]]);

  it('with one-hot weights equals instance norm with that style’s γ and β', () => {
    const x = randomMap([3, 4, 4, 2], 4);
    const [g, b] = [gammas(), betas()];
    const w = tf.tensor2d([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const y = onlyResult(() => conditionalInstanceNorm(x, w, g, b));
    for (let s = 0; s < 3; s++) {
      const expected = tf.tidy(() => instanceNorm(tf.slice(x, [s, 0, 0, 0], [1, -1, -1, -1]), tf.slice(g, [s, 0], [1, -1]).reshape([2]), tf.slice(b, [s, 0], [1, -1]).reshape([2])));
      const got = tf.slice(y, [s, 0, 0, 0], [1, -1, -1, -1]);
      values(got).forEach((v, i) => expect(v).toBeCloseTo(values(expected)[i]!, 5));
      tf.dispose([expected, got]);
    }
    tf.dispose([x, g, b, w, y]);
  });

  it('has the gradient of finite differences with respect to each style’s γ, and normalises without leaking', () => {
    const x = randomMap([2, 3, 2, 2], 8);
    const r = randomMap([2, 3, 2, 2], 9);
    const [g, b] = [gammas(), betas()];
    const w = tf.tensor2d([[0.2, 0.8, 0], [0, 0.5, 0.5]]);
    const f = (gs: Tensor) => tf.sum(tf.mul(conditionalInstanceNorm(x, w, gs as Tensor2D, b), r));
    const grad = onlyResult(() => tf.grad(f)(g));
    const h = 1e-2;
    const base = g.dataSync();
    for (let i = 0; i < base.length; i++) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i]! += h;
      minus[i]! -= h;
      const fd = tf.tidy(() => (f(tf.tensor2d(plus, [3, 2])).dataSync()[0]! - f(tf.tensor2d(minus, [3, 2])).dataSync()[0]!) / (2 * h));
      expect(grad.dataSync()[i]!).toBeCloseTo(fd, 2);
    }
    onlyResult(() => normalisePerInstance(x)).dispose();
    tf.dispose([x, r, g, b, w, grad]);
  });

  it('blends linearly: CIN(x, a·w₁ + (1 − a)·w₂) = a·CIN(x, w₁) + (1 − a)·CIN(x, w₂)', () => {
    const x = randomMap([1, 3, 3, 2], 5);
    const [g, b] = [gammas(), betas()];
    const at = (w: number[]) => conditionalInstanceNorm(x, tf.tensor2d([w]) as Tensor2D, g, b);
    const a = 0.3;
    const [w1, w2] = [[1, 0, 0], [0, 0.5, 0.5]];
    const mixed = tf.tidy(() => values(at(w1.map((v, i) => a * v + (1 - a) * w2[i]!))));
    const sum = tf.tidy(() => values(tf.add(tf.mul(at(w1), a), tf.mul(at(w2), 1 - a))));
    mixed.forEach((v, i) => expect(v).toBeCloseTo(sum[i]!, 5));
    tf.dispose([x, g, b]);
  });
});

describe.each(NODE_BACKENDS)('normalisation layers on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('save to model.json and load back with the same weights and outputs', async () => {
    const image = tfl.input({ shape: [null, null, 2] });
    const weights = tfl.input({ shape: [3] });
    const a = new InstanceNorm({ name: 'in' }).apply(image) as tfl.SymbolicTensor;
    const b = new ConditionalInstanceNorm({ name: 'cin', styles: 3 }).apply([a, weights]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: [image, weights], outputs: b });
    const rand = seededRandom(6);
    model.setWeights(model.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => rand() * 2 - 0.5), w.shape)));
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const json = JSON.stringify(saved!.modelTopology);
    expect(json).toContain('"class_name":"InstanceNorm"');
    expect(json).toContain('"class_name":"ConditionalInstanceNorm"');
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
    expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
    const x = randomMap([2, 3, 5, 2], 7);
    const w = tf.tensor2d([[0.2, 0.8, 0], [0, 0, 1]]);
    const [p, q] = tf.tidy(() => [values(model.predict([x, w]) as Tensor), values(loaded.predict([x, w]) as Tensor)]);
    expect(p!.some((v) => Math.abs(v) > 0.1)).toBe(true);
    p!.forEach((v, i) => expect(q![i]).toBeCloseTo(v, 6));
    tf.dispose([x, w]);
    model.dispose();
    loaded.dispose();
  });

  it('refuses a CIN without a whole number of styles or with weights of another count', () => {
    expect(() => new ConditionalInstanceNorm({ styles: 0 })).toThrow(/whole number of styles/);
    const image = tfl.input({ shape: [4, 4, 2] });
    const weights = tfl.input({ shape: [2] });
    expect(() => new ConditionalInstanceNorm({ styles: 3 }).apply([image, weights])).toThrow(/weights of 3 styles/);
  });
});
