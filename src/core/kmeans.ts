/**
 * k-means clustering of points in any dimension: greedy k-means++ seeding
 * (Arthur & Vassilvitskii 2007; the greedy variant scikit-learn uses: of
 * 2 + ⌊ln k⌋ draws ∝ squared distance, keep the one that lowers the k-means
 * cost most, so one unlucky draw cannot put two centres in one cluster), then
 * Lloyd steps. GrabCut clusters colours with it (segmentation/gmm.ts), the
 * multifaceted visualisation clusters feature vectors.
 */

/** The result of {@link kMeans}. */
export interface Clusters {
  /** Each point's cluster, 0 … k − 1. */
  labels: Uint8Array;
  /** The k centres, row after row of `dim` numbers. */
  centres: Float64Array;
}

/** The largest k {@link kMeans} accepts: its labels are bytes. */
export const MAX_CLUSTERS = 255;

function squaredDistance(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) {
    const v = a[i * dim + d]! - b[j * dim + d]!;
    sum += v * v;
  }
  return sum;
}

/** An index drawn with probability ∝ weights[i] (uniformly if all are 0: duplicates then leave a cluster empty). */
function drawProportional(weights: Float64Array, random: () => number): number {
  let total = 0;
  for (const w of weights) total += w;
  if (total === 0) return Math.floor(random() * weights.length);
  let target = random() * total;
  let last = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! === 0) continue;
    last = i;
    if ((target -= weights[i]!) < 0) return i;
  }
  return last; // rounding left a sliver of `target`
}

/**
 * Clusters `points` (n rows of `dim` numbers) into k ≤ {@link MAX_CLUSTERS} groups with at most
 * `iterations` Lloyd steps after the seeding; `random` draws the seeds. An emptied cluster keeps its centre.
 */
export function kMeans(points: Float32Array, dim: number, k: number, iterations: number, random: () => number): Clusters {
  if (!(Number.isInteger(k) && k >= 1 && k <= MAX_CLUSTERS)) throw new RangeError(`k-means needs 1 to ${MAX_CLUSTERS} clusters, not ${k}`);
  const n = points.length / dim;
  const centres = new Float64Array(k * dim);
  const nearest = new Float64Array(n).fill(Infinity);
  const trials = 2 + Math.floor(Math.log(k));
  for (let c = 0, chosen = Math.floor(random() * n); c < k; c++) {
    for (let j = 0; j < dim; j++) centres[c * dim + j] = points[chosen * dim + j]!;
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i]!, squaredDistance(points, i, centres, c, dim));
    if (c + 1 === k) break;
    let bestCost = Infinity;
    for (let t = 0; t < trials; t++) {
      const candidate = drawProportional(nearest, random);
      let cost = 0;
      for (let i = 0; i < n; i++) cost += Math.min(nearest[i]!, squaredDistance(points, i, points, candidate, dim));
      if (cost < bestCost) {
        bestCost = cost;
        chosen = candidate;
      }
    }
  }
  const labels = new Uint8Array(n);
  for (let it = 0; it <= iterations; it++) {
    let changed = it === 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = squaredDistance(points, i, centres, c, dim);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      if (labels[i] !== best) {
        labels[i] = best;
        changed = true;
      }
    }
    if (!changed || it === iterations) break;
    const sums = new Float64Array(k * (dim + 1));
    for (let i = 0; i < n; i++) {
      const c = labels[i]!;
      for (let j = 0; j < dim; j++) sums[c * (dim + 1) + j]! += points[i * dim + j]!;
      sums[c * (dim + 1) + dim]!++;
    }
    for (let c = 0; c < k; c++) {
      const count = sums[c * (dim + 1) + dim]!;
      if (count > 0) for (let j = 0; j < dim; j++) centres[c * dim + j] = sums[c * (dim + 1) + j]! / count;
    }
  }
  return { labels, centres };
}
