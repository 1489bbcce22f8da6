import { beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTION_METHODS, isAttributionMethodId, methodsFor } from '../../../src/core/attribution/registry';
import { COLOUR_TOY_SHAPE, createColourToyNet } from '../../../src/core/attribution/toy-net';
import type { AttributionMethod, Target } from '../../../src/core/attribution/types';
import type { ConvNet } from '../../../src/core/convnet';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { randomImage, twoConvNet } from './toys';

const METHODS = Object.entries(ATTRIBUTION_METHODS) as [string, AttributionMethod][];

/** A map is either per pixel of the image or per cell of the explained layer. */
function expectedSizes(net: ConvNet, layer: string): [number, number][] {
  const [h, w] = net.layers.find((l) => l.name === layer)!.outputShape as [number, number];
  return [[net.inputShape[1], net.inputShape[0]], [w, h]];
}

describe('the attribution registry', () => {
  it('lists each method under its own id, with a paper', () => {
    for (const [id, method] of METHODS) {
      expect(method.id).toBe(id);
      expect(method.paper.url).toMatch(/^https:\/\/arxiv\.org\/abs\/\d{4}\.\d{4,5}$/);
      expect(method.title.length).toBeGreaterThan(2);
    }
    expect(isAttributionMethodId('grad-cam')).toBe(true);
    expect(isAttributionMethodId('toString')).toBe(false);
  });

  it('offers only the methods a network can run', () => {
    const all = methodsFor({ cam: true, reluRules: true });
    expect(all).toEqual(Object.keys(ATTRIBUTION_METHODS));
    const plain = methodsFor({ cam: false, reluRules: false });
    expect(plain).toContain('grad-cam-plus-plus');
    expect(plain).not.toContain('cam');
    expect(plain).not.toContain('guided-backprop');
    expect(plain).not.toContain('smooth-grad-guided-backprop');
  });
});

describe.each(NODE_BACKENDS)('every registered method on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('runs on the small two-conv net with its defaults: right size, finite values, no leak', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const target: Target = { kind: 'class', index: 0 };
    for (const [id, method] of METHODS) {
      const layer = method.needsLayer ? 'pool1' : undefined;
      const map = await expectNoLeak(() => method.attribute({ net, image, target, layer }));
      expect(map.data.length, id).toBe(map.width * map.height);
      expect(expectedSizes(net, layer ?? net.camLayer!), id).toContainEqual([map.width, map.height]);
      expect(map.data.every(Number.isFinite), id).toBe(true);
      if (map.channels) expect(map.channels.data.length, id).toBe(map.data.length * map.channels.count);
    }
    image.dispose();
    net.dispose();
  });

  it('runs on the colour toy net (64×64×3) at the default layer', async () => {
    const net = createColourToyNet();
    const image = randomImage(net);
    const target: Target = { kind: 'class', index: 3 };
    expect(net.inputShape).toEqual([COLOUR_TOY_SHAPE.size, COLOUR_TOY_SHAPE.size, COLOUR_TOY_SHAPE.channels]);
    for (const [id, method] of METHODS) {
      const map = await expectNoLeak(() => method.attribute({ net, image, target, options: { samples: 2 } }));
      expect(expectedSizes(net, net.convLayers[net.convLayers.length - 1]!), id).toContainEqual([map.width, map.height]);
      expect(map.data.every(Number.isFinite), id).toBe(true);
    }
    image.dispose();
    net.dispose();
  });
});
