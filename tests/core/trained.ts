/**
 * The book's trained networks in Node, and the test images that give a
 * gradient's ties (flat regions, constant windows) as well as random floats.
 */
import { resolve } from 'node:path';
import type { ConvNet } from '../../src/core/convnet';
import { loadProjectModel } from '../../src/core/model-loader';
import { tf, type Tensor4D } from '../../src/core/tf';
import { seededRandom } from './backends';
import { fileUrl, nodeFetch } from './node-files';

/** The committed classifiers the cross-checks run on. */
export const TRAINED = ['scenes-cnn', 'fashion-vgg'] as const;

/** Loads one of the book's trained networks from public/models, as the book does. */
export function loadTrained(id: (typeof TRAINED)[number]): Promise<ConvNet> {
  return loadProjectModel(id, fileUrl(resolve('public')) + '/', { fetch: nodeFetch });
}

/** A test image as plain data, so each backend makes its own tensor of the same values. */
export interface ImageData {
  name: string;
  values: Float32Array;
}

/**
 * Images across the net's input range: uniform random floats; a constant
 * image (every pooling window a tie, every conv output flat away from the
 * border); blocks of 8×8 flat pixels at five levels (ties in windows and
 * across ReLUs, edges between them); and all zeros (the lowest value, where
 * many units sit at exactly ReLU's kink).
 */
export function tieImages(net: ConvNet, seed = 1): ImageData[] {
  const [h, w, c] = net.inputShape;
  const [lo, hi] = net.inputRange;
  const rand = seededRandom(seed);
  const size = h * w * c;
  const at = (f: (i: number) => number) => Float32Array.from({ length: size }, (_, i) => lo + (hi - lo) * f(i));
  const levels = Array.from({ length: Math.ceil(h / 8) * Math.ceil(w / 8) * c }, () => Math.floor(rand() * 5) / 4);
  const block = (i: number) => {
    const [y, x, ch] = [Math.floor(i / (w * c)), Math.floor(i / c) % w, i % c];
    return levels[((Math.floor(y / 8) * Math.ceil(w / 8)) + Math.floor(x / 8)) * c + ch]!;
  };
  return [
    { name: 'random', values: at(() => rand()) },
    { name: 'constant', values: at(() => 0.5) },
    { name: 'flat blocks', values: at(block) },
    { name: 'zeros', values: at(() => 0) },
  ];
}

/** A [1, H, W, C] tensor of an image on the active backend. */
export function imageTensor(net: ConvNet, image: ImageData): Tensor4D {
  return tf.tensor4d(image.values, [1, ...net.inputShape]);
}

/** max |a − b| / max |b|, the agreement the cross-checks require; 0 when both are all zeros. */
export function relativeToMax(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let [diff, scale] = [0, 0];
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff === 0 ? 0 : diff / scale;
}
