/**
 * What every trainer of the book's networks does the same way: a seeded data order, batches of a
 * split's 8-bit images as floats in [0, 1] (the networks' input range), Adam's step decayed by a
 * cosine to a twentieth of its start, and the card's account of the data.
 */
import type { Tensor4D } from '@tensorflow/tfjs-core';
import { tf } from './node-tf';
import type { Dataset, Split } from './datasets';

/** Fisher–Yates shuffle of 0..n-1 from a seeded PRNG. */
export function shuffled(n: number, rng: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Items `order[from..from+n)` of a split as a float batch in 0..1, [n, H, W, C]. */
export function imageBatch(split: Split, order: ArrayLike<number>, from: number, n: number): Tensor4D {
  const size = split.shape[0] * split.shape[1] * split.shape[2];
  const x = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const j = order[from + i]!;
    const src = split.images.subarray(j * size, (j + 1) * size);
    for (let k = 0; k < size; k++) x[i * size + k] = src[k]! / 255;
  }
  return tf.tensor4d(x, [n, ...split.shape]);
}

/** The first `count` indices, in order: the order of an evaluation. */
export function inOrder(count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => i);
}

/** Adam's step at `step` of `steps`: `start`, decayed by a cosine to `start / 20` at the end. */
export function cosineRate(start: number, step: number, steps: number): number {
  return start * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * step) / steps)));
}

/** Sets the step size of a tfjs optimizer (Adam keeps it as a plain field). */
export function setLearningRate(optimizer: unknown, rate: number): void {
  (optimizer as { learningRate: number }).learningRate = rate;
}

/** The data as a model card records it: where it comes from, its licence, how much was seen, how it was read. */
export function cardData(data: Dataset, trainImages: number) {
  return {
    dataset: data.id,
    description: data.description,
    licence: data.licence,
    source: data.source,
    trainImages,
    preprocessing: 'pixels / 255 from 8-bit values; no augmentation',
  };
}
