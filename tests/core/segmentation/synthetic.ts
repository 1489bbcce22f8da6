/** Synthetic colours and images for the segmentation tests, from a seeded PRNG. */
import { mulberry32 } from '../../../src/core/random';

/** A standard normal sampler (Box–Muller) over a seeded uniform one. */
export function gaussian(seed: number): () => number {
  const random = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** `count` colours around each of `means`, isotropic noise of standard deviation `sigma`, clamped to 0..1. */
export function clusters(means: number[][], count: number, sigma: number, seed = 1): Float32Array {
  const noise = gaussian(seed);
  const out = new Float32Array(means.length * count * 3);
  means.forEach((mean, m) => {
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < 3; c++) out[(m * count + i) * 3 + c] = Math.min(1, Math.max(0, mean[c]! + sigma * noise()));
    }
  });
  return out;
}

/**
 * A red disc on a noisy blue-green background (RGB floats), the disc's true
 * mask, and a "saliency" map: the disc blurred by a Gaussian of `blur` pixels.
 * `noise` scales the colour noise (1: the classes barely overlap).
 */
export function discScene(size: number, { blur = size / 16, noise: noiseScale = 1, seed = 7 } = {}) {
  const noise = gaussian(seed);
  const n = size * size;
  const cx = size * 0.5, cy = size * 0.45, radius = size * 0.22;
  const rgb = new Float32Array(n * 3);
  const truth = new Uint8Array(n);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      truth[p] = (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= radius ** 2 ? 1 : 0;
      // The background drifts from blue-green to green across the image.
      const t = x / size;
      const colour = truth[p] ? [0.85, 0.15, 0.1] : [0.1, 0.45 + 0.25 * t, 0.65 - 0.25 * t];
      const sigma = (truth[p] ? 0.04 : 0.06) * noiseScale;
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = Math.min(1, Math.max(0, colour[c]! + sigma * noise()));
    }
  }
  return { width: size, height: size, rgb, truth, saliency: gaussianBlur(Float32Array.from(truth), size, blur) };
}

/** The same image as RGBA bytes, as a canvas would give it. */
export function toRgba(rgb: Float32Array): Uint8ClampedArray {
  const out = new Uint8ClampedArray((rgb.length / 3) * 4);
  for (let i = 0; i < rgb.length / 3; i++) {
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(rgb[i * 3 + c]! * 255);
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** A separable Gaussian blur with clamped borders. */
function gaussianBlur(values: Float32Array, size: number, sigma: number): Float32Array {
  const r = Math.ceil(3 * sigma);
  const kernel = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const total = kernel.reduce((a, b) => a + b, 0);
  const pass = (src: Float32Array, horizontal: boolean) => {
    const out = new Float32Array(src.length);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        let s = 0;
        for (let k = -r; k <= r; k++) {
          const xx = horizontal ? Math.min(size - 1, Math.max(0, x + k)) : x;
          const yy = horizontal ? y : Math.min(size - 1, Math.max(0, y + k));
          s += kernel[k + r]! * src[yy * size + xx]!;
        }
        out[y * size + x] = s / total;
      }
    }
    return out;
  };
  return pass(pass(values, true), false);
}
