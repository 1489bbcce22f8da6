/**
 * Linear resampling of images as matrix products, the one mechanism behind
 * the transforms (jitter, scale, rotation) and the Gaussian blur.
 *
 * Each output pixel along an axis is a weighted sum of input pixels along it:
 * y = M x, with M built from linear-interpolation (or Gaussian) weights. Every
 * op involved (transpose, reshape, matMul) has a gradient on every backend,
 * including WASM, which lacks the gradients of gather and image rotation; and
 * at the book's sizes (64×64) a 64×64 matrix per axis costs less than a
 * convolution layer.
 */
import { tf, type Tensor2D, type Tensor3D, type Tensor4D } from '../tf';

/**
 * An n×n matrix of linear-interpolation weights: row i reads the input at the
 * real position `source(i)`, split between its two neighbours; positions
 * outside [0, n − 1] read zero (callers shift images so that zero is the fill).
 */
export function interpolationRows(n: number, source: (i: number) => number): Float32Array {
  const m = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const s = source(i);
    const j = Math.floor(s);
    const f = s - j;
    if (j >= 0 && j < n) m[i * n + j] = 1 - f;
    if (j + 1 >= 0 && j + 1 < n && f > 0) m[i * n + j + 1] = f;
  }
  return m;
}

/** y[b, h, i, c] = Σ_j M[i, j] x[b, h, j, c]: one [W, W] matrix applied along the width. */
export function alongWidth(x: Tensor4D, m: Tensor2D): Tensor4D {
  const [b, h, w, c] = x.shape;
  const rows = tf.reshape(tf.transpose(x, [0, 1, 3, 2]), [b * h * c, w]);
  const y = tf.matMul(rows, m, false, true);
  return tf.transpose(tf.reshape(y, [b, h, c, m.shape[0]]), [0, 1, 3, 2]);
}

/** y[b, i, w, c] = Σ_j M[i, j] x[b, j, w, c]: one [H, H] matrix applied along the height. */
export function alongHeight(x: Tensor4D, m: Tensor2D): Tensor4D {
  return swapAxes(alongWidth(swapAxes(x), m));
}

/** y[b, h, i, c] = Σ_j M_h[i, j] x[b, h, j, c]: a different [W, W] matrix for every row h (a shear). */
export function alongWidthPerRow(x: Tensor4D, m: Tensor3D): Tensor4D {
  const [b, h, w, c] = x.shape;
  const byRow = tf.reshape(tf.transpose(x, [1, 2, 0, 3]), [h, w, b * c]);
  const y = tf.matMul(m, byRow);
  return tf.transpose(tf.reshape(y, [h, w, b, c]), [2, 0, 1, 3]);
}

/** The image with height and width exchanged. */
export function swapAxes(x: Tensor4D): Tensor4D {
  return tf.transpose(x, [0, 2, 1, 3]);
}

/**
 * An n×n Gaussian blur matrix of standard deviation σ pixels, each row
 * normalised to sum 1 so that a constant image stays constant up to the edges.
 */
export function gaussianRows(n: number, sigma: number): Float32Array {
  const m = new Float32Array(n * n);
  const radius = Math.ceil(3 * sigma);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = Math.max(0, i - radius); j <= Math.min(n - 1, i + radius); j++) {
      const v = Math.exp(-((i - j) ** 2) / (2 * sigma * sigma));
      m[i * n + j] = v;
      sum += v;
    }
    for (let j = 0; j < n; j++) m[i * n + j]! /= sum;
  }
  return m;
}

/** The image blurred by a separable Gaussian of σ pixels (σ ≤ 0: unchanged). */
export function gaussianBlur(x: Tensor4D, sigma: number): Tensor4D {
  if (sigma <= 0) return tf.clone(x);
  const [, h, w] = x.shape;
  const rows = tf.tensor2d(gaussianRows(h, sigma), [h, h]);
  const cols = w === h ? rows : tf.tensor2d(gaussianRows(w, sigma), [w, w]);
  return alongWidth(alongHeight(x, rows), cols);
}
