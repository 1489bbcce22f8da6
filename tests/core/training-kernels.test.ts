/**
 * The training-only speedup in scripts/lib: the tile-free batch-normalisation
 * gradient (fast-batch-norm-grad.ts) against tfjs-core's own gradient and a
 * float64 closed form. (The convolution gradients training relies on are the
 * core's, tested in wasm-backprop.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../src/core/tf';
import { mulberry32 } from '../../src/core/random';
import { useFastBatchNormGrad } from '../../scripts/lib/fast-batch-norm-grad';

/** Largest |a - e| / max(1, |e|). */
function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  return worst;
}

/**
 * Σ w ⊙ batchNorm(x) with batch statistics per channel (the last axis), and its gradients in closed form,
 * in float64: with x̂ = (x − μ)/s, s = √(σ² + ε), σ² the biased variance over the N values of a channel,
 *   ∂L/∂x = (γ/s)(w − mean(w) − x̂ · mean(w x̂)),   ∂L/∂γ = Σ w x̂,   ∂L/∂β = Σ w.
 */
function batchNormReference(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number>, w: ArrayLike<number>, eps: number) {
  const c = gamma.length;
  const n = x.length / c;
  const channel = (k: number, v: ArrayLike<number>) => Array.from({ length: n }, (_, i) => v[i * c + k]!);
  const [dx, dGamma, dBeta] = [new Float64Array(x.length), new Float64Array(c), new Float64Array(c)];
  let loss = 0;
  for (let k = 0; k < c; k++) {
    const [xs, ws] = [channel(k, x), channel(k, w)];
    const mu = xs.reduce((a, b) => a + b, 0) / n;
    const s = Math.sqrt(xs.reduce((a, v) => a + (v - mu) ** 2, 0) / n + eps);
    const xHat = xs.map((v) => (v - mu) / s);
    const meanW = ws.reduce((a, b) => a + b, 0) / n;
    const meanWxHat = ws.reduce((a, v, i) => a + v * xHat[i]!, 0) / n;
    xHat.forEach((h, i) => {
      dx[i * c + k] = (gamma[k]! / s) * (ws[i]! - meanW - h * meanWxHat);
      loss += ws[i]! * (gamma[k]! * h + beta[k]!);
    });
    [dGamma[k], dBeta[k]] = [n * meanWxHat, n * meanW];
  }
  return { loss, grads: [dx, dGamma, dBeta] };
}

/**
 * Largest |a − e| over the entries, as a fraction of the largest |e|: float32 rounding is relative to the
 * gradient's scale, not to each entry (an entry near zero carries the rounding of the large terms it sums).
 */
function maxErrorOfScale(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...Array.from(expected, Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst / scale;
}

describe('useFastBatchNormGrad', () => {
  const EPS = 1e-3;
  /** Σ w ⊙ batchNorm(x) with batch statistics, as batch normalisation computes it in training. */
  const loss = (w: Tensor) => (x: Tensor, gamma: Tensor, beta: Tensor) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.sum(tf.mul(tf.batchNorm(x as tf.Tensor4D, mean, variance, beta, gamma, EPS), w));
  };
  const inputs = () => [
    tf.randomNormal([3, 4, 5, 6], 0.3, 1.2, 'float32', 7),
    tf.randomUniform([6], -2, 2, 'float32', 8),
    tf.randomNormal([6], 0, 1, 'float32', 9),
  ];

  it('the float64 reference is the derivative of its own loss (central differences)', () => {
    const rand = mulberry32(3);
    const values = (n: number) => Float64Array.from({ length: n }, () => rand() * 2 - 1);
    const [x, gamma, beta, w] = [values(60), values(3), values(3), values(60)];
    const { grads } = batchNormReference(x, gamma, beta, w, EPS);
    const h = 1e-6;
    for (const i of [0, 7, 31, 59]) {
      const [up, down] = [x.slice(), x.slice()];
      up[i]! += h;
      down[i]! -= h;
      const numeric = (batchNormReference(up, gamma, beta, w, EPS).loss - batchNormReference(down, gamma, beta, w, EPS).loss) / (2 * h);
      expect(Math.abs(numeric - grads[0]![i]!)).toBeLessThan(1e-6 * Math.max(...grads[0]!.map(Math.abs)));
    }
  });

  it('agrees with tfjs-core\'s gradient and with the closed form, on CPU and WASM', async () => {
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const [x, gamma, beta] = inputs();
      const w = tf.randomNormal([3, 4, 5, 6], 0, 1, 'float32', 10);
      const f = loss(w);
      const stock = tf.grads(f)([x!, gamma!, beta!]).map((t) => Float32Array.from(t.dataSync()));
      useFastBatchNormGrad();
      const before = tf.memory().numTensors;
      const fast = tf.tidy(() => tf.grads(f)([x!, gamma!, beta!]).map((t) => Float32Array.from(t.dataSync())));
      expect(tf.memory().numTensors).toBe(before);
      fast.forEach((g, i) => expect(maxRelativeError(g, stock[i]!), `${backend} input ${i}`).toBeLessThan(1e-5));

      // Every entry of ∂L/∂x, ∂L/∂γ, ∂L/∂β against the float64 closed form. Float32 carries about 6e-8 of
      // relative rounding per operation, and a channel's sums run over 60 values: 1e-4 of the gradient's
      // scale is well above that rounding and far below any missing or wrong term.
      const { grads } = batchNormReference(x!.dataSync(), gamma!.dataSync(), beta!.dataSync(), w.dataSync(), EPS);
      fast.forEach((g, i) => expect(maxErrorOfScale(g, grads[i]!), `${backend} closed form ${i}`).toBeLessThan(1e-4));
      tf.dispose([x!, gamma!, beta!, w]);
    }
  });
});
