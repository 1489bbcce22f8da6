import { beforeAll, describe, expect, it } from 'vitest';
import { explainedLayer } from '../../../src/core/attribution/pipeline';
import { ATTRIBUTION_METHODS, type AttributionMethodId, isAttributionMethodId, methodsFor } from '../../../src/core/attribution/registry';
import { COLOUR_TOY_SHAPE, type ToyNet, createColourToyNet, createToyNet } from '../../../src/core/attribution/toy-net';
import type { AttributionInput, AttributionMethod, Target } from '../../../src/core/attribution/types';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { randomImage } from './toys';

const METHODS = Object.entries(ATTRIBUTION_METHODS) as [AttributionMethodId, AttributionMethod][];

/**
 * The grid each method's map lies on: the image's pixels (gradient methods, and guided Grad-CAM, which
 * multiplies guided backprop by Grad-CAM upsampled), the cells of the explained layer (Grad-CAM and its
 * variants), or the layer the global average pooling averages (CAM, whatever layer is asked for).
 */
const MAP_GRID: Record<AttributionMethodId, 'input' | 'layer' | 'cam-layer'> = {
  saliency: 'input',
  'smooth-grad-saliency': 'input',
  deconvnet: 'input',
  'guided-backprop': 'input',
  'smooth-grad-guided-backprop': 'input',
  cam: 'cam-layer',
  'grad-cam': 'layer',
  'grad-cam-counterfactual': 'layer',
  'guided-grad-cam': 'input',
  'grad-cam-plus-plus': 'layer',
};

/** [width, height] of the map `id` must give for `input`. */
function expectedSize(id: AttributionMethodId, input: AttributionInput): [number, number] {
  const { net } = input;
  const grid = MAP_GRID[id];
  if (grid === 'input') return [net.inputShape[1], net.inputShape[0]];
  const layer = grid === 'cam-layer' ? net.camLayer! : explainedLayer(input);
  const [h, w] = net.layers.find((l) => l.name === layer)!.outputShape as [number, number];
  return [w, h];
}

/** Three grids of three sizes: the 12×12 image, pool1's 6×6 cells, and the 3×3 maps the GAP averages. */
function threeGridNet(): ToyNet {
  return createToyNet({
    id: 'three-grids',
    inputShape: [12, 12, 3],
    seed: 2,
    layers: [
      { kind: 'conv', name: 'conv1', filters: 4, size: 3 },
      { kind: 'relu', name: 'relu1' },
      { kind: 'maxpool', name: 'pool1', size: 2 },
      { kind: 'conv', name: 'conv2', filters: 4, size: 3 },
      { kind: 'relu', name: 'relu2' },
      { kind: 'maxpool', name: 'pool2', size: 2 },
      { kind: 'conv', name: 'conv3', filters: 5, size: 3 },
      { kind: 'relu', name: 'relu3' },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: 3 },
    ],
  });
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

  it('gives each method its map on its own grid, for an explained layer of another size than CAM’s: finite, no leak', async () => {
    const net = threeGridNet();
    expect(net.camLayer).toBe('relu3');
    const image = randomImage(net);
    const target: Target = { kind: 'class', index: 0 };
    for (const [id, method] of METHODS) {
      const input = { net, image, target, layer: method.needsLayer ? 'pool1' : undefined, options: { samples: 2 } };
      const map = await expectNoLeak(() => method.attribute(input));
      expect([map.width, map.height], id).toEqual(expectedSize(id, input));
      expect(map.data.length, id).toBe(map.width * map.height);
      expect(map.data.every(Number.isFinite), id).toBe(true);
      if (map.channels) expect(map.channels.data.length, id).toBe(map.data.length * map.channels.count);
    }
    expect(new Set(METHODS.map(([id]) => expectedSize(id, { net, image, target, layer: 'pool1' })[0]))).toEqual(new Set([12, 6, 3]));
    image.dispose();
    net.dispose();
  });

  it('runs on the colour toy net (64×64×3) at the default layer', async () => {
    const net = createColourToyNet();
    const image = randomImage(net);
    const target: Target = { kind: 'class', index: 3 };
    expect(net.inputShape).toEqual([COLOUR_TOY_SHAPE.size, COLOUR_TOY_SHAPE.size, COLOUR_TOY_SHAPE.channels]);
    for (const [id, method] of METHODS) {
      const input = { net, image, target, options: { samples: 2 } };
      const map = await expectNoLeak(() => method.attribute(input));
      expect([map.width, map.height], id).toEqual(expectedSize(id, input));
      expect(map.data.every(Number.isFinite), id).toBe(true);
    }
    image.dispose();
    net.dispose();
  });
});
