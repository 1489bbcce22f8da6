import { beforeAll, describe, expect, it } from 'vitest';
import { ADVERSARIAL_DEFAULTS, foolingImage } from '../../../src/core/attribution/adversarial';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { randomImage, twoConvNet } from './toys';

describe.each(NODE_BACKENDS)('fooling images on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('raises the target logit step by step within the L∞ budget and the input range', async () => {
    const net = twoConvNet(3, [-1, 1]);
    const image = randomImage(net);
    const original = image.dataSync();
    const epsilon = 0.05;
    const result = await foolingImage(net, image, { targetClass: 2, epsilon, stepSize: 0.01, steps: 6 });
    expect(result.history.map((h) => h.step)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    result.history.slice(1).forEach((h, i) => expect(h.classLogit).toBeGreaterThan(result.history[i]!.classLogit));
    expect([result.targeted, result.pushedClass, result.aborted]).toEqual([true, 2, false]);
    const budget = epsilon * 2 + 1e-6; // ε is a fraction of the range [−1, 1]
    result.perturbation.forEach((d, i) => {
      expect(Math.abs(d)).toBeLessThanOrEqual(budget);
      expect(result.image[i]).toBeCloseTo(original[i]! + d, 5);
      expect(result.image[i]).toBeGreaterThanOrEqual(-1);
      expect(result.image[i]).toBeLessThanOrEqual(1);
    });
    expect(Math.max(...result.perturbation.map(Math.abs))).toBeGreaterThan(epsilon * 2 - 1e-6);
    image.dispose();
    net.dispose();
  });

  it('without a target, lowers the logit of the class first predicted', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const result = await foolingImage(net, image, { steps: 3 });
    expect(result.targeted).toBe(false);
    expect(result.pushedClass).toBe(result.history[0]!.predicted);
    result.history.slice(1).forEach((h, i) => expect(h.classLogit).toBeLessThan(result.history[i]!.classLogit));
    result.history.forEach((h) => expect(h.probability).toBeGreaterThan(1 / 3));
    image.dispose();
    net.dispose();
  });

  it('reports every step and stops when aborted, returning what it has', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const controller = new AbortController();
    const seen: number[] = [];
    const result = await foolingImage(net, image, {
      targetClass: 0,
      signal: controller.signal,
      onStep: async (s) => {
        seen.push(s.step);
        if (s.step === 2) controller.abort();
      },
    });
    expect(seen).toEqual([0, 1, 2]);
    // The step whose report saw the abort is dropped: the run ends on step 1.
    expect(result.history.map((h) => h.step)).toEqual([0, 1]);
    expect(result.aborted).toBe(true);
    expect(ADVERSARIAL_DEFAULTS.steps).toBe(10);
    image.dispose();
    net.dispose();
  });

  it('a step held by a pause and then cancelled is dropped: the result is the run up to the step before', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const controller = new AbortController();
    let release = () => {};
    let paused = () => {};
    const reached = new Promise<void>((resolve) => (paused = resolve));
    const held = foolingImage(net, image, {
      targetClass: 0,
      signal: controller.signal,
      // Pause after step 2 is computed, before the caller has shown it; then cancel while paused.
      onStep: (s) => {
        if (s.step !== 2) return undefined;
        paused();
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    await reached;
    controller.abort();
    release();
    const [cancelled, oneStep] = [await held, await foolingImage(net, image, { targetClass: 0, steps: 1 })];
    expect(cancelled.history.map((h) => h.step)).toEqual([0, 1]);
    expect(Array.from(cancelled.image)).toEqual(Array.from(oneStep.image));
    expect(Array.from(cancelled.perturbation)).toEqual(Array.from(oneStep.perturbation));
    image.dispose();
    net.dispose();
  });

  it('leaks no tensors', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    await expectNoLeak(() => foolingImage(net, image, { targetClass: 1, steps: 2 }));
    const controller = new AbortController();
    controller.abort();
    await expectNoLeak(() => foolingImage(net, image, { signal: controller.signal }));
    await expect(expectNoLeak(() => foolingImage(net, image, { onStep: (s) => { if (s.step === 1) throw new Error('view failed'); } }))).rejects.toThrow(/view failed/);
    image.dispose();
    net.dispose();
  });
});
