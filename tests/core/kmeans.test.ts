import { describe, expect, it } from 'vitest';
import { kMeans } from '../../src/core/kmeans';
import { mulberry32 } from '../../src/core/random';

describe('k-means', () => {
  it('finds three separated groups in 2-D, whatever the seed, with their means as centres', () => {
    const groups = [[0, 0], [10, 0], [0, 10]];
    const offsets = [[-1, 0], [1, 0], [0, -1], [0, 1]];
    const points = Float32Array.from(groups.flatMap(([x, y]) => offsets.flatMap(([dx, dy]) => [x! + dx!, y! + dy!])));
    for (const seed of [1, 2, 3, 4]) {
      const { labels, centres } = kMeans(points, 2, 3, 10, mulberry32(seed));
      for (let g = 0; g < 3; g++) {
        const members = Array.from(labels.subarray(g * 4, g * 4 + 4));
        expect(new Set(members).size).toBe(1);
        const c = members[0]!;
        expect([centres[c * 2], centres[c * 2 + 1]]).toEqual(groups[g]);
      }
      expect(new Set(labels).size).toBe(3);
    }
  });

  it('one cluster is the mean; k out of range is refused', () => {
    const { centres } = kMeans(Float32Array.from([1, 2, 3, 6, 5, 10]), 3, 1, 5, mulberry32(0));
    expect(Array.from(centres)).toEqual([3.5, 3.5, 6.5]);
    expect(() => kMeans(new Float32Array(4), 2, 0, 5, mulberry32(0))).toThrow(/1 to 255 clusters/);
  });
});
