import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToyNet } from '../../../src/core/attribution/toy-net';
import { extractFeatures, featureLayer, featureLayerChoices, pixelVectors } from '../../../src/core/features/features';
import { pixelImageSet } from '../../../src/core/features/image-set';
import { tf } from '../../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';

/** Three 2×2 colour images; the first one is all red. */
const images = {
  pixels: Uint8Array.from([...Array(4).fill([255, 0, 0]).flat(), ...Array.from({ length: 24 }, (_, i) => i * 10)]),
  count: 3,
  height: 2,
  width: 2,
  channels: 3 as const,
  labels: [2, 0, 1],
};

const net = () =>
  createToyNet({
    inputShape: [2, 2, 3],
    layers: [
      { kind: 'conv', name: 'conv', filters: 4, size: 1 },
      { kind: 'relu', name: 'relu' },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: 3 },
    ],
  });

describe.each(NODE_BACKENDS)('feature vectors on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.setBackend('cpu'));

  it('finds the last hidden layer and the layers that can serve', () => {
    const toy = net();
    expect(featureLayer(toy)).toBe('gap');
    expect(featureLayerChoices(toy)).toEqual(['conv', 'relu', 'gap']);
    toy.dispose();
  });

  it('gives each image the vector one forward pass captures, in any batch size, without leaks', async () => {
    const toy = net();
    const set = pixelImageSet(images, { height: 2, width: 2, channels: 3, range: [0, 1] });
    const features = await expectNoLeak(() => extractFeatures(toy, set, { batchSize: 2 }));
    expect([features.count, features.dim]).toEqual([3, 4]);
    expect(features.labels).toEqual([2, 0, 1]);
    const all = set.batch(0, 3) as tf.Tensor4D;
    const direct = tf.tidy(() => toy.forward(all, { capture: ['gap'] }).activations['gap']!);
    const expected = await direct.data();
    tf.dispose([all, direct]);
    Array.from(features.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    // A layer with feature maps is averaged over space: 'conv' then gives the pre-ReLU means.
    const conv = await extractFeatures(toy, set, { layer: 'conv' });
    expect(conv.dim).toBe(4);
    toy.dispose();
  });

  it('averages pixels down to the asked side', async () => {
    const set = pixelImageSet(images, { height: 2, width: 2, channels: 3, range: [0, 1] });
    const full = await expectNoLeak(() => pixelVectors(set));
    expect(full.dim).toBe(12);
    expect(Array.from(full.data.subarray(0, 3))).toEqual([1, 0, 0]);
    const small = await pixelVectors(set, { side: 1 });
    expect(small.dim).toBe(3);
    expect(small.data[3]).toBeCloseTo((0 + 30 + 60 + 90) / 4 / 255, 5);
  });
});
