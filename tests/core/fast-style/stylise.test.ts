import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import sharp from 'sharp';
import { tf, type Tensor4D } from '../../../src/core/tf';
import { buildTransformer } from '../../../src/core/fast-style/transformer';
import { applyTransformer, blendWeights, checkStyliseSize, fastStyleNet, FAST_STYLE_MODELS, loadFastStyle } from '../../../src/core/fast-style/stylise';
import type { RasterImage } from '../../../src/core/image';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from '../backends';
import { fileUrl, nodeFetch } from '../node-files';
import { readFileSync } from 'node:fs';
import { decodePng } from '../../../scripts/lib/png';
import { generateScene } from '../../../src/core/data/scenes';
import { buildTextureFeatures } from '../../../src/core/models/architectures';
import { featureNet } from '../../../src/core/style/feature-net';
import { gramTargets } from '../../../src/core/style/gram';
import { layerStyleLoss } from '../../../src/core/style/losses';
import { edgeCorrelation } from '../../../scripts/lib/edge-correlation';

const PUBLIC = join(import.meta.dirname, '..', '..', '..', 'public');
/** Least edge correlation of a stylised photograph with the photograph (scripts/lib/edge-correlation.ts). */
const MIN_EDGE_CORRELATION = 0.1;

function picture(width: number, height: number, seed: number): RasterImage {
  const rand = seededRandom(seed);
  return { width, height, channels: 3, data: Float32Array.from({ length: width * height * 3 }, () => Math.round(rand() * 255)) };
}

const meanAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
  return s / a.length;
};

describe('style weights and sizes', () => {
  it('scales a blend to sum 1 and explains bad weights and sizes', () => {
    expect(blendWeights([1, 3, 0], 3)).toEqual([0.25, 0.75, 0]);
    expect(() => blendWeights([1, 0], 3)).toThrow(/needs 3 weights/);
    expect(() => blendWeights([1, -1, 0], 3)).toThrow(/non-negative/);
    expect(() => blendWeights([0, 0, 0], 3)).toThrow(/above zero/);
    expect(checkStyliseSize(256)).toBe(256);
    expect(() => checkStyliseSize(250)).toThrow(/multiple of 4/);
    expect(() => checkStyliseSize(4096)).toThrow(/multiple of 4 from 32 to 512/);
  });
});

describe.each(NODE_BACKENDS)('the transformer on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('builds a transformer that frees every tensor when disposed', () => {
    const before = tf.memory().numTensors;
    const model = buildTransformer({ norm: 'conditional', styles: 3 });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(['batch', 'instance', 'conditional'] as const)('keeps the size of any multiple-of-4 input and outputs pixels in (0, 1) (%s norm)', async (norm) => {
    const model = buildTransformer({ norm, styles: 3 });
    expect(model.inputs.length).toBe(norm === 'conditional' ? 2 : 1);
    const x = tf.tensor4d(Float32Array.from(picture(40, 24, 1).data, (v) => v / 255), [1, 24, 40, 3]) as Tensor4D;
    const before = tf.memory().numTensors;
    const y = applyTransformer(model, norm, x, [[0.5, 0.5, 0]]);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(y.shape).toEqual([1, 24, 40, 3]);
    const v = y.dataSync();
    expect(Math.min(...v)).toBeGreaterThan(0);
    expect(Math.max(...v)).toBeLessThan(1);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('stylises a picture into plain RGBA data without leaking, and the blend changes the output', async () => {
    const model = buildTransformer({ norm: 'conditional', styles: 2 });
    // Distinct style parameters, so the two styles differ even untrained.
    const cin = model.layers.filter((l) => l.getClassName() === 'ConditionalInstanceNorm');
    for (const layer of cin) {
      const [g, b] = layer.getWeights();
      layer.setWeights(tf.tidy(() => [tf.concat([tf.ones([1, g!.shape[1]!]), tf.fill([1, g!.shape[1]!], 2)]), tf.concat([tf.zeros([1, b!.shape[1]!]), tf.fill([1, b!.shape[1]!], 0.5)])]));
    }
    const net = fastStyleNet(model, { id: 'test', title: 'test', norm: 'conditional', styles: [{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }] });
    const image = picture(50, 30, 2);
    const first = await expectNoLeak(() => net.stylise(image, [1, 0], 32));
    expect(first.image.width).toBe(32);
    expect(first.image.height).toBe(32);
    expect(first.image.data.length).toBe(32 * 32 * 4);
    expect(first.weights).toEqual([1, 0]);
    expect(first.ms).toBeGreaterThan(0);
    const second = await expectNoLeak(() => net.stylise(image, [0, 2], 32));
    expect(second.weights).toEqual([0, 1]);
    expect(meanAbsDiff(first.image.data, second.image.data)).toBeGreaterThan(1);
    await expect(net.stylise(image, [0, 0], 32)).rejects.toThrow(/above zero/);
    net.dispose();
  });
});

describe.each(NODE_BACKENDS)('the shipped networks on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const shipped = FAST_STYLE_MODELS.filter((id) => existsSync(join(PUBLIC, 'models', id, 'card.json')));

  it.each(shipped)('%s loads from its folder and each style gives another picture', async (id) => {
    const before = tf.memory().numTensors;
    const net = await loadFastStyle(id, fileUrl(PUBLIC), { fetch: nodeFetch });
    expect(net.styles.length).toBeGreaterThan(0);
    // The three-style network carries each style's training weight from its card; the others have one style and none.
    const card = JSON.parse(readFileSync(join(PUBLIC, 'models', id, 'card.json'), 'utf8'));
    expect(net.styles.map((s) => s.lossWeight)).toEqual(card.styles.map((s: { id: string }) => card.loss.perStyle?.styles.find((p: { style: string }) => p.style === s.id)?.weight));
    if (id === 'fast-style-cin') expect(net.styles.every((s) => (s.lossWeight ?? 0) > 0)).toBe(true);
    const image = picture(64, 64, 3);
    const outputs: Uint8ClampedArray[] = [];
    for (let s = 0; s < net.styles.length; s++) {
      const w = net.styles.map((_, i) => (i === s ? 1 : 0));
      outputs.push((await net.stylise(image, w, 64)).image.data);
    }
    for (let s = 1; s < outputs.length; s++) expect(meanAbsDiff(outputs[0]!, outputs[s]!)).toBeGreaterThan(2);
    // A stylised picture is not a copy of its input.
    const input = Uint8ClampedArray.from({ length: 64 * 64 * 4 }, (_, i) => (i % 4 === 3 ? 255 : image.data[Math.floor(i / 4) * 3 + (i % 4)]!));
    expect(meanAbsDiff(outputs[0]!, input)).toBeGreaterThan(5);
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(shipped)('%s brings a scene it never saw closer to each style than the scene itself is', async (id) => {
    const net = await loadFastStyle(id, fileUrl(PUBLIC), { fetch: nodeFetch });
    const features = featureNet(buildTextureFeatures(), { id: 'texture-features', inputShape: [64, 64, 3] });
    const layers = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'];
    const scene = generateScene(7, { size: 128 });
    const content = { width: 128, height: 128, channels: 3 as const, data: Float32Array.from(scene.data, (v) => v * 255) };
    // Σ_l E_l / (Σ Â² / 4N²): each layer's style loss relative to an all-zero feature map's.
    const relativeStyleLoss = (image: Float32Array, targets: Awaited<ReturnType<typeof gramTargets>>) => {
      const total = tf.tidy(() => {
        const acts = features.forward(tf.tensor4d(image, [1, 128, 128, 3]), { capture: layers }).activations;
        const unit = (g: (typeof targets)[number]) => g.data.reduce((s, v) => s + v * v, 0) / (4 * g.channels ** 2);
        return targets.reduce((sum, g) => tf.add(sum, tf.div(layerStyleLoss(acts[g.layer]!, g), unit(g))), tf.scalar(0));
      });
      const value = total.dataSync()[0]!;
      total.dispose();
      return value;
    };
    for (const [s, style] of net.styles.entries()) {
      const png = decodePng(readFileSync(join(PUBLIC, 'images', `${style.id}.png`)));
      const rgb = Float32Array.from({ length: png.width * png.height * 3 }, (_, i) => png.pixels[png.channels === 3 ? i : Math.floor(i / 3)]! / 255);
      const sample = tf.tensor4d(rgb, [1, png.height, png.width, 3]);
      const targets = await gramTargets(features, sample, layers);
      sample.dispose();
      const out = await net.stylise(content, net.styles.map((_, i) => (i === s ? 1 : 0)), 128);
      const stylised = Float32Array.from({ length: 128 * 128 * 3 }, (_, i) => out.image.data[Math.floor(i / 3) * 4 + (i % 3)]! / 255);
      const before = relativeStyleLoss(Float32Array.from(scene.data), targets);
      const after = relativeStyleLoss(stylised, targets);
      expect(after, `${id}, ${style.id}: ${after} vs ${before}`).toBeLessThan(before / 2);
    }
    features.dispose();
    net.dispose();
    // Three styles' Gram targets and 128-pixel losses on the CPU backend take over a minute on a busy machine.
  }, 180_000);

  it.each(shipped)('%s keeps the shapes of the held-out photograph in every style', async (id) => {
    // The edges of the stylised photograph lie where the photograph's do. fast-style-cin before each style
    // was weighed by its own scale: −0.07 to 0.03, a flat picture of each style's colours
    // (content/models/fast-style-cin.md).
    const net = await loadFastStyle(id, fileUrl(PUBLIC), { fetch: nodeFetch });
    const { data } = await sharp(join(PUBLIC, 'images', 'astronaut.jpg')).removeAlpha().resize(128, 128).raw().toBuffer({ resolveWithObject: true });
    const photo = { width: 128, height: 128, channels: 3 as const, data: Float32Array.from(data) };
    const input = { width: 128, height: 128, data: Float32Array.from(data, (v) => v / 255) };
    for (const [s, style] of net.styles.entries()) {
      const out = await net.stylise(photo, net.styles.map((_, i) => (i === s ? 1 : 0)), 128);
      const rgb = Float32Array.from({ length: 128 * 128 * 3 }, (_, i) => out.image.data[Math.floor(i / 3) * 4 + (i % 3)]! / 255);
      expect(edgeCorrelation(input, { width: 128, height: 128, data: rgb }), `${id}, ${style.id}`).toBeGreaterThan(MIN_EDGE_CORRELATION);
    }
    net.dispose();
  });

  it('refuses a folder that holds no fast style network', async () => {
    await expect(loadFastStyle('scenes-cnn', fileUrl(PUBLIC), { fetch: nodeFetch })).rejects.toThrow(/not a fast style-transfer network/);
    await expect(loadFastStyle('nope', fileUrl(PUBLIC), { fetch: nodeFetch })).rejects.toThrow(/Could not download .*nope/);
  });
});
