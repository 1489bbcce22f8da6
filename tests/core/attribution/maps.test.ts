import { beforeAll, describe, expect, it } from 'vitest';
import { describeRegions, energyInsideMask, normalizeMap, pointingGame, topRegions, upsampleMap } from '../../../src/core/attribution/maps';
import type { AttributionMap } from '../../../src/core/attribution/types';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';

const map = (width: number, height: number, data: number[], signed = false): AttributionMap => ({
  width, height, data: Float32Array.from(data), signed,
});

describe.each(NODE_BACKENDS)('map utilities on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('upsamples bilinearly with half-pixel centres, without leaking', async () => {
    const up = await expectNoLeak(() => upsampleMap(map(2, 1, [0, 1]), 4, 1));
    // Output pixel centres fall at −0.25, 0.25, 0.75, 1.25 in input cells, clamped at the borders.
    expect(Array.from(up.data)).toEqual([0, 0.25, 0.75, 1]);
    const flat = await upsampleMap(map(2, 2, [3, 3, 3, 3], true), 5, 3);
    expect([flat.width, flat.height, flat.signed]).toEqual([5, 3, true]);
    flat.data.forEach((v) => expect(v).toBeCloseTo(3, 6));
  });
});

describe('map utilities', () => {
  it('normalises unsigned maps to [0, 1] and signed maps to [−1, 1]', () => {
    expect(Array.from(normalizeMap(map(3, 1, [2, 4, 6])).data)).toEqual([0, 0.5, 1]);
    expect(Array.from(normalizeMap(map(2, 1, [-2, 1], true)).data)).toEqual([-1, 0.5]);
    expect(Array.from(normalizeMap(map(2, 1, [7, 7])).data)).toEqual([0, 0]);
  });

  it('names the cells that hold the positive mass', () => {
    const data = Array.from({ length: 64 }, (_, i) => {
      const [y, x] = [Math.floor(i / 8), i % 8];
      if (y < 2 && x < 2) return 3;
      if (y >= 6 && x >= 6) return 1;
      return -5;
    });
    const regions = topRegions(map(8, 8, data), { k: 2 });
    expect(regions).toEqual([
      { name: 'top left', row: 0, col: 0, share: 0.75 },
      { name: 'bottom right', row: 3, col: 3, share: 0.25 },
    ]);
    expect(describeRegions(regions)).toBe('top left (75%), bottom right (25%)');
    const centre = topRegions(map(3, 3, [0, 0, 0, 0, 1, 0, 0, 0, 0]), { grid: 3, k: 1 });
    expect(centre[0]!.name).toBe('centre');
    expect(topRegions(map(2, 2, [0, 0, 0, 0]), { grid: 2, k: 1 })[0]!.share).toBe(0);
  });

  it('scores a map against a mask: pointing game and energy inside', () => {
    const m = map(3, 2, [0.1, 0.9, -1, 0.5, 0.2, 0.3]);
    const mask = { width: 3, height: 2, data: [0, 1, 1, 0, 0, 0] };
    expect(pointingGame(m, mask)).toBe(true);
    expect(pointingGame(m, { ...mask, data: [1, 0, 0, 1, 1, 1] })).toBe(false);
    expect(energyInsideMask(m, mask)).toBeCloseTo(0.9 / 2, 6);
    expect(() => energyInsideMask(m, { width: 2, height: 3, data: mask.data })).toThrow(/upsample/);
  });
});
