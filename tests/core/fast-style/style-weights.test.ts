import { describe, expect, it } from 'vitest';
import { perStyleWeights, styleScale } from '../../../src/core/fast-style/style-weights';

describe('per-style weights of the style loss', () => {
  it('divides λ_s by each style’s mean copy loss, so every weighted term is λ_s for a copy of the input', () => {
    // By hand: scales 2, 1000 and 0.5; λ_s = 4 gives 2, 0.004 and 8.
    const copies = [[1, 3], [800, 1200], [0.25, 0.75]];
    expect(copies.map(styleScale)).toEqual([2, 1000, 0.5]);
    const weights = perStyleWeights(4, copies);
    expect(weights[0]).toBeCloseTo(2, 12);
    expect(weights[1]).toBeCloseTo(0.004, 12);
    expect(weights[2]).toBeCloseTo(8, 12);
    weights.forEach((w, s) => expect(w * styleScale(copies[s]!)).toBeCloseTo(4, 12));
  });

  it('leaves one style at its scale’s weight and explains bad input', () => {
    expect(perStyleWeights(3, [[1.5]])).toEqual([2]);
    expect(() => styleScale([])).toThrow(/at least one content image/);
    expect(() => styleScale([1, 0])).toThrow(/positive numbers/);
    expect(() => styleScale([1, Number.NaN])).toThrow(/positive numbers/);
    expect(() => perStyleWeights(0, [[1]])).toThrow(/positive number; got 0/);
  });
});
