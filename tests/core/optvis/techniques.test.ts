/**
 * Each technique of the chapter on the book's trained networks: a few steps
 * must raise its objective (or lower its loss). Tensors are checked too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../../src/core/tf';
import type { ConvNet } from '../../../src/core/convnet';
import { loadProjectModel } from '../../../src/core/model-loader';
import { generateScene } from '../../../src/core/data/scenes';
import { YOSINSKI_PRESETS, classModel } from '../../../src/core/optvis/class-model';
import { featureInversion, imageError, layerCode } from '../../../src/core/optvis/feature-inversion';
import { deepDream } from '../../../src/core/optvis/deep-dream';
import { facetOptimisation, facetStarts } from '../../../src/core/optvis/multifaceted';
import { type RenderStep, render } from '../../../src/core/optvis/render';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { fileUrl, nodeFetch } from '../node-files';

const PUBLIC = join(import.meta.dirname, '..', '..', '..', 'public');

/** A test scene (never trained on) as the colour network's input. */
function scene(index: number): Tensor4D {
  const s = generateScene(1_000_000 + index, { label: index % 7 });
  return tf.tensor4d(s.data, [1, s.height, s.width, 3]);
}

const rises = (h: number[]) => expect(h[h.length - 1]!).toBeGreaterThan(h[0]!);

describe.each(NODE_BACKENDS)('feature visualisation on the trained scenes-cnn, %s', (backend) => {
  let net: ConvNet;
  beforeAll(async () => {
    await useBackend(backend);
    net = await loadProjectModel('scenes-cnn', fileUrl(PUBLIC) + '/', { fetch: nodeFetch });
  });
  afterAll(() => net.dispose());

  it('class model: the class logit climbs from mid-grey, plain and with each Yosinski preset', async () => {
    const plain = await expectNoLeak(() => render(net, classModel(net, { unit: { kind: 'class', index: 2 }, steps: 8 })));
    rises(plain.history);
    expect(plain.history[0]).toBeLessThan(plain.history[7]! - 1);
    for (const preset of YOSINSKI_PRESETS) {
      rises((await render(net, classModel(net, { unit: { kind: 'class', index: 4 }, steps: 6, regularisers: preset }))).history);
    }
  });

  it('an inner channel and one neuron climb too', async () => {
    rises((await render(net, classModel(net, { unit: { kind: 'channel', layer: 'relu3_1', channel: 5 }, steps: 6 }))).history);
    rises((await render(net, classModel(net, { unit: { kind: 'neuron', layer: 'conv2_1', channel: 3, y: 16, x: 16 }, steps: 6 }))).history);
  });

  it('feature inversion: the code distance and the image error fall; a deeper code keeps less of the image', async () => {
    const image = scene(3);
    const source = image.dataSync() as Float32Array;
    const final: Record<string, number> = {};
    for (const layer of ['relu1_1', 'relu4_1']) {
      const code = await layerCode(net, image, layer);
      const errors: number[] = [];
      const onStep = (s: RenderStep) => void errors.push(imageError(s.image!, source, net.inputRange));
      const r = await expectNoLeak(() => render(net, { ...featureInversion(net, { code, steps: 40 }), snapshotEvery: 1, onStep }));
      rises(r.history);
      final[layer] = errors[errors.length - 1]!;
      if (layer === 'relu1_1') expect(final[layer]).toBeLessThan(errors[0]! * 0.75);
    }
    expect(final['relu1_1']).toBeLessThan(final['relu4_1']!);
    image.dispose();
  });

  it('multifaceted: starts from clusters of the most activating images, each raising the class logit further', async () => {
    const scenes = Array.from({ length: 70 }, (_, i) => generateScene(1_000_000 + i, { label: i % 7 }));
    const set = {
      size: scenes.length,
      batch: (start: number, end: number) =>
        tf.tensor4d(Float32Array.from(scenes.slice(start, end).flatMap((s) => Array.from(s.data))), [end - start, 64, 64, 3]),
    };
    const unit = { kind: 'class', index: 1 } as const;
    const starts = await expectNoLeak(() => facetStarts(net, set, unit, { facets: 3, closest: 3, seed: 2 }));
    expect(starts.length).toBeGreaterThan(1);
    const all = starts.flatMap((f) => f.members);
    expect(new Set(all).size).toBe(all.length);
    // The members are among the most activating images: mostly the class's own scenes.
    expect(all.filter((i) => scenes[i]!.label === 1).length).toBeGreaterThan(all.length / 2);
    for (const start of starts) {
      expect(start.members.length).toBeLessThanOrEqual(3);
      const r = await expectNoLeak(() => render(net, { ...facetOptimisation(net, start, { unit, steps: 5 }) }));
      rises(r.history);
    }
  });

  it('DeepDream: the layer energy climbs on a scene in every octave, at 64 and at 256 pixels', async () => {
    const image = scene(1);
    const r = await expectNoLeak(() => deepDream(net, image, { layer: 'relu3_1', steps: 4 }));
    expect(r.history).toHaveLength(12);
    expect([r.image.width, r.image.height, r.aborted]).toEqual([64, 64, false]);
    for (let o = 0; o < 3; o++) rises(r.history.slice(o * 4, o * 4 + 4));
    const big = tf.tidy(() => tf.image.resizeBilinear(image, [256, 256]));
    const b = await deepDream(net, big as Tensor4D, { layer: 'relu3_1', steps: 3, octaves: 1 });
    rises(b.history);
    expect(b.image.width).toBe(256);
    tf.dispose([image, big]);
  });

  it('DeepDream stopped in an early octave answers at the image size', async () => {
    const image = scene(2);
    const controller = new AbortController();
    const r = await expectNoLeak(() =>
      deepDream(net, image, { layer: 'relu2_1', steps: 3 }, { signal: controller.signal, onStep: (s) => void (s.step === 2 && controller.abort()) }),
    );
    expect([r.aborted, r.history.length, r.image.width, r.image.height]).toEqual([true, 2, 64, 64]);
    image.dispose();
  });
});

describe('feature visualisation on the trained fashion-vgg (grey), wasm', () => {
  it('a class logit climbs with the Fourier parameterisation and the standard transforms', async () => {
    await useBackend('wasm');
    const net = await loadProjectModel('fashion-vgg', fileUrl(PUBLIC) + '/', { fetch: nodeFetch });
    const r = await expectNoLeak(() => render(net, classModel(net, { unit: { kind: 'class', index: 1 }, steps: 10, parameterisation: 'fourier' })));
    expect(r.image.channels).toBe(1);
    expect(Math.max(...r.history.slice(-3))).toBeGreaterThan(Math.max(...r.history.slice(0, 3)));
    net.dispose();
  });
});
