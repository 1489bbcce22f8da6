/**
 * Principal component analysis (Pearson 1901; Hotelling 1933): the directions
 * along which a set of vectors varies most, the leading eigenvectors of their
 * covariance C = XᵀX / (n − 1) (X centred), and each vector's coordinates
 * along them. Projected on the first two, the data's largest variations are
 * laid flat, distances along them preserved: a linear view beside t-SNE's
 * non-linear one.
 *
 * The covariance is one matrix product on the TensorFlow.js backend; its top k
 * eigenvectors come from subspace iteration (Golub & Van Loan, "Matrix
 * Computations", §8.2.4) with a Rayleigh–Ritz step solved by cyclic Jacobi
 * rotations (§8.5), so a few components of a wide covariance cost O(d²k) per
 * iteration, not a full O(d³) decomposition.
 */
import { tf } from '../tf';
import type { VectorSet } from './features';

/** The result of {@link pca}. */
export interface Pca {
  /** Number of components. */
  k: number;
  dim: number;
  /** The mean vector subtracted first. */
  mean: Float32Array;
  /** Unit eigenvectors of the covariance, k rows of dim numbers, largest variance first; each signed so its largest entry is positive. */
  components: Float32Array;
  /** Variance along each component (the eigenvalues). */
  variances: number[];
  /** Total variance (the trace of the covariance), to state what share the components explain. */
  totalVariance: number;
  /** Coordinates of every vector along the components, count rows of k numbers. */
  projections: Float32Array;
}

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major q × q) of a symmetric matrix, by cyclic Jacobi rotations. */
export function jacobiEigen(matrix: Float64Array, q: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(q * q);
  for (let i = 0; i < q; i++) v[i * q + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < q; i++) for (let j = i + 1; j < q; j++) off += a[i * q + j]! ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < q; p++) {
      for (let r = p + 1; r < q; r++) {
        const apr = a[p * q + r]!;
        if (Math.abs(apr) < 1e-300) continue;
        const theta = (a[r * q + r]! - a[p * q + p]!) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < q; k++) {
          const akp = a[k * q + p]!;
          const akr = a[k * q + r]!;
          a[k * q + p] = c * akp - s * akr;
          a[k * q + r] = s * akp + c * akr;
        }
        for (let k = 0; k < q; k++) {
          const apk = a[p * q + k]!;
          const ark = a[r * q + k]!;
          a[p * q + k] = c * apk - s * ark;
          a[r * q + k] = s * apk + c * ark;
        }
        for (let k = 0; k < q; k++) {
          const vkp = v[k * q + p]!;
          const vkr = v[k * q + r]!;
          v[k * q + p] = c * vkp - s * vkr;
          v[k * q + r] = s * vkp + c * vkr;
        }
      }
    }
  }
  return { values: Array.from({ length: q }, (_, i) => a[i * q + i]!), vectors: v };
}

/** Orthonormalises the q columns of a d × q row-major matrix in place (modified Gram–Schmidt). */
function orthonormalise(m: Float64Array, d: number, q: number): void {
  for (let j = 0; j < q; j++) {
    for (let i = 0; i < j; i++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += m[r * q + i]! * m[r * q + j]!;
      for (let r = 0; r < d; r++) m[r * q + j]! -= dot * m[r * q + i]!;
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += m[r * q + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let r = 0; r < d; r++) m[r * q + j]! /= norm;
  }
}

/** Extra directions iterated beyond k: they speed convergence when the k-th and next eigenvalues are close. */
const OVERSAMPLE = 8;

/** The first `k` principal components of `set` (k ≤ min(count, dim)); holds no tensors after. */
export async function pca(set: VectorSet, k = 2): Promise<Pca> {
  const { count: n, dim: d } = set;
  if (n < 2) throw new RangeError('PCA needs at least two vectors.');
  if (!(Number.isInteger(k) && k >= 1 && k <= d)) throw new RangeError(`The number of components must be 1 to ${d}, not ${k}.`);
  const [meanT, covT] = tf.tidy(() => {
    const x = tf.tensor2d(set.data, [n, d]);
    const mean = x.mean(0);
    const centred = x.sub(mean);
    // An explicit transpose: the WASM backend multiplies a transposed operand about ten times slower.
    return [mean, tf.matMul(centred.transpose(), centred).div(n - 1)];
  });
  const mean = (await meanT.data()) as Float32Array;
  const cov = Float64Array.from(await covT.data());
  tf.dispose([meanT, covT]);
  let trace = 0;
  for (let i = 0; i < d; i++) trace += cov[i * d + i]!;

  const q = Math.min(d, k + OVERSAMPLE);
  let basis = new Float64Array(d * q);
  // A fixed start (not random) keeps results reproducible; the shifted sines are independent columns.
  for (let r = 0; r < d; r++) for (let j = 0; j < q; j++) basis[r * q + j] = Math.sin((r + 1) * (j + 1) + j);
  orthonormalise(basis, d, q);
  let values: number[] = [];
  let vectors = new Float64Array(q * q);
  const product = (m: Float64Array) => {
    const out = new Float64Array(d * q);
    for (let r = 0; r < d; r++) {
      for (let c = 0; c < d; c++) {
        const w = cov[r * d + c]!;
        if (w === 0) continue;
        for (let j = 0; j < q; j++) out[r * q + j]! += w * m[c * q + j]!;
      }
    }
    return out;
  };
  for (let iteration = 0; iteration < 500; iteration++) {
    const image = product(basis);
    // Rayleigh–Ritz: the covariance restricted to the subspace, T = Qᵀ C Q.
    const t = new Float64Array(q * q);
    for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) {
      let s = 0;
      for (let r = 0; r < d; r++) s += basis[r * q + i]! * image[r * q + j]!;
      t[i * q + j] = s;
    }
    const eig = jacobiEigen(t, q);
    const previous = values;
    values = eig.values;
    vectors = eig.vectors;
    const top = [...values].sort((a, b) => b - a).slice(0, k);
    const old = [...previous].sort((a, b) => b - a).slice(0, k);
    if (old.length && top.every((v, i) => Math.abs(v - old[i]!) <= 1e-10 * Math.max(Math.abs(top[0]!), 1e-30))) break;
    orthonormalise(image, d, q);
    basis = image;
  }
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]).slice(0, k);
  const components = new Float32Array(k * d);
  order.forEach(([, col], c) => {
    let big = 0;
    for (let r = 0; r < d; r++) {
      let s = 0;
      for (let j = 0; j < q; j++) s += basis[r * q + j]! * vectors[j * q + col]!;
      components[c * d + r] = s;
      if (Math.abs(s) > Math.abs(big)) big = s;
    }
    if (big < 0) for (let r = 0; r < d; r++) components[c * d + r] = -components[c * d + r]!;
  });
  const projections = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let r = 0; r < d; r++) s += (set.data[i * d + r]! - mean[r]!) * components[c * d + r]!;
      projections[i * k + c] = s;
    }
  }
  return { k, dim: d, mean, components, variances: order.map(([v]) => v), totalVariance: trace, projections };
}
