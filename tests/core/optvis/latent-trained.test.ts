/**
 * Latent-space optimisation on the book's own generators and classifiers: the shipped fashion-vae and
 * scenes-vae decoders draw their classifiers' inputs, and a few steps through their codes raise class
 * logits and an inner channel, leaking nothing.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConvNet } from '../../../src/core/convnet';
import { type Generator, loadGenerator } from '../../../src/core/optvis/generator';
import { LATENT_DEFAULTS, checkGeneratorFits, latentClassModel } from '../../../src/core/optvis/latent';
import { render } from '../../../src/core/optvis/render';
import { tf, type Tensor2D } from '../../../src/core/tf';
import { expectNoLeak, seededRandom, useBackend } from '../backends';
import { fileUrl, nodeFetch } from '../node-files';
import { loadTrained } from '../trained';

const PUBLIC = join(import.meta.dirname, '..', '..', '..', 'public');

describe('latent-space optimisation through the trained fashion-vae and fashion-vgg, wasm', () => {
  let net: ConvNet;
  let g: Generator;
  beforeAll(async () => {
    await useBackend('wasm');
    net = await loadTrained('fashion-vgg');
    g = await loadGenerator(`${fileUrl(PUBLIC)}/models/fashion-vae/model.json`, 'fashion-vae', { fetch: nodeFetch });
  });
  afterAll(() => {
    net.dispose();
    g.dispose();
  });

  it('the shipped generator draws 28×28×1 images in [0, 1], the classifier’s input, that vary with the code', () => {
    expect(g.latentSize).toBe(16);
    checkGeneratorFits(g, net);
    expect(net.inputRange).toEqual([...g.outputRange]);
    const rand = seededRandom(4);
    const z = tf.tensor2d(Array.from({ length: 8 * 16 }, () => 4 * (rand() - 0.5)), [8, 16]);
    const t = tf.tidy(() => g.generate(z as Tensor2D));
    expect(t.shape).toEqual([8, 28, 28, 1]);
    const v = t.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    // A garment on a dark background: bright pixels and dark ones in every image.
    for (let i = 0; i < 8; i++) {
      const img = v.subarray(i * 784, (i + 1) * 784);
      expect(Math.max(...img)).toBeGreaterThan(0.5);
      expect(Math.min(...img)).toBeLessThan(0.1);
    }
    tf.dispose([t, z]);
  });

  it('a few steps raise a class logit and an inner channel through the code', async () => {
    for (const index of [1, 7]) {
      const result = await expectNoLeak(() => render(net, latentClassModel(net, g, { unit: { kind: 'class', index }, steps: 10, seed: 1 })));
      expect(result.history[9]!).toBeGreaterThan(result.history[0]! + 0.5);
      expect(Math.min(...result.image.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...result.image.data)).toBeLessThanOrEqual(1);
    }
    // An inner unit too.
    const unit = await render(net, latentClassModel(net, g, { unit: { kind: 'channel', layer: 'relu3_1', channel: 4 }, steps: 8, seed: 2 }));
    expect(unit.history[7]!).toBeGreaterThan(unit.history[0]!);
    expect(LATENT_DEFAULTS.bound).toBe(3);
  });
});

describe('latent-space optimisation through the trained scenes-vae and scenes-cnn, wasm', () => {
  let net: ConvNet;
  let g: Generator;
  beforeAll(async () => {
    await useBackend('wasm');
    net = await loadTrained('scenes-cnn');
    g = await loadGenerator(`${fileUrl(PUBLIC)}/models/scenes-vae/model.json`, 'scenes-vae', { fetch: nodeFetch });
  });
  afterAll(() => {
    net.dispose();
    g.dispose();
  });

  it('the shipped generator draws 64×64×3 images in [0, 1], the classifier’s input, in colour, that vary with the code', async () => {
    expect(g.latentSize).toBe(32);
    checkGeneratorFits(g, net);
    expect(net.inputRange).toEqual([...g.outputRange]);
    const rand = seededRandom(5);
    const v = await expectNoLeak(async () => {
      const z = tf.tensor2d(Array.from({ length: 4 * 32 }, () => 4 * (rand() - 0.5)), [4, 32]);
      const t = tf.tidy(() => g.generate(z as Tensor2D));
      expect(t.shape).toEqual([4, 64, 64, 3]);
      const data = (await t.data()) as Float32Array;
      tf.dispose([t, z]);
      return data;
    });
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    const size = 64 * 64 * 3;
    for (let i = 0; i < 4; i++) {
      const img = v.subarray(i * size, (i + 1) * size);
      // Not flat: a scene has an object and a background of other colours.
      const mean = img.reduce((a, b) => a + b, 0) / size;
      const sd = Math.sqrt(img.reduce((a, b) => a + (b - mean) ** 2, 0) / size);
      expect(sd).toBeGreaterThan(0.03);
      // Not grey: the red and blue channels differ somewhere by more than a tenth.
      expect(img.some((r, k) => k % 3 === 0 && Math.abs(r - img[k + 2]!) > 0.1)).toBe(true);
    }
    // Different codes, different scenes: what the decoder learnt first is a scene's colours, so the images'
    // mean colours differ (an untrained decoder's are all about the same grey-violet).
    expect(v.subarray(0, size).some((x, k) => Math.abs(x - v[size + k]!) > 0.1)).toBe(true);
    const meanColours = Array.from({ length: 4 }, (_, i) => [0, 1, 2].map((c) => {
      let sum = 0;
      for (let k = c; k < size; k += 3) sum += v[i * size + k]!;
      return sum / (size / 3);
    }));
    const spread = Math.max(...[0, 1, 2].map((c) => Math.max(...meanColours.map((m) => m[c]!)) - Math.min(...meanColours.map((m) => m[c]!))));
    expect(spread).toBeGreaterThan(0.1);
  });

  it('a few steps raise a class logit and an inner channel through the code, with no tensors left', async () => {
    for (const index of [0, 4]) {
      const result = await expectNoLeak(() => render(net, latentClassModel(net, g, { unit: { kind: 'class', index }, steps: 10, seed: 1 })));
      expect(result.history[9]!).toBeGreaterThan(result.history[0]! + 0.5);
      expect(result.image.data.length).toBe(64 * 64 * 3);
      expect(Math.min(...result.image.data)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...result.image.data)).toBeLessThanOrEqual(1);
    }
    const unit = await expectNoLeak(() => render(net, latentClassModel(net, g, { unit: { kind: 'channel', layer: 'relu3_1', channel: 4 }, steps: 8, seed: 2 })));
    expect(unit.history[7]!).toBeGreaterThan(unit.history[0]!);
  });
});
