/**
 * On the book's trained networks the CAM family explains, by default, the
 * rectified maps of the last convolution (the papers' A^k), the same maps CAM's
 * global average pooling reads; there Grad-CAM is CAM up to the positive factor
 * 1/Z and the ReLU (Selvaraju et al. 2017, §3.1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cam } from '../../../src/core/attribution/cam';
import { gradCam } from '../../../src/core/attribution/grad-cam';
import { explainableLayer, explainedLayer } from '../../../src/core/attribution/pipeline';
import { ATTRIBUTION_METHODS } from '../../../src/core/attribution/registry';
import { pearson } from '../../../src/core/attribution/similarity';
import type { AttributionMethod, Target } from '../../../src/core/attribution/types';
import type { ConvNet } from '../../../src/core/convnet';
import type { Tensor4D } from '../../../src/core/tf';
import { NODE_BACKENDS, useBackend } from '../backends';
import { TRAINED, imageTensor, loadTrained, relativeToMax, tieImages } from '../trained';

/** Each convolution's ReLU layer, read off the committed model.json files (every Conv2D there is linear). */
const RECTIFIED = {
  'scenes-cnn': ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'],
  'fashion-vgg': ['relu1_1', 'relu1_2', 'relu2_1', 'relu2_2', 'relu3_1'],
} as const;

const CAM_FAMILY = (Object.values(ATTRIBUTION_METHODS) as AttributionMethod[]).filter((m) => m.needsLayer);

describe.each(NODE_BACKENDS)('the CAM family on the trained networks, on %s', (backend) => {
  const nets = new Map<(typeof TRAINED)[number], ConvNet>();
  beforeAll(async () => {
    await useBackend(backend);
    for (const id of TRAINED) nets.set(id, await loadTrained(id));
  });
  afterAll(() => nets.forEach((net) => net.dispose()));

  /** The random and the flat-block test image of a net. */
  const images = (net: ConvNet): Tensor4D[] => tieImages(net).filter((i) => i.name === 'random' || i.name === 'flat blocks').map((i) => imageTensor(net, i));

  it.each(TRAINED)('%s lists its ReLU layers, and explains the last one, the layer CAM pools, by default', (id) => {
    const net = nets.get(id)!;
    expect(net.convLayers).toEqual(RECTIFIED[id]);
    for (const name of net.convLayers) expect(net.layers.find((l) => l.name === name)!.type, name).toBe('ReLU');
    const last = RECTIFIED[id].at(-1)!;
    expect(net.camLayer).toBe(last);
    const [image] = images(net);
    expect(explainedLayer({ net, image: image!, target: { kind: 'class', index: 0 } })).toBe(last);
    image!.dispose();
  });

  it.each(TRAINED)('%s: a convolution named by a link stands for its ReLU; other layers for nothing', (id) => {
    const net = nets.get(id)!;
    for (const relu of RECTIFIED[id]) {
      expect(explainableLayer(net, relu.replace('relu', 'conv'))).toBe(relu);
      expect(explainableLayer(net, relu)).toBe(relu);
    }
    expect(explainableLayer(net, 'pool1')).toBeUndefined();
    expect(explainableLayer(net, 'logits')).toBeUndefined();
    expect(explainableLayer(net, 'no such layer')).toBeUndefined();
  });

  it.each(TRAINED)('%s: by default Grad-CAM is ReLU(CAM) / Z for every class, correlation 1 and a constant ratio', async (id) => {
    const net = nets.get(id)!;
    for (const image of images(net)) {
      for (let index = 0; index < net.classNames.length; index++) {
        const target: Target = { kind: 'class', index };
        const [c, g] = [await cam({ net, image, target }), await gradCam({ net, image, target })];
        const z = c.width * c.height;
        const positive = Float32Array.from(c.data, (v) => Math.max(v, 0));
        expect(relativeToMax(Float32Array.from(g.data, (v) => v * z), positive), `class ${index}`).toBeLessThan(1e-5);
        const max = Math.max(...positive);
        if (max === 0) continue;
        expect(pearson(g.data, positive), `class ${index}`).toBeGreaterThan(0.99999);
        const ratios = Array.from(positive).flatMap((v, i) => (v > 1e-3 * max ? [g.data[i]! / v] : []));
        for (const r of ratios) expect(r * z, `class ${index}`).toBeCloseTo(1, 4);
      }
      image.dispose();
    }
  });

  it.each(TRAINED)('%s: each CAM-family method gives the same map by default as on the last ReLU layer asked for by name', async (id) => {
    const net = nets.get(id)!;
    const layer = RECTIFIED[id].at(-1)!;
    const [h, w] = net.layers.find((l) => l.name === layer)!.outputShape;
    for (const image of images(net)) {
      const target: Target = { kind: 'class', index: 1 };
      for (const method of CAM_FAMILY) {
        const [byDefault, named] = [await method.attribute({ net, image, target }), await method.attribute({ net, image, target, layer })];
        expect(byDefault.data, method.id).toEqual(named.data);
        if (method.id !== 'guided-grad-cam') expect([byDefault.height, byDefault.width], method.id).toEqual([h, w]);
      }
      image.dispose();
    }
  });
});
