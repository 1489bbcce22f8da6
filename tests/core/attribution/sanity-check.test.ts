import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/tf';
import { cascadingRandomization, parameterRandomization, withRandomizedLayers } from '../../../src/core/attribution/sanity-check';
import { hasWeightAccess } from '../../../src/core/convnet';
import { saliencyMethod } from '../../../src/core/attribution/saliency';
import { gradCamMethod } from '../../../src/core/attribution/grad-cam';
import { guidedBackpropMethod } from '../../../src/core/attribution/guided-backprop';
import { spearman, ssim } from '../../../src/core/attribution/similarity';
import type { AttributionMap, Target } from '../../../src/core/attribution/types';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { randomImage, twoConvNet } from './toys';

const TARGET: Target = { kind: 'class', index: 1 };

describe.each(NODE_BACKENDS)('sanity checks on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('randomises the named layers only, the same way for the same seed', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    expect(hasWeightAccess(net)).toBe(true);
    expect(hasWeightAccess({ ...net, layerWeights: undefined } as never)).toBe(false);
    const logits = (n: typeof net | ReturnType<typeof withRandomizedLayers>['net']) => tf.tidy(() => n.forward(image).logits).arraySync()[0]!;
    const before = logits(net);
    const [a, b, c] = [withRandomizedLayers(net, ['logits'], 1), withRandomizedLayers(net, ['logits'], 1), withRandomizedLayers(net, ['logits'], 2)];
    expect(logits(a.net)).toEqual(logits(b.net));
    expect(logits(a.net)).not.toEqual(logits(c.net));
    expect(logits(a.net)).not.toEqual(before);
    [a, b, c].forEach((r) => r.dispose());
    expect(logits(net)).toEqual(before);
    image.dispose();
    net.dispose();
  });

  it('cascades from the top: step 0 is the trained map, each step the method on the net it names, scored against step 0', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const input = { net, image, target: TARGET };
    const methods = [saliencyMethod, guidedBackpropMethod, gradCamMethod];
    const steps = await cascadingRandomization(input, methods, { seed: 4 });
    expect(steps.map((s) => s.randomized)).toEqual([[], ['logits'], ['logits', 'conv2'], ['logits', 'conv2', 'conv1']]);
    const magnitude = (m: AttributionMap) => m.data.map(Math.abs);
    const scaled = (m: AttributionMap) => magnitude(m).map((v, _, a) => v / Math.max(...a));
    for (const method of methods) {
      // Computed here, from the method and the trained network alone.
      const trained = await method.attribute(input);
      expect(Array.from(steps[0]!.maps[method.id]!.data), method.id).toEqual(Array.from(trained.data));
      for (const step of steps) {
        const random = withRandomizedLayers(net, step.randomized, 4);
        const map = await method.attribute({ ...input, net: random.net });
        random.dispose();
        expect(Array.from(step.maps[method.id]!.data), `${method.id} ${step.randomized}`).toEqual(Array.from(map.data));
        expect(step.spearman[method.id]).toBeCloseTo(spearman(magnitude(trained), magnitude(map)), 12);
        expect(step.ssim[method.id]).toBeCloseTo(ssim(scaled(trained), scaled(map), map.width, map.height), 12);
      }
      expect(steps[0]!.spearman[method.id]).toBe(1);
    }
    const last = steps[steps.length - 1]!;
    expect(last.spearman.saliency).toBeLessThan(0.5);
    expect(last.ssim.saliency).toBeLessThan(0.5);
    expect(last.maps.saliency!.data.length).toBe(64);
    image.dispose();
    net.dispose();
  });

  it('independent mode randomises one layer per step, each drawn as the cascade draws it', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const input = { net, image, target: TARGET };
    const methods = [saliencyMethod, gradCamMethod];
    const independent = await expectNoLeak(() => parameterRandomization(input, methods, { mode: 'independent', seed: 4 }));
    const cascading = await cascadingRandomization(input, methods, { seed: 4 });
    expect(independent.map((s) => s.randomized)).toEqual([[], ['logits'], ['conv2'], ['conv1']]);
    expect(independent[0]!.spearman.saliency).toBe(1);
    // The first step randomises the same layer with the same seed in both modes.
    expect(Array.from(independent[1]!.maps.saliency!.data)).toEqual(Array.from(cascading[1]!.maps.saliency!.data));
    // Later steps keep the top layers trained, so they differ from the cascade's.
    expect(Array.from(independent[3]!.maps.saliency!.data)).not.toEqual(Array.from(cascading[3]!.maps.saliency!.data));
    // conv1 alone, randomised, changes the input gradient.
    expect(independent[3]!.spearman.saliency).toBeLessThan(0.99);
    image.dispose();
    net.dispose();
  });

  it('needs weight access, stops when aborted, and leaks no tensors', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const input = { net, image, target: TARGET };
    await expectNoLeak(() => cascadingRandomization(input, [saliencyMethod, gradCamMethod]));
    await expectNoLeak(() => withRandomizedLayers(net, ['conv1', 'logits'], 0).dispose());
    const { layerWeights: _, ...opaque } = net;
    await expect(cascadingRandomization({ ...input, net: opaque as never }, [saliencyMethod])).rejects.toThrow(/weights/);
    const controller = new AbortController();
    controller.abort();
    await expect(expectNoLeak(() => cascadingRandomization(input, [saliencyMethod], { signal: controller.signal }))).rejects.toThrow();
    image.dispose();
    net.dispose();
  });
});

describe('sanity-check scores of constant maps', () => {
  it('are undefined (NaN) with the reason, never "unchanged", while other methods are scored', async () => {
    await useBackend('cpu');
    const net = twoConvNet();
    const image = randomImage(net);
    // A method whose map is zero everywhere on every network: before and after randomisation alike.
    const flat = {
      ...saliencyMethod,
      id: 'flat',
      attribute: async () => ({ width: 8, height: 8, data: new Float32Array(64), signed: false }),
    };
    const steps = await parameterRandomization({ net, image, target: TARGET }, [flat, saliencyMethod], { seed: 2 });
    for (const step of steps) {
      expect(step.spearman['flat']).toBeNaN();
      expect(step.ssim['flat']).toBeNaN();
      expect(step.unscored['flat']).toMatch(/^the trained network's map is zero everywhere and the map after this step is zero everywhere/);
      expect(step.unscored['saliency']).toBeUndefined();
      expect(Number.isFinite(step.spearman['saliency'])).toBe(true);
    }
    image.dispose();
    net.dispose();
  });
});
