import { beforeAll, describe, expect, it } from 'vitest';
import { createToyNet } from '../../src/core/attribution/toy-net';
import { activationMaps, layerProfile, mapLayers } from '../../src/core/activation-maps';
import { tf } from '../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, useBackend } from './backends';
import { HAND_IMAGE } from './attribution/toys';

/** conv 1×1 with kernel [1, −2]: the two maps are x and −2x, then their ReLUs. */
function handNet() {
  return createToyNet({
    inputShape: [4, 4, 1],
    layers: [
      { kind: 'conv', name: 'conv', filters: 2, size: 1, kernel: [1, -2], bias: [0, 0] },
      { kind: 'relu', name: 'relu' },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: 2 },
    ],
  });
}

describe.each(NODE_BACKENDS)('activation maps on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('finds the strongest channel and scales the maps by the layer’s range', async () => {
    const net = handNet();
    const image = tf.tensor4d(HAND_IMAGE, [1, 4, 4, 1]);
    expect(mapLayers(net)).toEqual(['conv', 'relu']);
    const maps = await expectNoLeak(() => activationMaps(net, image, 'relu', 'layer'));
    // relu(−2x) peaks at 4 where x = −2 (row 1, column 2); relu(x) only reaches 2.
    expect([maps.strongest, maps.peak, maps.max, maps.channels]).toEqual([1, { y: 1, x: 2 }, [2, 4], 2]);
    expect(maps.ranges).toEqual([{ lo: 0, hi: 4 }, { lo: 0, hi: 4 }]);
    expect(Array.from(maps.maps[0]!)).toEqual(HAND_IMAGE.map((v) => Math.max(v, 0) / 4));
    expect(maps.mean[0]).toBeCloseTo(HAND_IMAGE.reduce((a, v) => a + Math.max(v, 0), 0) / 16, 6);
    const own = await activationMaps(net, image, 'conv', 'channel');
    expect(own.ranges).toEqual([{ lo: -2, hi: 2 }, { lo: -4, hi: 4 }]);
    expect(own.maps[1]![6]).toBe(1);
    await expect(activationMaps(net, image, 'gap')).rejects.toThrow(/'gap' has no feature maps/);
    image.dispose();
    net.dispose();
  });

  it('profiles sparsity and size across depth', async () => {
    const net = handNet();
    const image = tf.tensor4d(HAND_IMAGE, [1, 4, 4, 1]);
    const profile = await expectNoLeak(() => layerProfile(net, image));
    // 8 of the 16 pixels are positive, 2 are zero: relu(x) is zero at 8 cells, relu(−2x) at 10.
    expect(profile).toEqual([
      { layer: 'conv', kind: 'conv', height: 4, width: 4, channels: 2, sparsity: 18 / 32 },
      { layer: 'relu', kind: 'relu', height: 4, width: 4, channels: 2, sparsity: 18 / 32 },
    ]);
    image.dispose();
    net.dispose();
  });
});
