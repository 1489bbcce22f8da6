/**
 * Latent-space optimisation through a generator (Nguyen et al. 2016): the generator's shape and range,
 * the gradient with respect to the code against finite differences, the clipping and the prior, fitting
 * a code to an image, the objective rising, and no leaks after a run or a cancel, on tiny networks
 * (latent-trained.test.ts runs the book's own).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConvNet } from '../../../src/core/convnet';
import { layersConvNet } from '../../../src/core/layers-convnet';
import { type Generator, buildConvDecoder, buildDecoder, generatorOf } from '../../../src/core/optvis/generator';
import { checkGeneratorFits, clippedUpdate, codeL2, latentClassModel, latentImage } from '../../../src/core/optvis/latent';
import { classLogit } from '../../../src/core/optvis/objectives';
import { OPTVIS_TECHNIQUES, defaultSettings } from '../../../src/core/optvis/registry';
import { render, gradientAscent } from '../../../src/core/optvis/render';
import { tf } from '../../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';

/** A tiny generator: codes of 3 → 6×6×1 images, random (seeded) weights. */
const tinyGenerator = (seed = 5): Generator => generatorOf(buildDecoder({ latentSize: 3, hidden: [5], outputShape: [6, 6, 1], seed }), 'tiny');

/** A tiny classifier of 6×6×1 images: conv (linear) → ReLU → global average pooling → 3 logits. */
function tinyNet(): ConvNet {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 4, kernelSize: 3, padding: 'same', name: 'conv1_1', kernelInitializer: tfl.initializers.heNormal({ seed: 3 }), biasInitializer: 'ones' }),
      tfl.layers.reLU({ name: 'relu1_1' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 3, name: 'logits', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }),
    ],
  });
  return layersConvNet(model, { id: 'tiny-net', title: 'Tiny' });
}

describe.each(NODE_BACKENDS)('latent-space optimisation on tiny networks, %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('a decoder maps [n, d] codes to [n, H, W, C] images inside (0, 1), even for codes far outside the prior', () => {
    const g = tinyGenerator();
    expect(g.latentSize).toBe(3);
    expect(g.outputShape).toEqual([6, 6, 1]);
    const images = tf.tidy(() => g.generate(tf.tensor2d([0, 0, 0, 30, -30, 30, -5, 2, 1], [3, 3])));
    expect(images.shape).toEqual([3, 6, 6, 1]);
    const v = images.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    // Different codes draw different images.
    expect(Math.abs(v[0]! - v[36]!) + Math.abs(v[36]! - v[72]!)).toBeGreaterThan(0);
    images.dispose();
    g.dispose();
  });

  it('a convolutional decoder doubles its grid to the image: [n, d] codes to [n, H, W, 3] images inside (0, 1), no tensors left', async () => {
    const g = generatorOf(buildConvDecoder({ latentSize: 4, grid: [2, 2, 3], filters: [5, 4], outputShape: [16, 16, 3], seed: 2 }), 'tiny-conv');
    expect(g.latentSize).toBe(4);
    expect(g.outputShape).toEqual([16, 16, 3]);
    const v = await expectNoLeak(async () => {
      const images = tf.tidy(() => g.generate(tf.tensor2d([0, 0, 0, 0, 20, -20, 5, -3], [2, 4])));
      expect(images.shape).toEqual([2, 16, 16, 3]);
      const data = await images.data();
      images.dispose();
      return data;
    });
    expect(v.length).toBe(2 * 16 * 16 * 3);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    // The two codes draw different images (the zero code, with zero biases, a flat 0.5), in three channels that differ.
    expect(v.slice(0, 768).some((x, i) => x !== v[768 + i])).toBe(true);
    expect(v.slice(768).some((x, i) => i % 3 === 0 && (x !== v[768 + i + 1] || x !== v[768 + i + 2]))).toBe(true);
    g.dispose();
    expect(() => buildConvDecoder({ latentSize: 4, grid: [2, 2, 3], filters: [5], outputShape: [16, 16, 3] })).toThrow('A 2×2 grid doubled 2 times is not 16×16.');
  });

  it('rejects a model that is not a code-to-image network, and a generator whose images the network cannot take', () => {
    const flat = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 4 })] });
    expect(() => generatorOf(flat, 'flat')).toThrow(/should give images \[n, H, W, C\]; its output is \[, 4\]/);
    flat.dispose();
    const g = tinyGenerator();
    expect(() => checkGeneratorFits(g, { id: 'big', inputShape: [28, 28, 1] })).toThrow('The generator tiny draws 6×6×1 images, but the network big takes 28×28×1 images.');
    g.dispose();
  });

  it('the gradient of S_c(G(z)) − λ‖z‖² with respect to z matches central finite differences', () => {
    const [g, net] = [tinyGenerator(), tinyNet()];
    const lambda = 0.3;
    const param = latentImage(g, { range: net.inputRange, seed: 11 });
    const objective = classLogit(1).minus(codeL2(() => param).times(lambda));
    const f = () => {
      const image = param.image();
      return objective.value({ result: net.forward(image), image, range: net.inputRange });
    };
    const { grads } = tf.variableGrads(f, [param.code]);
    const analytic = Array.from(grads[param.code.name]!.dataSync());
    const z0 = Array.from(param.code.dataSync());
    const at = (z: number[]) => {
      const t = tf.tensor2d(z, [1, 3]);
      param.code.assign(t);
      t.dispose();
      return tf.tidy(() => f().dataSync()[0]!);
    };
    const eps = 1e-2;
    for (let j = 0; j < 3; j++) {
      const numeric = (at(z0.map((v, i) => v + (i === j ? eps : 0))) - at(z0.map((v, i) => v - (i === j ? eps : 0)))) / (2 * eps);
      expect(Math.abs(numeric - analytic[j]!)).toBeLessThan(2e-3 + 2e-2 * Math.abs(analytic[j]!));
    }
    // The prior's part by hand: ∂(−λ‖z‖²)/∂z = −2λz, so with λ = 0 the gradient differs by exactly that.
    at(z0);
    const plain = tf.variableGrads(() => {
      const image = param.image();
      return classLogit(1).value({ result: net.forward(image), image, range: net.inputRange });
    }, [param.code]);
    const withoutPrior = plain.grads[param.code.name]!.dataSync();
    z0.forEach((z, i) => expect(analytic[i]).toBeCloseTo(withoutPrior[i]! - 2 * lambda * z, 5));
    tf.dispose([...Object.values(grads), ...Object.values(plain.grads), plain.value]);
    param.dispose();
    net.dispose();
    g.dispose();
  });

  it('clips the code to [−b, b] after each step, and ‖z‖² is the code’s squared norm', () => {
    const g = tinyGenerator();
    const param = latentImage(g, { range: [0, 1], seed: 2 });
    const z = Array.from(param.code.dataSync());
    const norm = tf.tidy(() => codeL2(() => param).value({} as never).dataSync()[0]!);
    expect(norm).toBeCloseTo(z.reduce((s, v) => s + v * v, 0), 5);
    // A huge step along +z[0] and −z[1] ends on the bound.
    const update = clippedUpdate(gradientAscent(100), 0.5);
    const value = update.step(param.variables, () => tf.sub(tf.slice(param.code, [0, 0], [1, 1]).sum(), tf.slice(param.code, [0, 1], [1, 1]).sum()));
    value.dispose();
    const after = Array.from(param.code.dataSync());
    expect(after[0]).toBeCloseTo(0.5, 6);
    expect(after[1]).toBeCloseTo(-0.5, 6);
    expect(Math.abs(after[2]!)).toBeLessThanOrEqual(0.5);
    update.dispose();
    param.dispose();
    g.dispose();
  });

  it('the code starts from a seeded normal: the same seed the same image, another seed another', () => {
    const g = tinyGenerator();
    const codes = [1, 1, 2].map((seed) => {
      const p = latentImage(g, { range: [0, 1], seed });
      const z = Array.from(p.code.dataSync());
      p.dispose();
      return z;
    });
    expect(codes[0]).toEqual(codes[1]);
    expect(codes[0]).not.toEqual(codes[2]);
    g.dispose();
  });

  it('assign fits the code to an image the generator can draw', async () => {
    const g = tinyGenerator();
    const target = latentImage(g, { range: [0, 1], seed: 8, sd: 0.5 });
    const param = latentImage(g, { range: [0, 1], seed: 9, sd: 0.5 });
    const goal = tf.tidy(() => target.image());
    const error = () => tf.tidy(() => tf.sum(tf.squaredDifference(param.image(), goal)).dataSync()[0]!);
    const before = error();
    await expectNoLeak(() => param.assign(goal));
    expect(error()).toBeLessThan(before * 0.5);
    tf.dispose([goal]);
    target.dispose();
    param.dispose();
    g.dispose();
  });

  it('a run raises the objective and leaks nothing, also when cancelled', async () => {
    const [g, net] = [tinyGenerator(), tinyNet()];
    const options = () => latentClassModel(net, g, { unit: { kind: 'class', index: 2 }, steps: 12, seed: 3 });
    const run = await expectNoLeak(() => render(net, options()));
    expect(run.history).toHaveLength(12);
    expect(run.history[11]!).toBeGreaterThan(run.history[0]!);
    expect(run.image.data.length).toBe(36);
    const controller = new AbortController();
    const cancelled = await expectNoLeak(() =>
      render(net, { ...options(), signal: controller.signal, onStep: (s) => void (s.step === 3 && controller.abort()) }),
    );
    expect(cancelled.aborted).toBe(true);
    expect(cancelled.history).toHaveLength(3);
    net.dispose();
    g.dispose();
  });
});

describe('the latent technique in the registry, cpu', () => {
  beforeAll(() => useBackend('cpu'));

  it('climbs in pixel space, then through the code, with both results and what each reached in the readout', async () => {
    const [g, net] = [tinyGenerator(), tinyNet()];
    const technique = OPTVIS_TECHNIQUES['latent-class-model']!;
    const settings = { ...defaultSettings(technique, net), steps: 6, class: '1' };
    const steps: number[] = [];
    const result = await expectNoLeak(() => technique.run(net, { settings, seed: 2, generator: async () => g, onStep: (s) => void steps.push(s.step) }));
    expect(steps).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(technique.totalSteps(settings)).toBe(12);
    // Each phase climbs its own objective.
    expect(result.history[5]!).toBeGreaterThan(result.history[0]!);
    expect(result.history[11]!).toBeGreaterThan(result.history[6]!);
    expect(result.gallery).toHaveLength(1);
    expect(result.gallery![0]!.label).toMatch(new RegExp(`^Pixel space, after 6 steps: S_${net.classNames[1]} = `));
    expect(result.readout![0]).toMatch(new RegExp(`^Through the generator: S_${net.classNames[1]} = .* after 6 steps \\(the objective went from .* to .*\\); ‖z‖ = .*, \\d of 3 entries at the bound\\.$`));
    expect(technique.formula(net, settings)).toBe(`arg max_z  S_${net.classNames[1]}(G(z)) − 0.01·‖z‖²,  z ∈ [−3, 3]ᵈ;  beside it arg maxₓ  S_${net.classNames[1]}(x) − 0.01·‖x‖²`);
    // Without the comparison: the latent phase only.
    const alone = await technique.run(net, { settings: { ...settings, compare: 'none' }, seed: 2, generator: async () => g });
    expect(alone.history).toEqual(result.history.slice(6));
    // A network without a generator gets a sentence, not a crash deep in the loop.
    await expect(technique.run(net, { settings, seed: 2, generator: async () => null })).rejects.toThrow(/has no generator trained on its data/);
    net.dispose();
    g.dispose();
  });

  it('cancelled in either phase, it stops there and leaks nothing', async () => {
    const [g, net] = [tinyGenerator(), tinyNet()];
    const technique = OPTVIS_TECHNIQUES['latent-class-model']!;
    const settings = { ...defaultSettings(technique, net), steps: 5 };
    for (const at of [2, 8]) {
      const controller = new AbortController();
      const result = await expectNoLeak(() =>
        technique.run(net, { settings, seed: 1, generator: async () => g, signal: controller.signal, onStep: (s) => void (s.step === at && controller.abort()) }),
      );
      expect(result.aborted).toBe(true);
      expect(result.history).toHaveLength(at);
    }
    net.dispose();
    g.dispose();
  });
});
