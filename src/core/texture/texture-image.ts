/**
 * What the non-parametric texture synthesisers share: an RGB image of floats
 * in [0, 1] (the scale on which Efros and Leung state their thresholds), the
 * checks of a sample and an output size with messages for the reader, the
 * progress a synthesiser reports, and a driver that runs a synthesiser in
 * short slices so a page stays responsive while a texture grows.
 *
 * Synthesisers are generators: each `next()` does a bounded amount of work
 * (one pixel, or one node of a search tree) and yields its progress; the value
 * they return is the finished texture. No tensors are involved.
 */
import type { RasterImage } from '../image';
import { yieldToEventLoop } from '../tasks';

/** An RGB image, row-major, channels interleaved, values in [0, 1]. */
export interface TextureImage {
  width: number;
  height: number;
  /** height × width × 3 values. */
  data: Float32Array;
}

/** How far a synthesis has got. */
export interface GrowProgress {
  /** Pixels filled so far (over every pyramid level for Wei–Levoy). */
  filled: number;
  /** Pixels to fill in all. */
  total: number;
  /** What is being done: `grow` fills pixels, `index` builds a search structure. */
  stage: 'index' | 'grow';
  /** The image being grown (for Wei–Levoy, the current pyramid level), live: read it before the next step. */
  image: TextureImage;
  /** 1 where `image` is filled, live like `image`. */
  mask: Uint8Array;
}

/** A finished synthesis. */
export interface GrowResult {
  image: TextureImage;
  /** For each output pixel, the index (y · width + x) of the sample pixel it was copied from. */
  source: Int32Array;
}

/** A synthesiser: yields its progress, returns the texture. */
export type Grower = Generator<GrowProgress, GrowResult, void>;

/** Raised for a sample or setting a synthesiser cannot use; the message is meant for the reader. */
export class TextureError extends Error {
  override name = 'TextureError';
}

/**
 * Largest output side, in pixels. Efros–Leung searches the whole sample for
 * every output pixel; at 96 × 96 from a 64-pixel sample that is about a minute
 * of plain JavaScript on a slow laptop core, the most a reader should wait.
 */
export const MAX_OUTPUT_SIDE = 96;

/**
 * Side to which the figure and the benchmark resize a sample before the
 * search: Efros–Leung compares each output pixel with every window of the
 * sample, so the cost grows with its area; 64 pixels keep a 32 × 32 texture
 * to seconds.
 */
export const SAMPLE_SIDE = 64;

/** Largest sample side accepted, in pixels: the search cost grows with the sample's area. */
export const MAX_SAMPLE_SIDE = 128;

/** The RGB texture of a grey, RGB or RGBA raster on the 0–255 scale (alpha is dropped). */
export function textureFromRaster(img: RasterImage): TextureImage {
  const n = img.width * img.height;
  const data = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) data[i * 3 + c] = img.data[i * img.channels + (img.channels === 1 ? 0 : c)]! / 255;
  }
  return { width: img.width, height: img.height, data };
}

/** RGBA bytes of a texture, for a canvas; `filled` (1 per pixel) leaves unfilled pixels transparent. */
export function textureToRgba(img: TextureImage, filled?: Uint8Array): Uint8ClampedArray {
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) out[i * 4 + c] = Math.round(img.data[i * 3 + c]! * 255);
    out[i * 4 + 3] = filled && !filled[i] ? 0 : 255;
  }
  return out;
}

/**
 * A copy of `img` resized to `side` × `side` by averaging (area sampling), for
 * the book's 256-pixel texture images, which are too large to search pixel by
 * pixel. A picture that is not square gives its centred square: squashing it
 * would stretch the texture's elements one way and change the statistics the
 * synthesis copies. An image already that size is returned as is.
 */
export function resizeTexture(img: TextureImage, side: number): TextureImage {
  if (img.width === side && img.height === side) return img;
  const square = Math.min(img.width, img.height);
  const left = Math.floor((img.width - square) / 2);
  const top = Math.floor((img.height - square) / 2);
  const data = new Float32Array(side * side * 3);
  const scale = square / side;
  for (let y = 0; y < side; y++) {
    const y0 = top + Math.floor(y * scale);
    const y1 = Math.max(y0 + 1, top + Math.floor((y + 1) * scale));
    for (let x = 0; x < side; x++) {
      const x0 = left + Math.floor(x * scale);
      const x1 = Math.max(x0 + 1, left + Math.floor((x + 1) * scale));
      const count = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let v = y0; v < y1; v++) for (let u = x0; u < x1; u++) sum += img.data[(v * img.width + u) * 3 + c]!;
        data[(y * side + x) * 3 + c] = sum / count;
      }
    }
  }
  return { width: side, height: side, data };
}

/** Checks a neighbourhood size: odd, at least 3. */
export function checkNeighbourhood(n: number): void {
  if (!Number.isInteger(n) || n < 3 || n % 2 === 0) {
    throw new TextureError(`The neighbourhood must be an odd whole number of pixels, 3 or more (it is ${n}).`);
  }
}

/** Checks an output size: whole numbers from 1 to {@link MAX_OUTPUT_SIDE}. */
export function checkOutputSize(width: number, height: number): void {
  const ok = (v: number) => Number.isInteger(v) && v >= 1 && v <= MAX_OUTPUT_SIDE;
  if (!ok(width) || !ok(height)) {
    throw new TextureError(
      `The output must be from 1 to ${MAX_OUTPUT_SIDE} pixels a side, in whole pixels (it is ${width} × ${height}).`,
    );
  }
}

/** Checks that a sample holds at least one whole `n` × `n` neighbourhood and is not too large to search. */
export function checkSample(sample: TextureImage, n: number): void {
  if (sample.width < n || sample.height < n) {
    throw new TextureError(
      `The sample (${sample.width} × ${sample.height} pixels) is smaller than the ${n} × ${n} neighbourhood; ` +
        'choose a smaller neighbourhood or a larger sample.',
    );
  }
  if (sample.width > MAX_SAMPLE_SIDE || sample.height > MAX_SAMPLE_SIDE) {
    throw new TextureError(
      `The sample is ${sample.width} × ${sample.height} pixels; at most ${MAX_SAMPLE_SIDE} a side can be searched here.`,
    );
  }
  if (sample.data.length !== sample.width * sample.height * 3) {
    throw new TextureError('The sample does not hold three values for each of its pixels.');
  }
}

/** Options of {@link runGrower}. */
export interface RunOptions {
  signal?: AbortSignal;
  /** Longest stretch of work between two yields to the page, in ms (default 12). */
  sliceMs?: number;
  /** Called after every slice with the latest progress. */
  onProgress?: (p: GrowProgress) => void;
  /** Awaited between slices; the default gives the event loop one turn. A view may wait here while paused. */
  pause?: () => Promise<void>;
}

/**
 * Runs `grower` to the end in slices of about `sliceMs`, yielding to the event
 * loop between slices, and returns its texture. Aborting `signal` stops it at
 * the next slice with the signal's reason (an `AbortError` by default).
 */
export async function runGrower(grower: Grower, opts: RunOptions = {}): Promise<GrowResult> {
  const { signal, sliceMs = 12, onProgress, pause = yieldToEventLoop } = opts;
  let last: GrowProgress | undefined;
  for (;;) {
    signal?.throwIfAborted();
    const start = performance.now();
    let step = grower.next();
    while (!step.done && performance.now() - start < sliceMs) {
      last = step.value;
      step = grower.next();
    }
    if (step.done) {
      // The last progress (every pixel filled) is reported too, even when the run took one slice.
      if (last) onProgress?.(last);
      return step.value;
    }
    last = step.value;
    onProgress?.(step.value);
    await pause();
  }
}
