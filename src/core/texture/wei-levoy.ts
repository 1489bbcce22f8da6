/**
 * Fast texture synthesis in scanline order, coarse to fine.
 *
 * Wei, L.-Y. and Levoy, M. (2000). Fast texture synthesis using
 * tree-structured vector quantization. SIGGRAPH.
 * https://doi.org/10.1145/344779.345009
 *
 * Sample and output are Gaussian pyramids (§3.2). The output starts as noise
 * (pixels drawn at random from the sample) at every level and is rewritten,
 * coarsest level first, in scanline order. A pixel's neighbourhood is causal
 * (§3.1): the pixels of the n × n square above it and to its left, which are
 * already final, plus, below the coarsest level, the whole m × m square
 * around its parent at the next coarser level (m = n / 2 rounded to odd, at
 * least 3), so that a small window sees large structures. The output wraps
 * around at its edges (toroidal); sample neighbourhoods lie wholly inside the
 * sample. The pixel takes the centre of the sample neighbourhood nearest in
 * plain squared distance, found exhaustively or with TSVQ (§4, tsvq.ts).
 */
import { mixSeed, mulberry32 } from '../random';
import { buildTsvq, exhaustiveNearest, type VectorSet } from './tsvq';
import { checkNeighbourhood, checkOutputSize, checkSample, type Grower, type TextureImage } from './texture-image';

/** Settings of {@link weiLevoy}. */
export interface WeiLevoyOptions {
  width: number;
  height: number;
  /** Side of the causal square at each level, odd. */
  neighbourhood: number;
  seed: number;
  /** Pyramid levels (default: up to 3, as many as the sample allows). */
  levels?: number;
  /** `tsvq` (the paper's speed-up) or `exhaustive` (the reference). */
  search?: 'tsvq' | 'exhaustive';
}

/** The 5-tap binomial filter (1 4 6 4 1)/16, the usual Gaussian of a pyramid (Burt and Adelson). */
const BINOMIAL = [1, 4, 6, 4, 1].map((v) => v / 16);

/** Blurs `img` with the binomial filter (edges clamped) and keeps every second pixel. */
export function downsample(img: TextureImage): TextureImage {
  const w = Math.ceil(img.width / 2);
  const h = Math.ceil(img.height / 2);
  const data = new Float32Array(w * h * 3);
  const clamp = (v: number, n: number) => Math.min(n - 1, Math.max(0, v));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let v = 0; v < 5; v++) {
          const yy = clamp(2 * y + v - 2, img.height);
          for (let u = 0; u < 5; u++) s += BINOMIAL[v]! * BINOMIAL[u]! * img.data[(yy * img.width + clamp(2 * x + u - 2, img.width)) * 3 + c]!;
        }
        data[(y * w + x) * 3 + c] = s;
      }
    }
  }
  return { width: w, height: h, data };
}

/** Offsets (dx, dy) of the causal part of an n × n square: the rows above and the pixels to the left. */
export function causalOffsets(n: number): [number, number][] {
  const h = (n - 1) / 2;
  const out: [number, number][] = [];
  for (let dy = -h; dy <= 0; dy++) for (let dx = -h; dx <= h; dx++) if (dy < 0 || dx < 0) out.push([dx, dy]);
  return out;
}

/** The number of levels a sample allows: each must still hold a whole neighbourhood with its parent's. */
function levelsFor(sample: TextureImage, n: number, wanted: number): number {
  let levels = 1;
  let side = Math.min(sample.width, sample.height);
  while (levels < wanted && Math.ceil(side / 2) >= n + 4) {
    side = Math.ceil(side / 2);
    levels++;
  }
  return levels;
}

/** Grows a texture by Wei and Levoy's method (see the module's comment), one pixel per step. */
export function* weiLevoy(sample: TextureImage, opts: WeiLevoyOptions): Grower {
  const { width, height, neighbourhood: n, seed, search = 'tsvq' } = opts;
  checkNeighbourhood(n);
  checkOutputSize(width, height);
  checkSample(sample, n);
  const rand = mulberry32(mixSeed(seed));
  const L = levelsFor(sample, n, opts.levels ?? 3);
  const samples = [sample];
  const outs: TextureImage[] = [{ width, height, data: new Float32Array(width * height * 3) }];
  for (let l = 1; l < L; l++) {
    samples.push(downsample(samples[l - 1]!));
    const o = outs[l - 1]!;
    outs.push({ width: Math.ceil(o.width / 2), height: Math.ceil(o.height / 2), data: new Float32Array(0) });
  }
  const total = outs.reduce((s, o) => s + o.width * o.height, 0);
  const h = (n - 1) / 2;
  const m = Math.max(3, (Math.floor(n / 2) | 1));
  const hc = (m - 1) / 2;
  const causal = causalOffsets(n);
  let filled = 0;
  let source = new Int32Array(0);

  for (let l = L - 1; l >= 0; l--) {
    const s = samples[l]!;
    const out = outs[l]!;
    out.data = new Float32Array(out.width * out.height * 3);
    const coarse = l + 1 < L ? { s: samples[l + 1]!, o: outs[l + 1]! } : null;
    const dim = (causal.length + (coarse ? m * m : 0)) * 3;
    // Noise: every pixel drawn from the sample level at random.
    for (let i = 0; i < out.width * out.height; i++) {
      const j = Math.floor(rand() * s.width * s.height);
      out.data.set(s.data.subarray(j * 3, j * 3 + 3), i * 3);
    }
    /** The neighbourhood vector of (x, y) in `img` (and its parent in `parent`), wrapping around when `wrap`. */
    const gather = (img: TextureImage, parent: TextureImage | null, x: number, y: number, wrap: boolean, into: Float32Array) => {
      const at = (im: TextureImage, xx: number, yy: number) =>
        wrap ? (((yy + im.height) % im.height) * im.width + ((xx + im.width) % im.width)) * 3 : (yy * im.width + xx) * 3;
      let k = 0;
      for (const [dx, dy] of causal) {
        const p = at(img, x + dx, y + dy);
        into[k++] = img.data[p]!;
        into[k++] = img.data[p + 1]!;
        into[k++] = img.data[p + 2]!;
      }
      if (parent) {
        const px = x >> 1;
        const py = y >> 1;
        for (let dy = -hc; dy <= hc; dy++) {
          for (let dx = -hc; dx <= hc; dx++) {
            const p = at(parent, px + dx, py + dy);
            into[k++] = parent.data[p]!;
            into[k++] = parent.data[p + 1]!;
            into[k++] = parent.data[p + 2]!;
          }
        }
      }
    };
    // The training set: every sample position whose neighbourhood (and parent's) lies inside the sample.
    const positions: number[] = [];
    for (let y = h; y < s.height; y++) {
      for (let x = h; x < s.width - h; x++) {
        if (coarse && ((x >> 1) < hc || (x >> 1) >= coarse.s.width - hc || (y >> 1) < hc || (y >> 1) >= coarse.s.height - hc)) continue;
        positions.push(y * s.width + x);
      }
    }
    const set: VectorSet = { data: new Float32Array(positions.length * dim), dim, count: positions.length };
    const mask = new Uint8Array(out.width * out.height);
    for (let i = 0; i < positions.length; i++) {
      const p = positions[i]!;
      gather(s, coarse?.s ?? null, p % s.width, Math.floor(p / s.width), false, set.data.subarray(i * dim, (i + 1) * dim));
      if (i % 256 === 255) yield { filled, total, stage: 'index', image: out, mask };
    }
    let nearest = (q: Float32Array) => exhaustiveNearest(set, q);
    if (search === 'tsvq') {
      const build = buildTsvq(set, rand);
      let step = build.next();
      while (!step.done) {
        yield { filled, total, stage: 'index', image: out, mask };
        step = build.next();
      }
      const tree = step.value;
      nearest = (q) => tree.nearest(q);
    }
    const q = new Float32Array(dim);
    source = new Int32Array(out.width * out.height);
    for (let y = 0; y < out.height; y++) {
      for (let x = 0; x < out.width; x++) {
        gather(out, coarse?.o ?? null, x, y, true, q);
        const from = positions[nearest(q)]!;
        const i = y * out.width + x;
        out.data.set(s.data.subarray(from * 3, from * 3 + 3), i * 3);
        source[i] = from;
        mask[i] = 1;
        filled++;
        yield { filled, total, stage: 'grow', image: out, mask };
      }
    }
  }
  return { image: outs[0]!, source };
}
