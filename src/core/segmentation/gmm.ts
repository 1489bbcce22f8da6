/**
 * Gaussian mixture colour models, as GrabCut uses them: C. Rother, V. Kolmogorov
 * and A. Blake, "GrabCut: interactive foreground extraction using iterated graph
 * cuts", SIGGRAPH 2004, §3.1. Foreground and background are each a mixture of
 * K = 5 full-covariance Gaussians in RGB; the data term of a pixel is
 * D = −log π_k − log N(z | μ_k, Σ_k) for the component k that explains it best.
 *
 * Colours are Float32Array triples (r, g, b), one pixel after another, in 0..1.
 * `fitGmm` starts a model from scratch (seeded k-means++, Lloyd steps, then EM);
 * `bestComponents` + `gmmFromAssignments` are GrabCut's steps 1 and 2 (assign
 * each pixel its best component, then refit each component to its pixels).
 */
import { kMeans } from '../kmeans';
import { mixSeed, mulberry32 } from '../random';

/** Components per mixture: K = 5 (Rother et al. 2004, §3.1). */
export const GRABCUT_COMPONENTS = 5;

/** Lloyd iterations of k-means that place the components before EM refines them (stops early when settled). */
export const KMEANS_ITERATIONS = 10;

/** EM steps after k-means: a few suffice to turn hard clusters into soft, overlapping ones. */
export const EM_ITERATIONS = 3;

/**
 * k-means and EM see at most this many colours, evenly spaced through the input:
 * plenty to place 5 components in RGB, and it keeps a fit under a few
 * milliseconds at 256×256 px. GrabCut's refits (`gmmFromAssignments`) use every pixel.
 */
export const FIT_SAMPLE_LIMIT = 4096;

/**
 * Added to every covariance's diagonal (colours in 0..1): a standard deviation
 * of 0.01 ≈ 2.5/255 at least, so a flat region (a rendered disc, a clipped sky)
 * gets a confident but finite likelihood instead of a singular covariance.
 */
export const COVARIANCE_REGULARISATION = 1e-4;

/** A fitted mixture. Components that received no pixels are dropped, so `size` ≤ K. */
export interface Gmm {
  readonly size: number;
  /** Mixing weights π_k, summing to 1. */
  readonly weights: Float64Array;
  /** Means μ_k, `size` × 3. */
  readonly means: Float64Array;
  /** Covariances Σ_k, `size` × 9, row-major, regularised. */
  readonly covariances: Float64Array;
  /** Inverse covariances Σ_k⁻¹, `size` × 9. */
  readonly precisions: Float64Array;
  /** log π_k − ½ log det Σ_k − (3/2) log 2π, so log π_k N(z | k) = this − ½ Mahalanobis². */
  readonly logCoefficients: Float64Array;
}

/** Options of `fitGmm`; every field has a default. */
export interface GmmOptions {
  readonly components?: number;
  readonly kmeansIterations?: number;
  readonly emIterations?: number;
  /** Seed of the k-means++ draws: equal seeds give identical models. */
  readonly seed?: number;
  readonly regularisation?: number;
  readonly maxSamples?: number;
}

/** log π_k N(z | μ_k, Σ_k) for colour (r, g, b): one component's share of the density. */
export function componentLogDensity(gmm: Gmm, k: number, r: number, g: number, b: number): number {
  const m = gmm.means, P = gmm.precisions, o = k * 9;
  const x = r - m[k * 3]!, y = g - m[k * 3 + 1]!, z = b - m[k * 3 + 2]!;
  const q = x * (P[o]! * x + 2 * (P[o + 1]! * y + P[o + 2]! * z)) + y * (P[o + 4]! * y + 2 * P[o + 5]! * z) + z * P[o + 8]! * z;
  return gmm.logCoefficients[k]! - 0.5 * q;
}

/** The mixture's log-likelihood log Σ_k π_k N(z | k) of every pixel (log-sum-exp, stable). */
export function logLikelihood(gmm: Gmm, colours: Float32Array): Float64Array {
  const n = colours.length / 3;
  const out = new Float64Array(n);
  const terms = new Float64Array(gmm.size);
  for (let i = 0; i < n; i++) out[i] = logSumExp(componentTerms(gmm, colours, i, terms));
  return out;
}

/**
 * GrabCut's step 1 (Rother et al. 2004, Fig. 3): each pixel's best component
 * argmax_k log π_k N(z | k), and that value (−D in the paper's notation).
 */
export function bestComponents(gmm: Gmm, colours: Float32Array): { component: Uint8Array; logDensity: Float64Array } {
  const n = colours.length / 3;
  const component = new Uint8Array(n);
  const logDensity = new Float64Array(n).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const r = colours[i * 3]!, g = colours[i * 3 + 1]!, b = colours[i * 3 + 2]!;
    for (let k = 0; k < gmm.size; k++) {
      const v = componentLogDensity(gmm, k, r, g, b);
      if (v > logDensity[i]!) { logDensity[i] = v; component[i] = k; }
    }
  }
  return { component, logDensity };
}

/**
 * GrabCut's step 2 (Fig. 3): each component refitted to the pixels assigned to it
 * (sample mean, sample covariance + regularisation, π_k = share of pixels).
 * With hard assignments this is the maximum-likelihood step that keeps the
 * energy from rising.
 */
export function gmmFromAssignments(
  colours: Float32Array, component: Uint8Array, size: number, regularisation = COVARIANCE_REGULARISATION,
): Gmm {
  const m = new Moments(size);
  for (let i = 0; i < component.length; i++) m.add(component[i]!, 1, colours, i);
  return m.toGmm(regularisation);
}

/**
 * Fits a K-component mixture to `allColours` from scratch: seeded k-means++
 * centres, a few Lloyd iterations, then EM (deterministic for a given seed),
 * on at most `maxSamples` evenly spaced colours.
 * Used for GrabCut's initial models, before any segmentation exists.
 */
export function fitGmm(allColours: Float32Array, options: GmmOptions = {}): Gmm {
  const {
    components = GRABCUT_COMPONENTS, kmeansIterations = KMEANS_ITERATIONS, emIterations = EM_ITERATIONS,
    seed = 0, regularisation = COVARIANCE_REGULARISATION, maxSamples = FIT_SAMPLE_LIMIT,
  } = options;
  if (allColours.length === 0) throw new RangeError('fitGmm needs at least one colour.');
  const colours = evenlySpaced(allColours, maxSamples);
  const n = colours.length / 3;
  const { labels } = kMeans(colours, 3, Math.min(components, n), kmeansIterations, mulberry32(mixSeed(seed)));
  let gmm = gmmFromAssignments(colours, labels, components, regularisation);
  const terms = new Float64Array(components);
  for (let step = 0; step < emIterations; step++) {
    const m = new Moments(gmm.size);
    for (let i = 0; i < n; i++) {
      const t = componentTerms(gmm, colours, i, terms);
      const total = logSumExp(t);
      for (let k = 0; k < gmm.size; k++) m.add(k, Math.exp(t[k]! - total), colours, i);
    }
    gmm = m.toGmm(regularisation);
  }
  return gmm;
}

/** At most `limit` of the colours, taken at even strides (all of them if there are fewer). */
function evenlySpaced(colours: Float32Array, limit: number): Float32Array {
  const n = colours.length / 3;
  if (n <= limit) return colours;
  const out = new Float32Array(limit * 3);
  for (let i = 0; i < limit; i++) out.set(colours.subarray(Math.floor((i * n) / limit) * 3).subarray(0, 3), i * 3);
  return out;
}

/** Fills `out` (length ≥ size) with log π_k N(z_i | k) for every component; returns the used view. */
function componentTerms(gmm: Gmm, colours: Float32Array, i: number, out: Float64Array): Float64Array {
  const r = colours[i * 3]!, g = colours[i * 3 + 1]!, b = colours[i * 3 + 2]!;
  for (let k = 0; k < gmm.size; k++) out[k] = componentLogDensity(gmm, k, r, g, b);
  return out.subarray(0, gmm.size);
}

function logSumExp(v: Float64Array): number {
  let max = -Infinity;
  for (const x of v) max = Math.max(max, x);
  if (max === -Infinity) return max;
  let s = 0;
  for (const x of v) s += Math.exp(x - max);
  return max + Math.log(s);
}

/** Weighted zeroth, first and second moments per component: what both k-means refits and EM need. */
class Moments {
  private readonly sums: Float64Array; // per component: weight, Σx (3), Σxxᵀ (9)

  constructor(private readonly size: number) {
    this.sums = new Float64Array(size * 13);
  }

  add(k: number, w: number, colours: Float32Array, i: number): void {
    const s = this.sums, o = k * 13;
    const r = colours[i * 3]!, g = colours[i * 3 + 1]!, b = colours[i * 3 + 2]!;
    const wr = w * r, wg = w * g, wb = w * b;
    s[o]! += w;
    s[o + 1]! += wr; s[o + 2]! += wg; s[o + 3]! += wb;
    // Only the upper triangle of Σ w x xᵀ; toGmm mirrors it.
    s[o + 4]! += wr * r; s[o + 5]! += wr * g; s[o + 6]! += wr * b;
    s[o + 8]! += wg * g; s[o + 9]! += wg * b; s[o + 12]! += wb * b;
  }

  toGmm(regularisation: number): Gmm {
    const s = this.sums;
    const kept: number[] = [];
    let total = 0;
    for (let k = 0; k < this.size; k++) {
      if (s[k * 13]! > 1e-9) { kept.push(k); total += s[k * 13]!; }
    }
    const size = kept.length;
    const weights = new Float64Array(size), means = new Float64Array(size * 3);
    const covariances = new Float64Array(size * 9), precisions = new Float64Array(size * 9);
    const logCoefficients = new Float64Array(size);
    kept.forEach((k, c) => {
      const o = k * 13, w = s[o]!;
      weights[c] = w / total;
      for (let a = 0; a < 3; a++) means[c * 3 + a] = s[o + 1 + a]! / w;
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          covariances[c * 9 + a * 3 + b] = s[o + 4 + Math.min(a, b) * 3 + Math.max(a, b)]! / w - means[c * 3 + a]! * means[c * 3 + b]! + (a === b ? regularisation : 0);
        }
      }
      const det = invert3(covariances.subarray(c * 9, c * 9 + 9), precisions.subarray(c * 9, c * 9 + 9));
      logCoefficients[c] = Math.log(weights[c]!) - 0.5 * Math.log(det) - 1.5 * Math.log(2 * Math.PI);
    });
    return { size, weights, means, covariances, precisions, logCoefficients };
  }
}

/** Inverts a symmetric positive-definite 3×3 matrix by cofactors; returns its determinant. */
function invert3(m: Float64Array, out: Float64Array): number {
  const a = m[0]!, b = m[1]!, c = m[2]!, e = m[4]!, f = m[5]!, i = m[8]!;
  const A = e * i - f * f, B = c * f - b * i, C = b * f - c * e;
  const det = a * A + b * B + c * C;
  const E = a * i - c * c, F = b * c - a * f, I = a * e - b * b;
  out.set([A, B, C, B, E, F, C, F, I].map((v) => v / det));
  return det;
}

