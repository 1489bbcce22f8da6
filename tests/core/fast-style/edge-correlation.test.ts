import { describe, expect, it } from 'vitest';
import { edgeCorrelation, type RgbImage } from '../../../scripts/lib/edge-correlation';

/** A 4×4 picture from a luminance function, grey. */
const grey = (f: (x: number, y: number) => number): RgbImage => ({
  width: 4, height: 4, data: Float32Array.from({ length: 48 }, (_, i) => f(Math.floor(i / 3) % 4, Math.floor(i / 12))),
});

describe('edge correlation', () => {
  it('is 1 for the same edges in other colours and contrast, and 0 without edges', () => {
    const step = grey((x) => (x < 2 ? 0 : 1));
    expect(edgeCorrelation(step, step)).toBeCloseTo(1, 12);
    // Inverted and at half the contrast: the edges are where they were.
    expect(edgeCorrelation(step, grey((x) => (x < 2 ? 0.75 : 0.25)))).toBeCloseTo(1, 12);
    expect(edgeCorrelation(step, grey(() => 0.5))).toBe(0);
  });

  it('is 7/39 for a vertical edge against a horizontal one, by hand', () => {
    // |∇L| is 1 at x = 1 (rows 0–2) for the vertical step and at y = 1 (columns 0–2) for the horizontal one:
    // 3 of 16 pixels each, (1, 1) in both. r = (1/16 − (3/16)²) / (3/16 − (3/16)²) = (16 − 9) / (48 − 9).
    const vertical = grey((x) => (x < 2 ? 0 : 1));
    const horizontal = grey((_, y) => (y < 2 ? 0 : 1));
    expect(edgeCorrelation(vertical, horizontal)).toBeCloseTo(7 / 39, 12);
  });

  it('refuses pictures of different sizes', () => {
    expect(() => edgeCorrelation(grey(() => 0), { width: 2, height: 2, data: new Float32Array(12) })).toThrow(/4×4 and 2×2/);
  });
});
