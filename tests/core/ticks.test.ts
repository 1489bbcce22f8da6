import { describe, expect, it } from 'vitest';
import { niceDomain, niceTicks } from '../../src/core/ticks';

describe('niceTicks', () => {
  it('puts ticks at multiples of 1, 2 or 5 times a power of ten, inside the range', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-0.4, 1)).toEqual([0, 0.5, 1]);
    expect(niceTicks(-0.5, 1)).toEqual([-0.5, 0, 0.5, 1]);
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(-3.7, 12.2)).toEqual([0, 5, 10]);
    expect(niceTicks(0.001, 0.0042)).toEqual([0.001, 0.002, 0.003, 0.004]);
  });

  it('gives more than two labels for any axis of steps from 2 to 100, whole numbers only', () => {
    for (let n = 2; n <= 100; n++) {
      const ticks = niceTicks(0, n, { integer: true });
      expect(ticks.length, `0..${n}`).toBeGreaterThan(2);
      expect(ticks.length, `0..${n}`).toBeLessThanOrEqual(11);
      expect(ticks.every(Number.isInteger), `0..${n}`).toBe(true);
      expect(ticks.every((t) => t >= 0 && t <= n), `0..${n}`).toBe(true);
    }
    expect(niceTicks(0, 3, { integer: true })).toEqual([0, 1, 2, 3]);
    expect(niceTicks(0, 1, { integer: true })).toEqual([0, 1]);
  });

  it('gives one value for an empty range and none for a non-finite one', () => {
    expect(niceTicks(2, 2)).toEqual([2]);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });
});

describe('niceDomain', () => {
  it('widens a range to the round ticks just outside it', () => {
    expect(niceDomain(0.13, 0.92)).toEqual([0, 1]);
    expect(niceDomain(-2.3, 7.9)).toEqual([-5, 10]);
    expect(niceDomain(-0.37, 1)).toEqual([-0.5, 1]);
    expect(niceDomain(3, 3)).toEqual([2, 4]);
    expect(niceDomain(0.11, 0.29, 2)).toEqual([0.1, 0.3]);
    const [lo, hi] = niceDomain(-13.7, 41.2);
    expect(lo).toBeLessThanOrEqual(-13.7);
    expect(hi).toBeGreaterThanOrEqual(41.2);
    expect(niceTicks(lo, hi)[0]).toBe(lo);
  });
});
