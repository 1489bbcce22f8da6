import { describe, expect, it } from 'vitest';
import { incomparableReason, pearson, ranks, spearman, ssim } from '../../../src/core/attribution/similarity';

describe('map similarity', () => {
  it('Pearson: ±1 for linear relations, undefined (NaN) when either side is constant, identical or not', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(pearson([1, 2, 3], [5, 5, 5])).toBeNaN();
    expect(pearson([5, 5, 5], [5, 5, 5])).toBeNaN();
    expect(pearson([5, 5, 5], [2, 2, 2])).toBeNaN();
    expect(spearman([0, 0, 0, 0], [0, 0, 0, 0])).toBeNaN();
  });

  it('says why constant maps cannot be scored, naming the map, and lets varying maps through', () => {
    const names: [string, string] = ['the trained map', 'the randomised map'];
    expect(incomparableReason([0, 0, 0], [0, 0, 0], names)).toBe(
      'the trained map is zero everywhere and the randomised map is zero everywhere: there is nothing to compare',
    );
    expect(incomparableReason([1, 2, 3], [4, 4, 4], names)).toBe('the randomised map is constant, so it ranks no pixel above another');
    expect(incomparableReason([0, 0, 0], [1, 2, 3], names)).toMatch(/^the trained map is zero everywhere/);
    expect(incomparableReason([1, 2, 3], [3, 1, 2], names)).toBeNull();
  });

  it('ranks share ties; Spearman is 1 for any increasing transform and matches a hand-solved case with ties', () => {
    expect(Array.from(ranks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    expect(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125])).toBe(1);
    // Ranks of y: 1, 2, 3.5, 5, 3.5; Σ dx·dy = 8, Σ dx² = 10, Σ dy² = 9.5.
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(8 / Math.sqrt(95), 12);
    expect(() => spearman([1, 2], [1])).toThrow(RangeError);
  });

  it('SSIM: 1 for identical maps, symmetric, and a hand-solved 2×2 case', () => {
    const a = Array.from({ length: 64 }, (_, i) => ((i * 37) % 11) / 10);
    const b = a.map((v, i) => (i % 3 ? v : 1 - v));
    expect(ssim(a, a, 8, 8)).toBeCloseTo(1, 12);
    expect(ssim(a, b, 8, 8)).toBeCloseTo(ssim(b, a, 8, 8), 12);
    expect(ssim(a, b, 8, 8)).toBeLessThan(0.9);
    // One 2×2 window: means 0.5, sample variances 1/3, covariance 0.
    const [c1, c2] = [0.01 ** 2, 0.03 ** 2];
    const expected = ((0.5 + c1) * c2) / ((0.5 + c1) * (2 / 3 + c2));
    expect(ssim([0, 0, 1, 1], [0, 1, 0, 1], 2, 2)).toBeCloseTo(expected, 12);
  });
});
