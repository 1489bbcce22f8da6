/**
 * Latent-space optimisation on the book's own generator and classifier: the shipped fashion-vae
 * decoder draws the classifier's input, and a few steps through its code raise a class logit and an
 * inner channel.
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
