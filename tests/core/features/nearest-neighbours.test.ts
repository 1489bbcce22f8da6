import { describe, expect, it } from 'vitest';
import { distance, nearestNeighbours } from '../../../src/core/features/nearest-neighbours';
import { seededRandom } from '../backends';

describe('nearest neighbours', () => {
  it('agrees with sorting every distance (brute force), for L2 and cosine', () => {
    const random = seededRandom(7);
    const count = 300;
    const dim = 9;
    const data = Float32Array.from({ length: count * dim }, () => random() * 2 - 1);
    const set = { count, dim, data };
    const query = Array.from({ length: dim }, () => random() * 2 - 1);
    for (const metric of ['l2', 'cosine'] as const) {
      const brute = Array.from({ length: count }, (_, i) => {
        const row = Array.from(data.subarray(i * dim, (i + 1) * dim));
        const dot = row.reduce((s, x, j) => s + x * query[j]!, 0);
        const norm = (v: number[]) => Math.hypot(...v);
        const d = metric === 'l2' ? Math.hypot(...row.map((x, j) => x - query[j]!)) : 1 - dot / (norm(row) * norm(query));
        return { index: i, distance: d };
      }).sort((a, b) => a.distance - b.distance || a.index - b.index);
      const found = nearestNeighbours(set, query, { k: 10, metric, exclude: brute[0]!.index });
      expect(found.map((n) => n.index)).toEqual(brute.slice(1, 11).map((n) => n.index));
      found.forEach((n, i) => expect(n.distance).toBeCloseTo(brute[i + 1]!.distance, 5));
    }
  });

  it('measures hand-solved distances and refuses a query of the wrong length', () => {
    const data = Float32Array.from([3, 4, 0, 0, -1, 0]);
    expect(distance(data, 0, [0, 0], 'l2')).toBe(5);
    expect(distance(data, 0, [6, 8], 'cosine')).toBeCloseTo(0, 6);
    expect(distance(data, 4, [1, 0], 'cosine')).toBe(2);
    expect(distance(data, 2, [0, 0], 'cosine')).toBe(0);
    expect(distance(data, 2, [1, 0], 'cosine')).toBe(1);
    const set = { count: 3, dim: 2, data };
    expect(nearestNeighbours(set, [3, 3], { k: 2, metric: 'l2' }).map((n) => n.index)).toEqual([0, 1]);
    expect(() => nearestNeighbours(set, [1, 2, 3], { k: 1, metric: 'l2' })).toThrow(/3 numbers but the set's vectors have 2/);
  });
});
