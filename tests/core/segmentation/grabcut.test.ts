import { describe, expect, it } from 'vitest';
import { bestComponents } from '../../../src/core/segmentation/gmm';
import {
  SEED_BACKGROUND, SEED_FOREGROUND, SEED_UNKNOWN, maskIoU, maskPrecisionRecall, seedsFromSaliency, segmentFromSaliency,
} from '../../../src/core/segmentation/grabcut';
import { discScene, toRgba } from './synthetic';

const SIZE = 64;

function scene(noise = 1) {
  const s = discScene(SIZE, { noise });
  return { ...s, image: { width: SIZE, height: SIZE, data: s.rgb } };
}

describe('segmentFromSaliency', () => {
  it('recovers a red disc from a blurred-disc saliency map, from floats or RGBA bytes', async () => {
    const { image, saliency, truth, rgb } = scene();
    const fromFloats = await segmentFromSaliency({ image, saliency });
    expect(maskIoU(fromFloats.mask, truth)).toBeGreaterThan(0.9);
    const fromBytes = await segmentFromSaliency({ image: { ...image, data: toRgba(rgb) }, saliency });
    expect(maskIoU(fromBytes.mask, truth)).toBeGreaterThan(0.9);
    const { precision, recall } = maskPrecisionRecall(fromFloats.mask, truth);
    expect(Math.min(precision, recall)).toBeGreaterThan(0.9);
  });

  /** The disc's saliency peak shifted 12 px sideways: its top quantile now covers background colours too. */
  function shiftedScene() {
    const s = scene();
    const shifted = new Float32Array(s.saliency.length);
    for (let p = 0; p < shifted.length; p++) shifted[p] = s.saliency[(p + 12) % s.saliency.length]!;
    return { ...s, shifted };
  }

  it('seeds from the saliency quantiles and, when asked, respects them as hard constraints', async () => {
    const { image, shifted } = shiftedScene();
    const { mask, seeds } = await segmentFromSaliency({ image, saliency: shifted, foregroundQuantile: 0.95, backgroundQuantile: 0.3, hardSeeds: true });
    const count = (code: number) => seeds.filter((s) => s === code).length;
    expect(count(SEED_FOREGROUND) / seeds.length).toBeCloseTo(0.05, 2);
    expect(count(SEED_BACKGROUND) / seeds.length).toBeGreaterThanOrEqual(0.3);
    expect(count(SEED_UNKNOWN)).toBeGreaterThan(0);
    seeds.forEach((s, p) => {
      if (s === SEED_FOREGROUND) expect(mask[p]).toBe(1);
      if (s === SEED_BACKGROUND) expect(mask[p]).toBe(0);
    });
  });

  it('with soft seeds (the default) relabels seeds the colours contradict', async () => {
    const { image, shifted, truth } = shiftedScene();
    const hard = await segmentFromSaliency({ image, saliency: shifted, hardSeeds: true });
    const soft = await segmentFromSaliency({ image, saliency: shifted });
    const wrongSeeds = hard.seeds.filter((s, p) => s === SEED_FOREGROUND && !truth[p]).length;
    expect(wrongSeeds).toBeGreaterThan(0);
    // Hard seeds keep every wrong foreground seed in the mask; soft ones let the cut give them back.
    hard.seeds.forEach((s, p) => s === SEED_FOREGROUND && expect(hard.mask[p]).toBe(1));
    expect(soft.seeds.filter((s, p) => s === SEED_FOREGROUND && !truth[p] && soft.mask[p] === 0).length).toBeGreaterThan(wrongSeeds / 2);
    expect(maskIoU(soft.mask, truth)).toBeGreaterThan(maskIoU(hard.mask, truth));
  });

  it('with lambda 0 labels each unknown pixel by its colour models alone', async () => {
    const { image, saliency, rgb } = scene(5);
    const { mask, seeds, foreground, background } = await segmentFromSaliency({ image, saliency, lambda: 0 });
    const fg = bestComponents(foreground, rgb).logDensity, bg = bestComponents(background, rgb).logDensity;
    let decided = 0;
    seeds.forEach((s, p) => {
      if (s !== SEED_UNKNOWN || Math.abs(fg[p]! - bg[p]!) < 1e-9) return;
      expect(mask[p]).toBe(fg[p]! > bg[p]! ? 1 : 0);
      decided++;
    });
    expect(decided).toBeGreaterThan(1000);
  });

  it('smooths: on a noisy image the contrast-sensitive Potts term beats the per-pixel decision', async () => {
    const { image, saliency, truth } = scene(6);
    // Hard seeds: so noisy an image can tempt a free cut to give the whole disc to the broad background model.
    const smooth = await segmentFromSaliency({ image, saliency, hardSeeds: true });
    const perPixel = await segmentFromSaliency({ image, saliency, lambda: 0, hardSeeds: true });
    expect(maskIoU(smooth.mask, truth)).toBeGreaterThan(0.95);
    expect(maskIoU(smooth.mask, truth)).toBeGreaterThan(maskIoU(perPixel.mask, truth) + 0.05);
  });

  it.each([[1, 50], [6, 10], [6, 0], [9, 0]])('never raises the energy between iterations (noise %i, lambda %i)', async (noise, lambda) => {
    const { image, saliency } = scene(noise);
    const { energy, iterationsRun } = await segmentFromSaliency({ image, saliency, lambda, iterations: 8 });
    expect(energy).toHaveLength(iterationsRun);
    for (let i = 1; i < energy.length; i++) expect(energy[i]!).toBeLessThanOrEqual(energy[i - 1]! + 1e-6 * Math.abs(energy[i - 1]!));
  });

  it('stops when its signal aborts', async () => {
    const { image, saliency } = scene();
    await expect(segmentFromSaliency({ image, saliency, signal: AbortSignal.abort() })).rejects.toThrow();
    const controller = new AbortController();
    const run = segmentFromSaliency({ image, saliency, signal: controller.signal });
    controller.abort(new Error('inputs changed'));
    await expect(run).rejects.toThrow('inputs changed');
  });

  it('is deterministic', async () => {
    const { image, saliency } = scene(6);
    const a = await segmentFromSaliency({ image, saliency });
    const b = await segmentFromSaliency({ image, saliency });
    expect(a.mask).toEqual(b.mask);
    expect(a.energy).toEqual(b.energy);
  });

  it('rejects inputs it cannot use, with a reason', async () => {
    const { image, saliency } = scene();
    await expect(segmentFromSaliency({ image, saliency: saliency.subarray(1) })).rejects.toThrow(/saliency has/);
    await expect(segmentFromSaliency({ image: { ...image, width: 63 }, saliency })).rejects.toThrow(/needs/);
    expect(() => seedsFromSaliency(new Float32Array(100).fill(1), 0.95, 0.3)).toThrow(/too flat/);
    expect(() => seedsFromSaliency(saliency, 0.2, 0.3)).toThrow(/Quantiles/);
    expect(() => seedsFromSaliency(Float32Array.of(1, Number.NaN), 0.95, 0.3)).toThrow(/finite/);
  });
});

describe('mask metrics', () => {
  it('computes IoU, precision and recall by hand', () => {
    const predicted = Uint8Array.of(1, 1, 1, 0, 0);
    const truth = Uint8Array.of(0, 1, 1, 1, 0);
    expect(maskIoU(predicted, truth)).toBeCloseTo(2 / 4);
    expect(maskPrecisionRecall(predicted, truth)).toEqual({ precision: 2 / 3, recall: 2 / 3 });
    expect(maskIoU(new Uint8Array(3), new Uint8Array(3))).toBe(1);
    expect(() => maskIoU(predicted, truth.subarray(1))).toThrow(/differ/);
  });
});
