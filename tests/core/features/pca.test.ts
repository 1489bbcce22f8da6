import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jacobiEigen, pca } from '../../../src/core/features/pca';
import { tf } from '../../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from '../backends';

/** A random rotation of R^d: the product of d Householder reflections of random vectors, as rows. */
function rotation(d: number, random: () => number): number[][] {
  let m: number[][] = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
  for (let h = 0; h < d; h++) {
    const v = Array.from({ length: d }, () => random() - 0.5);
    const vv = v.reduce((s, x) => s + x * x, 0);
    m = m.map((row) => {
      const dot = row.reduce((s, x, j) => s + x * v[j]!, 0);
      return row.map((x, j) => x - (2 * dot * v[j]!) / vv);
    });
  }
  return m;
}

describe.each(NODE_BACKENDS)('PCA on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.setBackend('cpu'));

  it('recovers a known decomposition: axes, variances and coordinates', async () => {
    // The 2d points c ± σ_i √d r_i have mean c and covariance (2d / (2d − 1)) Σ σ_i² r_i r_iᵀ.
    const d = 6;
    const random = seededRandom(3);
    const r = rotation(d, random);
    const sigma = [5, 3, 2, 1, 0.5, 0.25];
    const centre = [10, -4, 2, 0, 1, 7];
    const rows: number[][] = [];
    for (let i = 0; i < d; i++) for (const sign of [1, -1]) rows.push(centre.map((c, j) => c + sign * sigma[i]! * Math.sqrt(d) * r[i]![j]!));
    const set = { count: 2 * d, dim: d, data: Float32Array.from(rows.flat()) };
    const result = await expectNoLeak(() => pca(set, 3));
    const scale = (2 * d) / (2 * d - 1);
    result.variances.forEach((v, i) => expect(v / (scale * sigma[i]! ** 2)).toBeCloseTo(1, 4));
    expect(result.totalVariance).toBeCloseTo(scale * sigma.reduce((s, x) => s + x * x, 0), 3);
    Array.from(result.mean).forEach((m, j) => expect(m).toBeCloseTo(centre[j]!, 4));
    for (let c = 0; c < 3; c++) {
      const component = Array.from(result.components.subarray(c * d, (c + 1) * d));
      const dot = component.reduce((s, x, j) => s + x * r[c]![j]!, 0);
      expect(Math.abs(dot)).toBeCloseTo(1, 4);
      // Point 2c lies at +σ_c √d along r_c, so its coordinate along component c is ±σ_c √d.
      expect(Math.abs(result.projections[2 * c * 3 + c]!)).toBeCloseTo(sigma[c]! * Math.sqrt(d), 3);
      expect(Math.max(...component.map(Math.abs))).toBe(Math.max(...component));
    }
  });

  it('diagonalises a symmetric matrix with Jacobi rotations', () => {
    const { values, vectors } = jacobiEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect([...values].sort()).toEqual([expect.closeTo(1, 10), expect.closeTo(3, 10)]);
    const big = values.indexOf(Math.max(...values));
    expect(Math.abs(vectors[big]!)).toBeCloseTo(Math.SQRT1_2, 10);
  });

  it('refuses too few vectors or components out of range', async () => {
    const set = { count: 1, dim: 2, data: Float32Array.from([1, 2]) };
    await expect(pca(set)).rejects.toThrow(/at least two/);
    await expect(pca({ count: 2, dim: 2, data: Float32Array.from([1, 2, 3, 4]) }, 3)).rejects.toThrow(/1 to 2/);
  });
});
