import { describe, expect, it } from 'vitest';
import { generateScene, SCENE_CLASSES, type Scene } from '../../src/core/data/scenes';

const K = SCENE_CLASSES.length;
const seeds = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** Mean RGB of the masked (object) pixels, or of the whole image. */
function meanColour(scene: Scene, masked: boolean): number[] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let p = 0; p < scene.width * scene.height; p++) {
    if (masked && !scene.mask[p]) continue;
    for (let k = 0; k < 3; k++) sum[k]! += scene.data[p * 3 + k]!;
    n++;
  }
  return sum.map((s) => s / n);
}

/** Accuracy of a nearest-class-mean classifier fit on `train` and scored on `test`. */
function nearestMean(train: { f: number[]; y: number }[], test: { f: number[]; y: number }[]): number {
  const dims = train[0]!.f.length;
  const means = Array.from({ length: K }, () => new Array<number>(dims).fill(0));
  const counts = new Array<number>(K).fill(0);
  for (const { f, y } of train) {
    counts[y]!++;
    f.forEach((v, d) => (means[y]![d]! += v));
  }
  means.forEach((m, y) => m.forEach((_, d) => (m[d]! /= Math.max(1, counts[y]!))));
  const dist = (a: number[], b: number[]) => a.reduce((s, v, d) => s + (v - b[d]!) ** 2, 0);
  const predict = (f: number[]) => means.reduce((best, m, y) => (dist(f, m) < dist(f, means[best]!) ? y : best), 0);
  return test.filter(({ f, y }) => predict(f) === y).length / test.length;
}

const train = seeds(0, 700).map((s) => generateScene(s));
const test = seeds(10_000, 700).map((s) => generateScene(s));

describe('generateScene', () => {
  it('reproduces a scene from its seed, and different seeds give different scenes', () => {
    const [a, b] = [generateScene(42), generateScene(42)];
    expect(a.data).toEqual(b.data);
    expect(a.mask).toEqual(b.mask);
    expect(a.label).toBe(b.label);
    expect(generateScene(43).data).not.toEqual(a.data);
  });

  it('returns 64×64 HWC pixels in 0..1 and a label in range', () => {
    for (const s of train.slice(0, 50)) {
      expect([s.width, s.height, s.data.length, s.mask.length]).toEqual([64, 64, 64 * 64 * 3, 64 * 64]);
      expect(s.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(s.label).toBeGreaterThanOrEqual(0);
      expect(s.label).toBeLessThan(K);
    }
  });

  it('forces the class on request, leaving the rest of the scene as the seed draws it', () => {
    const s = generateScene(7, { label: 3 });
    expect(s.label).toBe(3);
    expect(generateScene(7, { label: 3 }).data).toEqual(s.data);
  });

  it('has a non-empty object mask wholly inside the image, with a one-pixel margin', () => {
    for (const s of train) {
      let [area, onBorder] = [0, 0];
      for (let y = 0; y < s.height; y++) {
        for (let x = 0; x < s.width; x++) {
          if (!s.mask[y * s.width + x]) continue;
          area++;
          if (x === 0 || y === 0 || x === s.width - 1 || y === s.height - 1) onBorder++;
        }
      }
      expect(area).toBeGreaterThan(20);
      expect(onBorder).toBe(0);
    }
  });

  it('anti-aliases edges only: supersampling changes boundary pixels and nothing else', () => {
    const [smooth, aliased] = [generateScene(5), generateScene(5, { supersample: 1 })];
    let changed = 0;
    let changedInsideMask = 0;
    for (let p = 0; p < 64 * 64; p++) {
      const differs = [0, 1, 2].some((k) => Math.abs(smooth.data[p * 3 + k]! - aliased.data[p * 3 + k]!) > 1e-6);
      if (!differs) continue;
      changed++;
      // A pixel well inside the object (all 4 neighbours masked) is fully covered either way.
      const n = [p - 1, p + 1, p - 64, p + 64].every((q) => smooth.mask[q]);
      if (smooth.mask[p] && n) changedInsideMask++;
    }
    expect(changed).toBeGreaterThan(20);
    expect(changed).toBeLessThan(0.3 * 64 * 64);
    expect(changedInsideMask).toBe(0);
  });

  it('draws classes evenly from the seed', () => {
    const counts = new Array<number>(K).fill(0);
    for (const s of [...train, ...test]) counts[s.label]!++;
    const expected = (train.length + test.length) / K;
    for (const c of counts) expect(Math.abs(c - expected)).toBeLessThan(0.3 * expected);
  });

  it('paints every class in every hue', () => {
    const sextants = Array.from({ length: K }, () => new Set<number>());
    for (const s of [...train, ...test]) {
      const [r, g, b] = meanColour(s, true) as [number, number, number];
      // Hue sextant from the order of the channels.
      const hue = Math.atan2(Math.sqrt(3) * (g - b), 2 * r - g - b);
      sextants[s.label]!.add(Math.floor(((hue + Math.PI) / (2 * Math.PI)) * 6) % 6);
    }
    for (const seen of sextants) expect(seen.size).toBe(6);
  });

  it('cannot be classified by colour: nearest mean colour is near chance', () => {
    const chance = 1 / K;
    for (const masked of [true, false]) {
      const feats = (set: Scene[]) => set.map((s) => ({ f: meanColour(s, masked), y: s.label }));
      expect(nearestMean(feats(train), feats(test))).toBeLessThan(chance + 0.07);
    }
  });

  it('(control) the colour classifier does find colour when colour carries the class', () => {
    // Shift each scene's object colour by its label: now nearest-mean must succeed,
    // so the near-chance result above is a property of the data, not a broken classifier.
    const feats = (set: Scene[]) => set.map((s) => ({ f: meanColour(s, true).map((v, k) => v + (k === 0 ? s.label : 0)), y: s.label }));
    expect(nearestMean(feats(train), feats(test))).toBeGreaterThan(0.9);
  });
});
