/**
 * Non-parametric texture synthesis by growing pixels one at a time.
 *
 * Efros, A. A. and Leung, T. K. (1999). Texture synthesis by non-parametric
 * sampling. ICCV. https://doi.org/10.1109/ICCV.1999.790383
 *
 * A seed patch copied from the sample is grown outward. Each unfilled pixel on
 * the boundary, those with the most filled neighbours first, takes its value
 * from the sample: its n × n window, with only the filled pixels counted, is
 * compared with every whole n × n window of the sample by a Gaussian-weighted
 * sum of squared differences (SSD),
 *
 *   d(w, v) = Σ_k G_k M_k ‖w_k − v_k‖² / (3 Σ_k G_k M_k),   G_k = exp(−‖k‖² / 2σ²), σ = n / 6.4,
 *
 * (M_k is 1 where the output pixel is filled; the 3 averages over R, G and B);
 * one of the windows within (1 + ε) of the best distance is picked at random
 * and its centre is copied, if its distance is below a maximum error, which
 * grows by 10% after a pass that fills nothing (the paper's pseudocode).
 */
import { mixSeed, mulberry32 } from '../random';
import {
  checkNeighbourhood,
  checkOutputSize,
  checkSample,
  TextureError,
  type Grower,
  type TextureImage,
} from './texture-image';

/** Settings of {@link efrosLeung}. */
export interface EfrosLeungOptions {
  width: number;
  height: number;
  /** Side of the square neighbourhood, odd (the paper shows 5 to 21). */
  neighbourhood: number;
  seed: number;
  /** Candidates within (1 + epsilon) of the best distance are kept (paper: 0.1). */
  epsilon?: number;
  /** Largest distance copied before the threshold is raised by 10% (paper's pseudocode: 0.3). */
  maxError?: number;
  /** Side of the seed patch copied from the sample (paper's pseudocode: 3). */
  seedSize?: number;
}

/** Defaults from Efros and Leung's paper and the pseudocode on their project page. */
export const EFROS_LEUNG_DEFAULTS = { epsilon: 0.1, maxError: 0.3, seedSize: 3 } as const;

/** The filled part of an output pixel's window: offsets, Gaussian weights and colours, ready to compare. */
export interface Window {
  dx: Int32Array;
  dy: Int32Array;
  weight: Float32Array;
  /** Colours, 3 per entry. */
  rgb: Float32Array;
  /** Number of entries in use. */
  count: number;
  /** Σ weight, times 3 for the channels. */
  norm: number;
}

/** The n × n Gaussian of σ = n / 6.4 (Efros and Leung's choice), row-major, not normalised. */
export function gaussianKernel(n: number): Float32Array {
  const h = (n - 1) / 2;
  const s2 = 2 * (n / 6.4) ** 2;
  const k = new Float32Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) k[y * n + x] = Math.exp(-((x - h) ** 2 + (y - h) ** 2) / s2);
  return k;
}

/** The filled pixels of the n × n window of (x, y) in `img`; pixels outside the image count as unfilled. */
export function gatherWindow(img: TextureImage, filled: Uint8Array, x: number, y: number, kernel: Float32Array): Window {
  const n = Math.round(Math.sqrt(kernel.length));
  const h = (n - 1) / 2;
  const win: Window = {
    dx: new Int32Array(n * n),
    dy: new Int32Array(n * n),
    weight: new Float32Array(n * n),
    rgb: new Float32Array(n * n * 3),
    count: 0,
    norm: 0,
  };
  for (let v = -h; v <= h; v++) {
    const yy = y + v;
    if (yy < 0 || yy >= img.height) continue;
    for (let u = -h; u <= h; u++) {
      const xx = x + u;
      if (xx < 0 || xx >= img.width || !filled[yy * img.width + xx]) continue;
      const i = win.count++;
      const w = kernel[(v + h) * n + u + h]!;
      win.dx[i] = u;
      win.dy[i] = v;
      win.weight[i] = w;
      win.norm += 3 * w;
      for (let c = 0; c < 3; c++) win.rgb[i * 3 + c] = img.data[(yy * img.width + xx) * 3 + c]!;
    }
  }
  return win;
}

/** d(window, sample window centred on (cx, cy)): the Gaussian-weighted mean squared difference over the filled pixels. */
export function windowDistance(sample: TextureImage, cx: number, cy: number, win: Window): number {
  let sum = 0;
  const { dx, dy, weight, rgb, count } = win;
  for (let i = 0; i < count; i++) {
    const p = ((cy + dy[i]!) * sample.width + cx + dx[i]!) * 3;
    const r = sample.data[p]! - rgb[i * 3]!;
    const g = sample.data[p + 1]! - rgb[i * 3 + 1]!;
    const b = sample.data[p + 2]! - rgb[i * 3 + 2]!;
    sum += weight[i]! * (r * r + g * g + b * b);
  }
  return sum / win.norm;
}

/** Number of filled 8-neighbours of pixel i. */
function filledNeighbours(filled: Uint8Array, width: number, height: number, x: number, y: number): number {
  let k = 0;
  for (let v = Math.max(0, y - 1); v <= Math.min(height - 1, y + 1); v++) {
    for (let u = Math.max(0, x - 1); u <= Math.min(width - 1, x + 1); u++) k += filled[v * width + u]!;
  }
  return k;
}

/**
 * Grows a `width` × `height` texture from `sample`, one pixel per step (see
 * the module's comment). Throws a {@link TextureError} for a sample smaller
 * than the neighbourhood or a size out of range.
 */
export function* efrosLeung(sample: TextureImage, opts: EfrosLeungOptions): Grower {
  const { width, height, neighbourhood: n, seed } = opts;
  const { epsilon, maxError, seedSize } = { ...EFROS_LEUNG_DEFAULTS, ...opts };
  checkNeighbourhood(n);
  checkOutputSize(width, height);
  checkSample(sample, n);
  if (!(epsilon >= 0) || !(maxError > 0)) throw new TextureError('ε must be 0 or more and the maximum error above 0.');
  const rand = mulberry32(mixSeed(seed));
  const h = (n - 1) / 2;
  const kernel = gaussianKernel(n);
  const out: TextureImage = { width, height, data: new Float32Array(width * height * 3) };
  const filled = new Uint8Array(width * height);
  const source = new Int32Array(width * height).fill(-1);
  const total = width * height;
  let count = 0;
  const copy = (i: number, s: number) => {
    for (let c = 0; c < 3; c++) out.data[i * 3 + c] = sample.data[s * 3 + c]!;
    filled[i] = 1;
    source[i] = s;
    count++;
  };

  // The seed patch: a random seedSize × seedSize block of the sample, at the output's centre.
  const ps = Math.min(seedSize, sample.width, sample.height, width, height);
  const sx = Math.floor(rand() * (sample.width - ps + 1));
  const sy = Math.floor(rand() * (sample.height - ps + 1));
  const ox = Math.floor((width - ps) / 2);
  const oy = Math.floor((height - ps) / 2);
  for (let v = 0; v < ps; v++) for (let u = 0; u < ps; u++) copy((oy + v) * width + ox + u, (sy + v) * sample.width + sx + u);
  yield { filled: count, total, stage: 'grow', image: out, mask: filled };

  const candidates = (sample.width - 2 * h) * (sample.height - 2 * h);
  const dist = new Float64Array(candidates);
  let threshold = maxError;
  while (count < total) {
    // The boundary, shuffled so ties in the neighbour count are broken at random, then most-filled first.
    const boundary: { i: number; k: number; r: number }[] = [];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (filled[y * width + x]) continue;
        const k = filledNeighbours(filled, width, height, x, y);
        if (k > 0) boundary.push({ i: y * width + x, k, r: rand() });
      }
    }
    boundary.sort((a, b) => b.k - a.k || a.r - b.r);
    let progress = false;
    for (const { i } of boundary) {
      const x = i % width;
      const y = (i - x) / width;
      const win = gatherWindow(out, filled, x, y, kernel);
      let best = Infinity;
      let j = 0;
      for (let cy = h; cy < sample.height - h; cy++) {
        for (let cx = h; cx < sample.width - h; cx++, j++) {
          const d = windowDistance(sample, cx, cy, win);
          dist[j] = d;
          if (d < best) best = d;
        }
      }
      const limit = best * (1 + epsilon);
      const picks: number[] = [];
      for (let c = 0; c < candidates; c++) if (dist[c]! <= limit) picks.push(c);
      const pick = picks[Math.floor(rand() * picks.length)]!;
      if (dist[pick]! <= threshold) {
        const cw = sample.width - 2 * h;
        copy(i, (h + Math.floor(pick / cw)) * sample.width + h + (pick % cw));
        progress = true;
      }
      yield { filled: count, total, stage: 'grow', image: out, mask: filled };
    }
    if (!progress) threshold *= 1.1;
  }
  return { image: out, source };
}
