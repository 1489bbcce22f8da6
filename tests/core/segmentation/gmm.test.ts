import { describe, expect, it } from 'vitest';
import {
  COVARIANCE_REGULARISATION, bestComponents, componentLogDensity, fitGmm, gmmFromAssignments, logLikelihood, type Gmm,
} from '../../../src/core/segmentation/gmm';
import { clusters } from './synthetic';

const MEANS = [[0.8, 0.1, 0.1], [0.1, 0.7, 0.2], [0.2, 0.2, 0.9]];

/** Index of the fitted component whose mean is nearest to `mean`. */
function nearestComponent(gmm: Gmm, mean: number[]): number {
  let best = -1, bestD = Infinity;
  for (let k = 0; k < gmm.size; k++) {
    const d = mean.reduce((s, v, c) => s + (v - gmm.means[k * 3 + c]!) ** 2, 0);
    if (d < bestD) { bestD = d; best = k; }
  }
  return best;
}

describe('fitGmm', () => {
  const colours = clusters(MEANS, 300, 0.04);

  it('recovers the means and weights of separated clusters', () => {
    const gmm = fitGmm(colours, { components: 3 });
    expect(gmm.size).toBe(3);
    for (const mean of MEANS) {
      const k = nearestComponent(gmm, mean);
      mean.forEach((v, c) => expect(gmm.means[k * 3 + c]).toBeCloseTo(v, 2));
      expect(gmm.weights[k]).toBeCloseTo(1 / 3, 2);
      expect(gmm.covariances[k * 9]).toBeCloseTo(0.04 ** 2 + COVARIANCE_REGULARISATION, 3);
    }
  });

  it('gives each colour the highest density under its own cluster’s component', () => {
    const gmm = fitGmm(colours, { components: 3 });
    for (const mean of MEANS) {
      const own = nearestComponent(gmm, mean);
      const densities = Array.from({ length: 3 }, (_, k) => componentLogDensity(gmm, k, mean[0]!, mean[1]!, mean[2]!));
      expect(densities.indexOf(Math.max(...densities))).toBe(own);
      expect(bestComponents(gmm, Float32Array.from(mean)).component[0]).toBe(own);
    }
  });

  it('with one component is the sample Gaussian, in closed form', () => {
    const gmm = fitGmm(colours, { components: 1 });
    const n = colours.length / 3;
    const channel = (c: number) => colours.filter((_, i) => i % 3 === c);
    const mean = [0, 1, 2].map((c) => channel(c).reduce((a, b) => a + b, 0) / n);
    const cov = (a: number, b: number) => {
      const [x, y] = [channel(a), channel(b)];
      return x.reduce((s, v, i) => s + (v - mean[a]!) * (y[i]! - mean[b]!), 0) / n;
    };
    expect(gmm.weights[0]).toBe(1);
    mean.forEach((v, c) => expect(gmm.means[c]).toBeCloseTo(v, 6));
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) expect(gmm.covariances[a * 3 + b]).toBeCloseTo(cov(a, b) + (a === b ? COVARIANCE_REGULARISATION : 0), 8);
    }
    // At the mean the Mahalanobis term vanishes: log N(μ | μ, Σ) = −½ log det Σ − (3/2) log 2π.
    const S = gmm.covariances;
    const det = S[0]! * (S[4]! * S[8]! - S[5]! * S[7]!) - S[1]! * (S[3]! * S[8]! - S[5]! * S[6]!) + S[2]! * (S[3]! * S[7]! - S[4]! * S[6]!);
    const [atMean] = logLikelihood(gmm, Float32Array.from(gmm.means.subarray(0, 3)));
    expect(atMean).toBeCloseTo(-0.5 * Math.log(det) - 1.5 * Math.log(2 * Math.PI), 8);
  });

  it('mixture likelihood is at least the best component’s and is higher for in-model colours', () => {
    const gmm = fitGmm(colours, { components: 3 });
    const mixture = logLikelihood(gmm, colours);
    const best = bestComponents(gmm, colours).logDensity;
    mixture.forEach((v, i) => expect(v).toBeGreaterThanOrEqual(best[i]! - 1e-9));
    const [inside] = logLikelihood(gmm, Float32Array.of(0.8, 0.1, 0.1));
    const [outside] = logLikelihood(gmm, Float32Array.of(0.9, 0.9, 0.1));
    expect(inside!).toBeGreaterThan(outside! + 10);
  });

  it('is deterministic for a seed and survives identical colours', () => {
    expect(fitGmm(colours, { seed: 4 })).toEqual(fitGmm(colours, { seed: 4 }));
    const flat = fitGmm(new Float32Array(60).fill(0.5));
    expect(flat.size).toBeGreaterThanOrEqual(1);
    expect(Number.isFinite(logLikelihood(flat, Float32Array.of(0.5, 0.5, 0.5))[0])).toBe(true);
  });
});

describe('gmmFromAssignments', () => {
  it('never lowers the total best-component log-density (GrabCut step 2)', () => {
    const colours = clusters([...MEANS, [0.5, 0.5, 0.5]], 200, 0.08, 3);
    let gmm = fitGmm(colours, { emIterations: 0, kmeansIterations: 1 });
    let total = bestComponents(gmm, colours).logDensity.reduce((a, b) => a + b, 0);
    for (let step = 0; step < 5; step++) {
      const { component, logDensity } = bestComponents(gmm, colours);
      const assigned = logDensity.reduce((a, b) => a + b, 0);
      expect(assigned).toBeGreaterThanOrEqual(total - 1e-6);
      gmm = gmmFromAssignments(colours, component, gmm.size);
      total = bestComponents(gmm, colours).logDensity.reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThanOrEqual(assigned - 1e-6 * Math.abs(assigned));
    }
  });
});
