import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tsne, calibrate } from '../../../src/core/features/tsne';
import { tf } from '../../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from '../backends';

/** Three tight, well separated clusters of 40 points in 10 dimensions; label = cluster. */
function clusters() {
  const random = seededRandom(5);
  const count = 120;
  const dim = 10;
  const data = new Float32Array(count * dim);
  const labels = Array.from({ length: count }, (_, i) => i % 3);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) data[i * dim + j] = (j === labels[i]! ? 10 : 0) + random() - 0.5;
  return { count, dim, data, labels };
}

/** Exact KL(P‖Q) of a map, with Q from all pairs; P from the run. */
function exactKl(tsne: Tsne, p: (i: number, j: number) => number, n: number): number {
  const y = tsne.positions;
  let z = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) z += 1 / (1 + (y[2 * i]! - y[2 * j]!) ** 2 + (y[2 * i + 1]! - y[2 * j + 1]!) ** 2);
  let kl = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const pij = p(i, j);
      if (i === j || pij === 0) continue;
      const q = 1 / (1 + (y[2 * i]! - y[2 * j]!) ** 2 + (y[2 * i + 1]! - y[2 * j + 1]!) ** 2) / z;
      kl += pij * Math.log(pij / q);
    }
  }
  return kl;
}

describe('t-SNE perplexity calibration', () => {
  it('finds the β whose distribution has the target entropy, ln(perplexity)', () => {
    const random = seededRandom(2);
    for (const perplexity of [5, 30, 50]) {
      const d2 = Array.from({ length: 150 }, () => 1 + random() * 400);
      const { p, beta, entropy } = calibrate(d2, perplexity);
      expect(Math.abs(entropy - Math.log(perplexity))).toBeLessThan(1e-5);
      // The entropy recomputed from p itself, and p normalised and of the Gaussian form.
      const h = -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
      expect(h).toBeCloseTo(Math.log(perplexity), 4);
      expect(p.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 10);
      expect(p[1]! / p[0]!).toBeCloseTo(Math.exp(-beta * (d2[1]! - d2[0]!)), 8);
    }
  });

  it('gives equal distances a uniform distribution of perplexity = their number', () => {
    const { p, entropy } = calibrate([4, 4, 4, 4], 4);
    expect(entropy).toBeCloseTo(Math.log(4), 10);
    for (const v of p) expect(v).toBeCloseTo(0.25, 10);
  });
});

describe.each(NODE_BACKENDS)('t-SNE on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.setBackend('cpu'));

  it('lowers the KL divergence, agrees with the exact KL, and keeps clusters apart', async () => {
    const set = clusters();
    const tsne = new Tsne(set, { perplexity: 10 });
    await expectNoLeak(() => tsne.prepare());
    // P is symmetric and sums to 1.
    const entries = new Map<string, number>();
    const sparse = tsne.prepared;
    for (let i = 0; i < set.count; i++) for (let e = sparse.start[i]!; e < sparse.start[i + 1]!; e++) entries.set(`${i},${sparse.column[e]}`, sparse.value[e]!);
    let total = 0;
    for (const [key, v] of entries) {
      const [i, j] = key.split(',');
      expect(entries.get(`${j},${i}`)).toBeCloseTo(v, 12);
      total += v;
    }
    expect(total).toBeCloseTo(1, 10);
    const p = (i: number, j: number) => entries.get(`${i},${j}`) ?? 0;

    const kl: number[] = [];
    for (let it = 0; it < 500; it++) {
      tsne.step();
      if (it === 260 || it === 499) kl.push(tsne.klDivergence());
    }
    expect(kl[1]!).toBeLessThan(kl[0]!);
    expect(tsne.iteration).toBe(500);
    // Barnes–Hut's normaliser, at θ = 0.5, within a few percent of the exact sum over all pairs.
    expect(Math.abs(kl[1]! - exactKl(tsne, p, set.count)) / exactKl(tsne, p, set.count)).toBeLessThan(0.05);
    // Each point's nearest map neighbour is in its own cluster.
    const y = tsne.positions;
    let same = 0;
    for (let i = 0; i < set.count; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < set.count; j++) {
        const d = j === i ? Infinity : (y[2 * i]! - y[2 * j]!) ** 2 + (y[2 * i + 1]! - y[2 * j + 1]!) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      }
      if (set.labels[best] === set.labels[i]) same++;
    }
    expect(same).toBe(set.count);
  });

  it('stops preparing when aborted, without leaks, and explains bad settings', async () => {
    const set = clusters();
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    await expectNoLeak(() => expect(new Tsne(set).prepare({ signal: controller.signal })).rejects.toThrow('cancelled'));
    expect(() => new Tsne(set, { perplexity: 50 })).toThrow(/third of the number of points/);
    expect(() => new Tsne(set).step()).toThrow(/prepare/);
  });
});
