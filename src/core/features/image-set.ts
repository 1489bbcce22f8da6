/**
 * A set of images a network reads in batches: the test subsets the book ships,
 * a reader's images, or a toy set in a test. Techniques that look at a whole
 * data set (features, nearest neighbours, projections, top patches, dead
 * filters) walk it with {@link forEachBatch}, which yields to the event loop
 * between batches so the page stays responsive, reports progress and stops
 * when the run is cancelled.
 */
import { LUMA_WEIGHTS } from '../image';
import { yieldToEventLoop } from '../tasks';
import { tf, type Tensor4D } from '../tf';

/** Images as network inputs, read by index range. */
export interface ImageSet {
  /** Number of images. */
  readonly size: number;
  /** True class of each image, when known. */
  readonly labels?: readonly number[];
  /** Images `start` (inclusive) to `end` (exclusive) as a [end − start, h, w, c] network input the caller disposes. */
  batch(start: number, end: number): Tensor4D | Promise<Tensor4D>;
}

/** Options of {@link forEachBatch}. */
export interface ForEachBatchOptions {
  /** Images per forward pass; {@link DEFAULT_BATCH_SIZE} by default. */
  batchSize?: number;
  /** Cancels the walk: the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each batch with the number of images done and the total. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Images per batch: large enough that a forward pass amortises its overhead, small enough to keep a task
 * short. Measured in Chromium on WASM (bench/results/bench-2026-12-03T16-09-13-368Z.json): at 64 a batch of
 * the dead-filter scan of scenes-cnn was one task of up to 196 ms, and the feature, top-patch and multifaceted
 * walks reached 82–117 ms; a quarter of that keeps each under 100 ms on a machine twice as slow.
 */
export const DEFAULT_BATCH_SIZE = 16;

/**
 * Calls `fn` on each batch of `set`, in order, and disposes the batch after `fn`
 * returns (or its promise settles): `fn` must not keep it, only what it computes
 * from it. Between batches it yields to the event loop; when `signal` aborts, it
 * rejects before the next batch.
 */
export async function forEachBatch(
  set: ImageSet,
  fn: (batch: Tensor4D, start: number, end: number) => void | Promise<void>,
  { batchSize = DEFAULT_BATCH_SIZE, signal, onProgress }: ForEachBatchOptions = {},
): Promise<void> {
  if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new RangeError(`batch size must be a positive integer, not ${batchSize}`);
  for (let start = 0; start < set.size; start += batchSize) {
    signal?.throwIfAborted();
    const end = Math.min(set.size, start + batchSize);
    const batch = await set.batch(start, end);
    try {
      await fn(batch, start, end);
    } finally {
      batch.dispose();
    }
    onProgress?.(end, set.size);
    await yieldToEventLoop();
  }
  signal?.throwIfAborted();
}

/** Pixels of equally sized images, stored one after another, as a data set is shipped. */
export interface PixelImages {
  /** Bytes 0–255, image after image, each height × width × channels, row-major. */
  pixels: Uint8Array | Uint8ClampedArray;
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  labels?: readonly number[];
}

/** What the network expects: its input size, channels and pixel range (see image.ts's ModelInputSpec). */
export interface NetworkInput {
  height: number;
  width: number;
  channels: 1 | 3;
  /** [a, b]: pixel value 0 becomes a and 255 becomes b. */
  range: readonly [number, number];
}

/**
 * Pixel images as an {@link ImageSet} for a network: grey is repeated to RGB or
 * colour converted to grey as the network needs, the images are resized
 * (bilinear, half-pixel centres) when their size differs from the network's,
 * and 0–255 is mapped to the network's range, batch by batch, so only the bytes
 * stay in memory.
 */
export function pixelImageSet(images: PixelImages, input: NetworkInput): ImageSet {
  const { pixels, count, height, width, channels } = images;
  const stride = height * width * channels;
  if (pixels.length < count * stride) throw new RangeError(`${count} images of ${height}×${width}×${channels} need ${count * stride} bytes, not ${pixels.length}`);
  const [a, b] = input.range;
  return {
    size: count,
    ...(images.labels ? { labels: images.labels } : {}),
    batch(start, end) {
      if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start < end && end <= count)) {
        throw new RangeError(`batch [${start}, ${end}) is outside the set of ${count} images`);
      }
      return tf.tidy((): Tensor4D => {
        let x: Tensor4D = tf.tensor4d(Float32Array.from(pixels.subarray(start * stride, end * stride)), [end - start, height, width, channels]);
        if (channels === 1 && input.channels === 3) x = tf.tile(x, [1, 1, 1, 3]);
        if (channels === 3 && input.channels === 1) x = x.mul(tf.tensor1d([...LUMA_WEIGHTS])).sum(3, true);
        if (height !== input.height || width !== input.width) x = tf.image.resizeBilinear(x, [input.height, input.width], false, true);
        return x.mul((b - a) / 255).add(a) as Tensor4D;
      });
    },
  };
}

/** The mean pixel of a set of pixel images, per channel of the network's input and in its range: occlusion's 'mean' fill. */
export function meanPixel(images: PixelImages, input: NetworkInput): number[] {
  const { pixels, count, height, width, channels } = images;
  const sums = new Float64Array(channels);
  const n = count * height * width;
  for (let i = 0; i < n * channels; i++) sums[i % channels]! += pixels[i]!;
  const means = Array.from(sums, (s) => s / n);
  const grey = channels === 3 ? means.reduce((s, m, c) => s + m * LUMA_WEIGHTS[c]!, 0) : means[0]!;
  const [a, b] = input.range;
  const scaled = (v: number) => (v / 255) * (b - a) + a;
  if (input.channels === 1) return [scaled(grey)];
  return channels === 3 ? means.map(scaled) : [0, 1, 2].map(() => scaled(grey));
}
