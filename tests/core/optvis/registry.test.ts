import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../../src/core/tf';
import { OPTVIS_TECHNIQUES, defaultSettings, spatialLayers, validSettings } from '../../../src/core/optvis/registry';
import { createToyNet } from '../../../src/core/attribution/toy-net';
import { buildDecoder, generatorOf } from '../../../src/core/optvis/generator';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { randomImage, twoConvNet } from '../attribution/toys';

describe.each(NODE_BACKENDS)('the optimisation techniques by id on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('every technique runs with its default settings, reports each step and leaks nothing', async () => {
    const net = twoConvNet();
    // The view owns the generator of the techniques that search its code.
    const g = generatorOf(buildDecoder({ latentSize: 3, hidden: [4], outputShape: net.inputShape }), 'tiny');
    for (const technique of Object.values(OPTVIS_TECHNIQUES)) {
      const settings = { ...defaultSettings(technique, net), steps: 3 };
      const total = technique.totalSteps(settings);
      const steps: number[] = [];
      const made: Tensor4D[] = [];
      const image = (h: number, w: number) => {
        const t = tf.tidy(() => tf.image.resizeBilinear(randomImage(net), [h, w]) as Tensor4D);
        made.push(t);
        return t;
      };
      const imageSet = async () => ({ size: 12, batch: (start: number, end: number) => tf.tidy(() => tf.concat(Array.from({ length: end - start }, (_, i) => randomImage(net, start + i))) as Tensor4D) });
      const run = { settings, seed: 1, image, imageSet, generator: async () => g, onStep: (s: { step: number }) => void steps.push(s.step) };
      const result = await expectNoLeak(() => technique.run(net, run));
      expect(steps, technique.id).toHaveLength(total);
      expect(result.history).toHaveLength(total);
      expect([result.image.height, result.image.width]).toEqual([8, 8]);
      expect(made.every((t) => t.isDisposed)).toBe(true);
      expect(technique.formula(net, settings).length).toBeGreaterThan(5);
      if (technique.id === 'multifaceted') expect(result.gallery!.length).toBe(2 * (total / 3));
    }
    g.dispose();
    net.dispose();
  });

  it('settings from a URL: unknown keys dropped, numbers clamped, choices among their options', () => {
    const net = twoConvNet();
    const technique = OPTVIS_TECHNIQUES['class-model']!;
    const s = validSettings(technique, net, { lambda: 99, class: '2', preset: 'nonsense', steps: 'many', evil: 1 });
    expect(s['lambda']).toBe(1);
    expect(s['class']).toBe('2');
    expect(s['preset']).toBe('none');
    expect(s['steps']).toBe(defaultSettings(technique, net)['steps']);
    expect('evil' in s).toBe(false);
    expect(validSettings(technique, net, 'not an object')).toEqual(defaultSettings(technique, net));
    net.dispose();
  });

  it('offers the ReLU layers, last first, or the convolutions when the ReLUs are inside them', () => {
    const net = twoConvNet();
    expect(spatialLayers(net)).toEqual(['relu2', 'relu1']);
    const fused = createToyNet({ id: 'fused', inputShape: [4, 4, 1], layers: [{ kind: 'conv', name: 'c1', filters: 2, size: 3 }, { kind: 'gap', name: 'gap' }, { kind: 'dense', name: 'logits', units: 2 }] });
    expect(spatialLayers(fused)).toEqual(['c1']);
    net.dispose();
    fused.dispose();
  });
});
