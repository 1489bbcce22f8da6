/**
 * t-SNE (van der Maaten & Hinton 2008, "Visualizing Data using t-SNE", JMLR 9;
 * Barnes–Hut version: van der Maaten 2014, JMLR 15): a 2-D map in which points
 * that are near in the original space stay near. Each point i turns distances
 * into probabilities p_{j|i} ∝ exp(−β_i d_ij²), with β_i found by binary search
 * so the distribution's perplexity 2^H equals the one asked for; the map's
 * points y are moved by gradient descent on KL(P ‖ Q), Q a Student-t kernel:
 *
 *   ∂C/∂y_i = 4 Σ_j (p_ij − q_ij) (1 + ‖y_i − y_j‖²)⁻¹ (y_i − y_j).
 *
 * P is kept sparse (the ⌊3 · perplexity⌋ nearest neighbours of each point), and
 * the repulsion, the Q part, is approximated by a quadtree (θ = 0.5), so an
 * iteration costs O(n log n). One `step()` is one iteration, synchronous and a
 * few milliseconds long for the book's 2,000 points: a view runs steps between
 * frames and draws as the map forms.
 */
import { tf } from '../tf';
import { mulberry32 } from '../random';
import type { VectorSet } from './features';
import { yieldToEventLoop } from '../tasks';
import { QuadTree } from './quadtree';

/** Options of {@link Tsne}. */
export interface TsneOptions {
  /** Effective number of neighbours, 5–50 in van der Maaten & Hinton (2008, §2). */
  perplexity?: number;
  /** Barnes–Hut accuracy: cells narrower than θ × distance act as one body; 0.5 (van der Maaten 2014, §5). */
  theta?: number;
  /** Learning rate; n / 12 by default, at least 50 (Belkina et al. 2019, "Automated optimized parameters for t-SNE"). */
  learningRate?: number;
  /** Seed of the initial layout. */
  seed?: number;
}

/** The settings of van der Maaten (2014), §5, with early exaggeration 12 for 250 iterations. */
export const TSNE_DEFAULTS = { perplexity: 30, theta: 0.5, exaggeration: 12, exaggerationIterations: 250, seed: 1 } as const;

/** One point's conditional distribution over its neighbours, from squared distances. */
export interface Calibration {
  p: Float64Array;
  beta: number;
  /** Entropy of p in nats; the target is ln(perplexity). */
  entropy: number;
}

/** The β of exp(−β d²) whose distribution over `distances` (squared) has perplexity `perplexity`, by bisection. */
export function calibrate(distances: ArrayLike<number>, perplexity: number, tolerance = 1e-5): Calibration {
  const m = distances.length;
  const target = Math.log(perplexity);
  const p = new Float64Array(m);
  let lo = 0;
  let hi = Infinity;
  let beta = 1;
  let min = Infinity;
  for (let j = 0; j < m; j++) min = Math.min(min, distances[j]!);
  let entropy = 0;
  for (let round = 0; round < 200; round++) {
    // Distances shifted by their minimum: the same distribution, without exp underflow.
    let sum = 0;
    let weighted = 0;
    for (let j = 0; j < m; j++) {
      const d = distances[j]! - min;
      p[j] = Math.exp(-beta * d);
      sum += p[j]!;
      weighted += d * p[j]!;
    }
    entropy = Math.log(sum) + (beta * weighted) / sum;
    for (let j = 0; j < m; j++) p[j]! /= sum;
    if (Math.abs(entropy - target) < tolerance) break;
    // Entropy falls as β grows.
    if (entropy > target) {
      lo = beta;
      beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = (beta + lo) / 2;
    }
  }
  return { p, beta, entropy };
}

/** Rows of squared distances computed per task: a few tens of milliseconds each on 2,000 points. */
const DISTANCE_ROWS = 200;

/** Sparse symmetric P in compressed rows: row i's entries are column[start[i]..start[i + 1]) with their values. */
export interface SparseP {
  start: Int32Array;
  column: Int32Array;
  value: Float64Array;
}

/** A t-SNE run over a set of vectors: {@link prepare} once, then {@link step} as often as wanted. */
export class Tsne {
  /** The map: x, y of each point. */
  readonly positions: Float64Array;
  /** Iterations done. */
  iteration = 0;
  private readonly n: number;
  private readonly perplexity: number;
  private readonly theta: number;
  private readonly learningRate: number;
  private readonly update: Float64Array;
  private readonly gains: Float64Array;
  private readonly gradient: Float64Array;
  private readonly repulsive: Float64Array;
  private readonly tree = new QuadTree();
  private p: SparseP | null = null;

  constructor(private readonly set: VectorSet, options: TsneOptions = {}) {
    this.n = set.count;
    this.perplexity = options.perplexity ?? TSNE_DEFAULTS.perplexity;
    if (this.n < 4) throw new RangeError('t-SNE needs at least four points.');
    if (!(this.perplexity >= 1 && 3 * this.perplexity < this.n)) {
      throw new RangeError(`The perplexity must be between 1 and a third of the number of points (${this.n}), not ${this.perplexity}.`);
    }
    this.theta = options.theta ?? TSNE_DEFAULTS.theta;
    this.learningRate = options.learningRate ?? Math.max(50, this.n / 12);
    const random = mulberry32(options.seed ?? TSNE_DEFAULTS.seed);
    this.positions = new Float64Array(2 * this.n);
    // Small Gaussian start (van der Maaten & Hinton 2008, Algorithm 1: N(0, 10⁻⁴ I)), by Box–Muller.
    for (let i = 0; i < 2 * this.n; i++) this.positions[i] = 1e-4 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    this.update = new Float64Array(2 * this.n);
    this.gains = new Float64Array(2 * this.n).fill(1);
    this.gradient = new Float64Array(2 * this.n);
    this.repulsive = new Float64Array(2 * this.n);
  }

  /**
   * Finds each point's nearest neighbours and calibrates P, in tasks of a few
   * hundred rows separated by yields; holds no tensors after.
   */
  async prepare({ signal, onProgress }: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<void> {
    const { n } = this;
    const { dim, data } = this.set;
    const k = Math.min(n - 1, Math.floor(3 * this.perplexity));
    const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
    const all = tf.tensor2d(data, [n, dim]);
    // Transposed once: a product with a pre-transposed matrix is about ten times faster on the WASM backend.
    const [allT, norms] = tf.tidy(() => [all.transpose(), all.square().sum(1)]);
    try {
      for (let start = 0; start < n; start += DISTANCE_ROWS) {
        signal?.throwIfAborted();
        const end = Math.min(n, start + DISTANCE_ROWS);
        const block = tf.tidy(() => {
          const x = all.slice([start, 0], [end - start, dim]);
          return norms.slice([start], [end - start]).reshape([-1, 1]).add(norms.reshape([1, -1])).sub(tf.matMul(x, allT as tf.Tensor2D).mul(2));
        });
        const d2 = await block.data();
        block.dispose();
        const index = new Int32Array(k);
        const dist = new Float64Array(k);
        for (let i = start; i < end; i++) {
          const row = d2.subarray((i - start) * n, (i - start + 1) * n);
          let found = 0;
          for (let j = 0; j < n; j++) {
            if (j === i) continue;
            const d = Math.max(0, row[j]!);
            if (found === k && d >= dist[k - 1]!) continue;
            let at = found < k ? found++ : k - 1;
            while (at > 0 && dist[at - 1]! > d) {
              dist[at] = dist[at - 1]!;
              index[at] = index[at - 1]!;
              at--;
            }
            dist[at] = d;
            index[at] = j;
          }
          const { p } = calibrate(dist, this.perplexity);
          for (let m = 0; m < k; m++) {
            const j = index[m]!;
            const w = p[m]! / (2 * n);
            rows[i]!.set(j, (rows[i]!.get(j) ?? 0) + w);
            rows[j]!.set(i, (rows[j]!.get(i) ?? 0) + w);
          }
        }
        onProgress?.(end, n);
        await yieldToEventLoop();
      }
    } finally {
      tf.dispose([all, allT, norms]);
    }
    const start = new Int32Array(n + 1);
    rows.forEach((r, i) => (start[i + 1] = start[i]! + r.size));
    const column = new Int32Array(start[n]!);
    const value = new Float64Array(start[n]!);
    rows.forEach((r, i) => {
      let at = start[i]!;
      for (const [j, v] of r) {
        column[at] = j;
        value[at++] = v;
      }
    });
    this.p = { start, column, value };
  }

  /** The joint probabilities p_ij the map is fitted to (symmetric, summing to 1), for inspection. */
  get prepared(): SparseP {
    if (!this.p) throw new Error('t-SNE: call prepare() before step().');
    return this.p;
  }

  /** One iteration of gradient descent with momentum and per-coordinate gains (Jacobs 1988), as in the reference code. */
  step(): void {
    const { start, column, value } = this.prepared;
    const { n, positions: y, gradient, update, gains, repulsive } = this;
    const early = this.iteration < TSNE_DEFAULTS.exaggerationIterations;
    const exaggeration = early ? TSNE_DEFAULTS.exaggeration : 1;
    const momentum = early ? 0.5 : 0.8;
    this.tree.build(y);
    const force = new Float64Array(2);
    let z = 0;
    for (let i = 0; i < n; i++) {
      const xi = y[2 * i]!, yi = y[2 * i + 1]!;
      z += this.tree.repulsion(i, xi, yi, this.theta, force);
      let ax = 0, ay = 0;
      for (let e = start[i]!; e < start[i + 1]!; e++) {
        const j = column[e]!;
        const dx = xi - y[2 * j]!, dy = yi - y[2 * j + 1]!;
        const w = value[e]! / (1 + dx * dx + dy * dy);
        ax += w * dx;
        ay += w * dy;
      }
      gradient[2 * i] = exaggeration * ax;
      gradient[2 * i + 1] = exaggeration * ay;
      // The repulsion needs Z, known only after every point: kept aside for now.
      repulsive[2 * i] = force[0]!;
      repulsive[2 * i + 1] = force[1]!;
    }
    let mx = 0, my = 0;
    for (let c = 0; c < 2 * n; c++) {
      const g = 4 * (gradient[c]! - repulsive[c]! / z);
      gains[c] = Math.sign(g) !== Math.sign(update[c]!) ? gains[c]! + 0.2 : Math.max(0.01, gains[c]! * 0.8);
      update[c] = momentum * update[c]! - this.learningRate * gains[c]! * g;
      y[c]! += update[c]!;
      if (c % 2 === 0) mx += y[c]!;
      else my += y[c]!;
    }
    for (let i = 0; i < n; i++) {
      y[2 * i]! -= mx / n;
      y[2 * i + 1]! -= my / n;
    }
    this.iteration++;
  }

  /**
   * KL(P ‖ Q) = Σ p_ij ln(p_ij / q_ij) of the current map, over P's non-zero entries; Q's
   * normaliser Z = Σ_{i≠j} (1 + ‖y_i − y_j‖²)⁻¹ is estimated with the quadtree, as in a step.
   */
  klDivergence(): number {
    const { start, column, value } = this.prepared;
    const y = this.positions;
    this.tree.build(y);
    const force = new Float64Array(2);
    let z = 0;
    for (let i = 0; i < this.n; i++) z += this.tree.repulsion(i, y[2 * i]!, y[2 * i + 1]!, this.theta, force);
    let kl = 0;
    for (let i = 0; i < this.n; i++) {
      for (let e = start[i]!; e < start[i + 1]!; e++) {
        const j = column[e]!;
        const dx = y[2 * i]! - y[2 * j]!, dy = y[2 * i + 1]! - y[2 * j + 1]!;
        const q = 1 / (1 + dx * dx + dy * dy) / z;
        kl += value[e]! * Math.log(Math.max(value[e]!, 1e-300) / Math.max(q, 1e-300));
      }
    }
    return kl;
  }
}
