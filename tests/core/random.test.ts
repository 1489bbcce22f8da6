import { describe, expect, it } from 'vitest';
import { lcgUniform, mixSeed, mulberry32, streamSeed } from '../../src/core/random';

describe('mulberry32', () => {
  it('repeats a seed\'s sequence, stays in [0, 1), and differs between seeds', () => {
    const [a, b, c] = [mulberry32(7), mulberry32(7), mulberry32(8)];
    const xs = Array.from({ length: 1000 }, () => a());
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(c()).not.toBe(xs[0]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03);
  });
});

describe('mixSeed', () => {
  it('sends neighbouring seeds far apart', () => {
    expect(Math.abs(mixSeed(1) - mixSeed(0))).toBeGreaterThan(2 ** 20);
  });
});

describe('lcgUniform', () => {
  it('follows s ← 1664525 s + 1013904223 mod 2³², mapped to [-scale, scale]', () => {
    // From seed 0 the first state is 1013904223 and the second 1196435762, worked out by hand.
    const [x0, x1] = lcgUniform(2, 0, 3);
    expect(x0).toBeCloseTo((1013904223 / 2 ** 32 * 2 - 1) * 3, 5);
    expect(x1).toBeCloseTo((1196435762 / 2 ** 32 * 2 - 1) * 3, 5);
  });

  it('stays within the scale and repeats for a seed', () => {
    const xs = lcgUniform(5000, 42, 0.5);
    expect(Array.from(xs).every((x) => Math.abs(x) <= 0.5)).toBe(true);
    expect(lcgUniform(5000, 42, 0.5)).toEqual(xs);
  });
});

describe('streamSeed', () => {
  it('gives every (seed, index) pair of a 100 × 100 grid its own seed, repeatably', () => {
    const seen = new Set<number>();
    for (let seed = 0; seed < 100; seed++) for (let i = 0; i < 100; i++) seen.add(streamSeed(seed, i));
    expect(seen.size).toBe(10_000);
    expect(streamSeed(3, 4)).toBe(streamSeed(3, 4));
    // The pair that `seed + index` would confuse.
    expect(streamSeed(0, 1)).not.toBe(streamSeed(1, 0));
  });
});
