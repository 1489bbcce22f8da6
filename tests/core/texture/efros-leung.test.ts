import { describe, expect, it } from 'vitest';
import {
  efrosLeung,
  gatherWindow,
  gaussianKernel,
  windowDistance,
} from '../../../src/core/texture/efros-leung';
import { runGrower, TextureError, type TextureImage } from '../../../src/core/texture/texture-image';
import { colours, noiseSample, periodicSample, runSync, shiftAgreement } from './helpers';

describe('gaussianKernel', () => {
  it('is exp(−r²/2σ²) with σ = n/6.4, 1 at the centre', () => {
    const k = gaussianKernel(3);
    const s2 = 2 * (3 / 6.4) ** 2;
    expect(k[4]).toBe(1);
    expect(k[1]).toBeCloseTo(Math.exp(-1 / s2), 6);
    expect(k[0]).toBeCloseTo(Math.exp(-2 / s2), 6);
  });
});

describe('windowDistance', () => {
  it('matches a hand-computed Gaussian-weighted SSD over the filled pixels only', () => {
    // Output 3 × 3, grey values; only the centre's left (0.5) and upper (0.2) neighbours are filled.
    const grey = (vals: number[], w: number, h: number): TextureImage => ({
      width: w,
      height: h,
      data: Float32Array.from(vals.flatMap((v) => [v, v, v])),
    });
    const out = grey([0, 0.2, 0, 0.5, 0, 0, 0, 0, 0], 3, 3);
    const filled = Uint8Array.from([0, 1, 0, 1, 0, 0, 0, 0, 0]);
    const kernel = gaussianKernel(3);
    const win = gatherWindow(out, filled, 1, 1, kernel);
    expect(win.count).toBe(2);
    // Sample window: left 0.1, up 0.6, everything else far off (ignored because unfilled).
    const sample = grey([9, 0.6, 9, 0.1, 9, 9, 9, 9, 9], 3, 3);
    const g = Math.exp(-1 / (2 * (3 / 6.4) ** 2));
    // Both filled pixels are edge neighbours (weight g); the 3 channels agree, so d = (g·0.4² + g·0.4²)·3 / (3·2g).
    const expected = (g * 0.4 ** 2 * 3 + g * 0.4 ** 2 * 3) / (3 * 2 * g);
    expect(windowDistance(sample, 1, 1, win)).toBeCloseTo(expected, 6);
    expect(expected).toBeCloseTo(0.16, 6);
  });

  it('weights a nearer pixel more than a corner one', () => {
    const out: TextureImage = { width: 3, height: 3, data: new Float32Array(27) };
    const filled = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 0]);
    const win = gatherWindow(out, filled, 1, 1, gaussianKernel(3));
    const sample = (corner: number, edge: number): TextureImage => {
      const d = new Float32Array(27);
      d.fill(corner, 0, 3);
      d.fill(edge, 3, 6);
      return { width: 3, height: 3, data: d };
    };
    // The same error on the edge neighbour costs more than on the corner one.
    expect(windowDistance(sample(0, 1), 1, 1, win)).toBeGreaterThan(windowDistance(sample(1, 0), 1, 1, win));
  });
});

describe('efrosLeung', () => {
  it('grows a periodic sample into an output with the same period', () => {
    const [px, py] = [4, 3];
    const sample = periodicSample(20, 18, px, py);
    for (const seed of [1, 2, 3]) {
      const { image } = runSync(efrosLeung(sample, { width: 24, height: 24, neighbourhood: 5, seed }));
      expect(shiftAgreement(image, px, 0)).toBe(1);
      expect(shiftAgreement(image, 0, py)).toBe(1);
      // No shorter period: shifting by 1 or 2 pixels across changes almost every pixel.
      expect(shiftAgreement(image, 1, 0)).toBeLessThan(0.1);
      expect(shiftAgreement(image, 2, 0)).toBeLessThan(0.1);
      expect(shiftAgreement(image, 0, 1)).toBeLessThan(0.1);
    }
  });

  it('takes every output colour from the sample and records where from', () => {
    const sample = noiseSample(16, 16);
    const { image, source } = runSync(efrosLeung(sample, { width: 12, height: 10, neighbourhood: 5, seed: 4 }));
    const known = colours(sample);
    for (const c of colours(image)) expect(known.has(c)).toBe(true);
    for (let i = 0; i < 120; i++) {
      expect(source[i]).toBeGreaterThanOrEqual(0);
      for (let c = 0; c < 3; c++) expect(image.data[i * 3 + c]).toBe(sample.data[source[i]! * 3 + c]);
    }
  });

  it('repeats for a seed and differs between seeds', () => {
    const sample = noiseSample(14, 14, 7);
    const grow = (seed: number) => runSync(efrosLeung(sample, { width: 10, height: 10, neighbourhood: 3, seed })).image.data;
    expect(grow(5)).toEqual(grow(5));
    expect(grow(5)).not.toEqual(grow(6));
  });

  it('fills every pixel, one step each, with progress counting up to the total', () => {
    const sample = noiseSample(12, 12, 3);
    const grower = efrosLeung(sample, { width: 8, height: 6, neighbourhood: 3, seed: 1 });
    let last = 0;
    for (let r = grower.next(); !r.done; r = grower.next()) {
      expect(r.value.filled).toBeGreaterThanOrEqual(last);
      expect(r.value.total).toBe(48);
      last = r.value.filled;
    }
    expect(last).toBe(48);
  });

  it('with ε = 0 and a sample of distinct windows, copies runs of the sample verbatim', () => {
    // Every 5 × 5 window of noise is unique, so a filled pixel extends its neighbours' stretch of the sample, except
    // where that stretch reaches the sample's edge (whole windows only) and the growth must jump elsewhere.
    const sample = noiseSample(24, 24, 9);
    let adjacent = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      const { source } = runSync(efrosLeung(sample, { width: 8, height: 8, neighbourhood: 5, seed, epsilon: 0 }));
      for (let y = 0; y < 8; y++) for (let x = 0; x + 1 < 8; x++) adjacent += Number(source[y * 8 + x + 1]! - source[y * 8 + x]! === 1);
    }
    // Picked at random, neighbours would be adjacent in the sample about once in 400 pairs.
    expect(adjacent / (5 * 56)).toBeGreaterThan(0.7);
  });

  it('raises a maximum error that no match meets until pixels pass it, and still fills every pixel', () => {
    // Noise windows never match to 1e-6, so the first passes fill nothing and the threshold grows by 10% a pass.
    const sample = noiseSample(12, 12, 8);
    const strict = runSync(efrosLeung(sample, { width: 6, height: 6, neighbourhood: 3, seed: 1, maxError: 1e-6 }));
    const loose = runSync(efrosLeung(sample, { width: 6, height: 6, neighbourhood: 3, seed: 1 }));
    expect(strict.source.every((s) => s >= 0)).toBe(true);
    // The idle passes cost steps: one per boundary pixel, before the threshold reaches the matches.
    expect(strict.steps).toBeGreaterThan(loose.steps + 20);
  });

  it('explains a sample smaller than the neighbourhood, a zero size and an even neighbourhood', () => {
    const small = noiseSample(4, 4);
    expect(() => efrosLeung(small, { width: 8, height: 8, neighbourhood: 5, seed: 1 }).next()).toThrow(TextureError);
    expect(() => efrosLeung(small, { width: 8, height: 8, neighbourhood: 5, seed: 1 }).next()).toThrow(/smaller than the 5 × 5/);
    expect(() => efrosLeung(noiseSample(9, 9), { width: 0, height: 8, neighbourhood: 3, seed: 1 }).next()).toThrow(/1 to 96/);
    expect(() => efrosLeung(noiseSample(9, 9), { width: 8, height: 8, neighbourhood: 4, seed: 1 }).next()).toThrow(/odd/);
  });

  it('runs in slices, reports progress, and stops when aborted', async () => {
    const sample = noiseSample(16, 16, 2);
    const seen: number[] = [];
    const done = await runGrower(efrosLeung(sample, { width: 12, height: 12, neighbourhood: 5, seed: 1 }), {
      sliceMs: 0,
      onProgress: (p) => seen.push(p.filled),
    });
    expect(done.image.width).toBe(12);
    expect(seen.length).toBeGreaterThan(10);
    // The last report counts every pixel, as it does when the whole run fits in one slice.
    expect(seen.at(-1)).toBe(144);
    const once: number[] = [];
    await runGrower(efrosLeung(sample, { width: 8, height: 8, neighbourhood: 3, seed: 1 }), { sliceMs: 1e9, onProgress: (p) => once.push(p.filled) });
    expect(once).toEqual([64]);
    const ctrl = new AbortController();
    const run = runGrower(efrosLeung(sample, { width: 12, height: 12, neighbourhood: 5, seed: 1 }), {
      signal: ctrl.signal,
      sliceMs: 0,
      onProgress: (p) => {
        if (p.filled > 20) ctrl.abort();
      },
    });
    await expect(run).rejects.toThrow(/abort/i);
  });
});
